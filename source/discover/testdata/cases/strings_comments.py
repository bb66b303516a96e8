"""Module docstring that mentions a flow:

@flow
def in_module_docstring():
    pass
"""
from prefect import flow

# @flow
# def in_a_comment():
#     pass

TEMPLATE = '''
@flow
def in_single_quoted_triple():
    pass
'''

OTHER = """She said "@flow" and 'def x(): pass' \""" still inside
@flow
def after_escaped_triple_quote():
    pass
"""

RAW = r"\"@flow\ndef in_raw(): pass"
BYTES = Rb'@flow' + BR"def b(): pass" + rb'\'' + bR"\\"
PREFIXES = u"@flow" + rf"""{RAW}
@flow
def in_rf_string(): pass
""" + Fr'{RAW!r:>10}' + t"{TEMPLATE}"

name = "x"
NESTED = f"{name + "@flow"} and {f'{name:{"^"}10}'} {name:'>10}"
BRACES = f"{{not a field}} @flow {{ def in_braces(): }}"
CONTINUED = "first part \
@flow"
CALL = print(
    "@flow",  # @flow
    """
@flow
def in_call_argument():
    pass
""",
)


def helper():
    """@flow
def in_function_docstring():
    pass
    """


@flow
def real():
    """The only flow in this file; its docstring says @flow too."""
