"""Builtin and typing annotations, literal defaults."""
import datetime
import decimal
import pathlib
import typing
import uuid
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Literal, Mapping, Optional, Sequence, Set, Tuple, Union
from uuid import UUID

from prefect import flow


@flow
def b_str(x: str): pass
@flow
def b_int(x: int): pass
@flow
def b_float(x: float): pass
@flow
def b_bool(x: bool): pass
@flow
def b_bytes(x: bytes): pass
@flow
def b_none(x: None): pass
@flow
def b_any(x: Any): pass
@flow
def b_untyped(x, y=3): pass
@flow
def b_list(x: list): pass
@flow
def b_list_str(x: list[str]): pass
@flow
def b_List_int(x: List[int]): pass
@flow
def b_dict(x: dict): pass
@flow
def b_dict_str_int(x: dict[str, int]): pass
@flow
def b_Dict(x: Dict[str, List[float]]): pass
@flow
def b_Mapping(x: Mapping[str, str]): pass
@flow
def b_set(x: set[int]): pass
@flow
def b_frozenset(x: FrozenSet[str]): pass
@flow
def b_tuple(x: tuple[int, str]): pass
@flow
def b_tuple_var(x: Tuple[int, ...]): pass
@flow
def b_tuple_bare(x: tuple): pass
@flow
def b_sequence(x: Sequence[int]): pass
@flow
def b_optional(x: Optional[int] = None): pass
@flow
def b_union(x: Union[int, str]): pass
@flow
def b_pipe(x: int | None = None): pass
@flow
def b_pipe3(x: int | str | None = None): pass
@flow
def b_literal(x: Literal["a", "b"] = "a"): pass
@flow
def b_literal1(x: Literal["only"]): pass
@flow
def b_literal_int(x: Literal[1, 2, 3] = 2): pass
@flow
def b_literal_mixed(x: Literal[1, "a"]): pass
@flow
def b_datetime(x: datetime.datetime): pass
@flow
def b_date(x: date = date(2024, 1, 2)): pass
@flow
def b_time(x: time): pass
@flow
def b_timedelta(x: timedelta = timedelta(seconds=5)): pass
@flow
def b_uuid(x: UUID): pass
@flow
def b_uuid_mod(x: uuid.UUID): pass
@flow
def b_path(x: Path = Path("/tmp")): pass
@flow
def b_pathlib(x: pathlib.Path): pass
@flow
def b_decimal(x: decimal.Decimal): pass
@flow
def b_typing_mod(x: typing.List[str], y: typing.Optional[str] = None): pass
@flow
def b_defaults(a: int = 1, b: float = -0.5, c: str = "s", d: bool = True, e: list = [1, 2], f: dict = {"k": [1]}, g=None, h: tuple = (1, "a")): pass
@flow
def b_big_int(x: int = 12345678901234567890): pass
@flow
def b_str_implicit_concat(x: str = "a" "b"): pass
@flow
def b_forward_ref(x: "int", y: "Optional[str]" = None): pass
@flow
def b_nested_opt(x: Optional[list[Optional[int]]] = None): pass
@flow
def b_union_none_first(x: Union[None, int] = None): pass
@flow
async def b_async(x: int, y: str = "a"): pass
@flow
def b_kwonly(a: int, *, b: str, c: int = 2): pass
@flow
def b_posonly(a: int, /, b: str = "x"): pass
@flow
def b_no_params(): pass
@flow
def b_dict_any(x: Dict[str, Any] = {}): pass
@flow
def b_float_int_default(x: float = 1): pass
@flow
def b_set_default(x: set[str] = {"a"}): pass
@flow
def b_union_dups(x: Union[int, int, str]): pass
@flow
def b_opt_union(x: Optional[Union[int, str]] = None): pass
@flow
def b_list_of_dict(x: list[dict[str, int]]): pass
@flow
def b_bytes_default(x: bytes = b"ab"): pass
@flow
def b_sci(x: float = 1e3, y: int = 0x10, z: int = 1_000): pass
