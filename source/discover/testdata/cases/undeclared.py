import os


@flow
def forgot_the_import():
    pass


@prefect.flow(name="x")
def forgot_import_prefect():
    pass


@task
def undeclared_task_is_fine():
    pass


from mylib.helpers import *


@flow
def maybe_from_star_import():
    pass
