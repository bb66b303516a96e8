from prefect import flow


@flow
def single_line():
    """One line."""


@flow
def multi_line():
    """
    Summary on the second line.

        Indented block stays indented.
    Back to the margin.
    """


@flow
def escapes():
    "Tab:\there, newline:\nnext, hex: \x41, unicode: \u00e9, bullet: \N{BULLET}, \
joined"


@flow
def raw():
    r"""Raw \n stays."""


@flow
def implicit_concatenation():
    "first " 'second'


@flow
def inline(): "Inline docstring."


@flow
def not_first_statement():
    x = 1
    """Not a docstring."""


@flow
def fstring_is_not_a_docstring():
    f"""{1} no"""
