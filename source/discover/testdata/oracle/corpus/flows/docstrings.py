"""Docstring styles, parsed as Prefect parses them."""
from prefect import flow


@flow
def ds_google(a: int, b: str = "x"):
    """Summary.

    Args:
        a: The a.
        b: The b.
    """
@flow
def ds_google_types(a: int, b: str = "x"):
    """Summary.

    Args:
        a (int): The a.
        b (str, optional): The b.
    """
@flow
def ds_multiline(a: int):
    """Summary.

    Args:
        a: First line
            second line
            third line.
    """
@flow
def ds_blank_in_entry(a: int, b: int = 1):
    """Summary.

    Args:
        a: First paragraph.

            Second paragraph.
        b: Next.
    """
@flow
def ds_trailing_spaces(a: int):
    """Summary.

    Args:
        a: ends with spaces   
    """
@flow
def ds_parameters_title(a: int):
    """Summary.

    Parameters:
        a: via Parameters
    """
@flow
def ds_arguments_title(a: int):
    """Summary.

    Arguments:
        a: via Arguments
    """
@flow
def ds_params_title(a: int):
    """Summary.

    Params:
        a: via Params
    """
@flow
def ds_keyword_args(a: int, b: int = 2):
    """Summary.

    Args:
        a: the a

    Keyword Args:
        b: the b
    """
@flow
def ds_no_blank_above(a: int):
    """Summary.
    Args:
        a: not a section
    """
@flow
def ds_first_line_section(a: int):
    """Args:
        a: first line section
    """
@flow
def ds_numpy(a: int, b: str = "x"):
    """Summary.

    Parameters
    ----------
    a : int
        The a.
    b : str
        The b.
    """
@flow
def ds_sphinx(a: int, b: str = "x"):
    """Summary.

    :param a: The a.
    :param b: The b.
    """
@flow
def ds_confusing_indent(a: int, b: int = 1):
    """Summary.

    Args:
      a: two spaces
         three more
      b: next
    """
@flow
def ds_tabs(a: int):
	"""Summary.

	Args:
		a: tabbed
	"""
@flow
def ds_returns_after(a: int):
    """Summary.

    Args:
        a: the a

    Returns:
        nothing
    """
@flow
def ds_unknown_param(a: int):
    """Summary.

    Args:
        zz: not a parameter
        a: real
    """
@flow
def ds_no_colon(a: int, b: int = 1):
    """Summary.

    Args:
        a the a without colon
        b: fine
    """
@flow
def ds_colon_in_desc(a: str):
    """Summary.

    Args:
        a: see http://example.com: really
    """
@flow
def ds_empty_desc(a: int):
    """Summary.

    Args:
        a:
    """
@flow
def ds_two_sections(a: int, b: int = 1):
    """Summary.

    Args:
        a: first section

    Args:
        b: second section
    """
@flow
def ds_title_on_line(a: int):
    """Summary.

    Args: with a title
        a: titled section
    """
@flow
def ds_code_fence(a: int):
    """Summary.

    ```
    Args:
        a: inside a fence
    ```
    """
@flow
def ds_raw(a: int):
    r"""Summary \d.

    Args:
        a: raw \n string
    """
@flow
def ds_single_quotes(a: int):
    '''Summary.

    Args:
        a: single quoted
    '''
@flow
def ds_one_line(a: int):
    """Just one line."""
@flow
def ds_description_kw(a: int):
    """Summary.

    Args:
        a: from the docstring
    """
@flow
def ds_lower(a: int):
    """Summary.

    args:
        a: lower case title
    """
@flow
def ds_extra_blank_below(a: int):
    """Summary.

    Args:

        a: blank below title
    """
@flow
def ds_deep_indent(a: int, b: int = 1):
    """Summary.

    Args:
        a: first
                deep continuation
        b: second
    """
