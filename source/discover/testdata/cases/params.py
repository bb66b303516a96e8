import datetime
from typing import Literal, Optional

from prefect import flow


@flow
def every_kind(
    source: str,  # a comment inside the signature
    /,
    count: int = 3,
    *args: int,
    mode: Literal["full", "delta"] = "full",
    since: Optional[datetime.date] = None,
    limits: dict[str, int] = {"a": 1, "b": -2},
    tags: list[str] = ["x", "y"],
    ratio: float = 1e-3,
    computed=datetime.date.today(),
    **kwargs,
) -> None:
    """Load things.

    Args:
        source: Where to read from.
        count (int): How many
            items to load.
        mode: Load mode.
        *args: Starred names document nothing, as in Prefect.

    Returns:
        Nothing.
    """


@flow
def keyword_only(*, a, b: "int" = 0x1F, c: bool = True):
    pass


@flow
def type_params[T](item: T, items: list[T] | None = None) -> T:
    return item


@flow
def annotated_multiline(
    value: dict[
        str,  # keys
        list[int],
    ] = {},
):
    pass
