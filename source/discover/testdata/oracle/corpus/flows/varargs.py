"""*args and **kwargs."""
from typing import Any

from prefect import flow


@flow
def v_args(*args): pass
@flow
def v_kwargs(**kwargs): pass
@flow
def v_both(a: int, *args, b: str = "b", **kwargs): pass
@flow
def v_typed_args(*values: int): pass
@flow
def v_typed_kwargs(**options: str): pass
@flow
def v_any_kwargs(x: int = 1, **extra: Any): pass
@flow
def v_args_then_kwonly(*items: str, flag: bool): pass
@flow
def v_documented(*args, **kwargs):
    """Doc.

    Args:
        *args: positional
        **kwargs: keyword
    """
@flow
def v_documented_plain(*args, **kwargs):
    """Doc.

    Args:
        args: positional
        kwargs: keyword
    """
@flow
async def v_async(*args: str, **kwargs: int): pass
