"""Defaults Prefect evaluates: constants, expressions, enum members, class attributes, imports."""
import datetime as dt_mod
from datetime import date, datetime, timedelta
from enum import Enum

from prefect import flow

import shared.consts
from shared import consts
from shared.consts import BATCH, DEFAULT_REGION, PREFIX, RETRIES, TABLES, Env, Level, Settings
from shared.consts import DEFAULT_REGION as REGION

LOCAL = 7
LOCAL_STR = "local"
LOCAL_LIST = [LOCAL, LOCAL * 2]
LOCAL_DICT = {"a": LOCAL, "b": [LOCAL_STR]}
NEG = -LOCAL
HOURS = 24 * 60
RATIO = 1 / 4
FLOOR = 7 // 2
MOD = 7 % 3
POW = 2 ** 10
JOINED = LOCAL_STR + "_x"
REPEAT = "ab" * 3
TUP = (1, 2)
START = date(2024, 1, 2)
WHEN = datetime(2024, 1, 2, 3, 4, 5)
DELTA = timedelta(minutes=5)
ANNOTATED_CONST: int = 5
A, B = 1, 2
X = Y = "same"


class Mode(Enum):
    FAST = "fast"
    SLOW = "slow"


class Local:
    size = 10
    label = "L"


@flow
def d_const(x: int = LOCAL): pass
@flow
def d_const_str(x: str = LOCAL_STR): pass
@flow
def d_const_list(x: list = LOCAL_LIST): pass
@flow
def d_const_dict(x: dict = LOCAL_DICT): pass
@flow
def d_neg(x: int = NEG): pass
@flow
def d_mult(x: int = HOURS): pass
@flow
def d_inline_expr(x: int = 60 * 60 * 24): pass
@flow
def d_ratio(x: float = RATIO, y: int = FLOOR, z: int = MOD, w: int = POW): pass
@flow
def d_concat(x: str = JOINED, y: str = REPEAT): pass
@flow
def d_tuple(x: tuple = TUP): pass
@flow
def d_date_const(x: date = START): pass
@flow
def d_date_inline(x: date = date(2023, 12, 31)): pass
@flow
def d_datetime_inline(x: datetime = datetime(2024, 5, 6, 7, 8)): pass
@flow
def d_datetime_const(x: datetime = WHEN): pass
@flow
def d_timedelta(x: timedelta = DELTA, y: timedelta = timedelta(hours=1, seconds=30)): pass
@flow
def d_timedelta_days(x: timedelta = timedelta(days=2)): pass
@flow
def d_dt_module(x: dt_mod.date = dt_mod.date(2020, 2, 29)): pass
@flow
def d_annotated_const(x: int = ANNOTATED_CONST): pass
@flow
def d_tuple_unpack(x: int = A, y: int = B): pass
@flow
def d_chain(x: str = X, y: str = Y): pass
@flow
def d_enum_member(x: Mode = Mode.FAST): pass
@flow
def d_enum_value(x: str = Mode.SLOW.value): pass
@flow
def d_enum_name(x: str = Mode.SLOW.name): pass
@flow
def d_enum_untyped(x=Mode.FAST): pass
@flow
def d_class_attr(x: int = Local.size, y: str = Local.label): pass
@flow
def d_imported_const(x: str = DEFAULT_REGION, y: int = BATCH): pass
@flow
def d_imported_expr(x: int = RETRIES, y: str = PREFIX): pass
@flow
def d_imported_alias(x: str = REGION): pass
@flow
def d_imported_list(x: list[str] = TABLES): pass
@flow
def d_module_attr(x: str = consts.DEFAULT_REGION): pass
@flow
def d_dotted_module_attr(x: int = shared.consts.BATCH): pass
@flow
def d_imported_enum(x: Env = Env.PROD): pass
@flow
def d_imported_enum_value(x: str = Env.PROD.value): pass
@flow
def d_imported_intenum(x: Level = Level.HIGH): pass
@flow
def d_imported_class_attr(x: int = Settings.timeout, y: str = Settings.name): pass
@flow
def d_imported_class_list(x: list[int] = Settings.nested_list): pass
@flow
def d_expr_with_imported(x: int = BATCH * 2 + 1): pass
@flow
def d_fstring_free(x: str = "plain"): pass
@flow
def d_none_typed(x: str = None): pass
@flow
def d_bool_expr(x: bool = not True): pass
@flow
def d_paren(x: int = (LOCAL + 1) * 2): pass
@flow
def d_str_method(x: str = LOCAL_STR.upper()): pass
@flow
def d_list_concat(x: list = [1] + [2]): pass
@flow
def d_enum_list(x: list[Mode] = [Mode.FAST]): pass
@flow
def d_env_optional(x: Env | None = None): pass
@flow
def d_kwonly_const(*, x: int = LOCAL, y: str = DEFAULT_REGION): pass
