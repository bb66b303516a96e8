from metaflow import flow
from somewhere import prefect


@flow
def metaflow_style():
    pass


@prefect.flow
def not_the_real_prefect():
    pass
