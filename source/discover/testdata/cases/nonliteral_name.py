from prefect import flow

NAME = "from-a-variable"
DESCRIPTION = "from a variable"


@flow(name=NAME, description=DESCRIPTION)
def variable_name():
    """Docstring used because description= is not a literal."""


@flow(name=f"{NAME}-suffix")
def fstring_name():
    pass


@flow(name="-".join(["a", "b"]))
def call_name():
    pass


@flow(name=None, description=None)
def none_means_default():
    """Docstring."""


@flow(name="")
def empty_name():
    pass


OPTIONS = {"name": "hidden"}


@flow(**OPTIONS)
def double_star():
    pass
