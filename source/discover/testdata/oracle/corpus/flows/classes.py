"""Enum, BaseModel, dataclass, TypedDict and NamedTuple parameters."""
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Dict, List, NamedTuple, Optional

from typing_extensions import TypedDict

import pydantic
from pydantic import BaseModel, Field

from prefect import flow

from shared.consts import Env, Level
from shared.models import Color, Coord, Job, Options, Pair, PartialOptions, Point, Size, Target, Window
from shared import models


class Fruit(str, Enum):
    APPLE = "apple"
    PEAR = "pear"


class Num(IntEnum):
    ONE = 1
    TWO = 2


class Mixed(Enum):
    A = 1
    B = "b"


class Floaty(Enum):
    HALF = 0.5
    ONE = 1.0


class Config(BaseModel):
    """Run configuration."""

    name: str
    retries: int = 3
    ratio: float = 0.5
    enabled: bool = True
    fruit: Fruit = Fruit.APPLE


class Inner(BaseModel):
    value: int


class Outer(BaseModel):
    inner: Inner
    inners: List[Inner] = []
    by_key: Dict[str, Inner] = {}
    maybe: Optional[Inner] = None


class Described(pydantic.BaseModel):
    field_a: str = Field(..., description="First")
    field_b: int = Field(5, ge=0, le=10)
    camelCase: str = "c"
    with_title: str = Field("t", title="Custom")


class Strict(BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    x: int


class Child(Config):
    extra_field: str = "e"


@dataclass
class LocalDC:
    n: int
    s: str = "s"


class LocalTD(TypedDict):
    a: int
    b: List[str]


class LocalNT(NamedTuple):
    a: int
    b: str = "x"


class Plain:
    def __init__(self, v):
        self.v = v


@flow
def c_enum_str(x: Fruit): pass
@flow
def c_enum_str_default(x: Fruit = Fruit.PEAR): pass
@flow
def c_intenum(x: Num = Num.TWO): pass
@flow
def c_mixed_enum(x: Mixed): pass
@flow
def c_float_enum(x: Floaty = Floaty.HALF): pass
@flow
def c_imported_enum(x: Color): pass
@flow
def c_imported_enum_doc(x: Size = Size.M): pass
@flow
def c_str_enum_imported(x: Env = Env.DEV, y: Level = Level.LOW): pass
@flow
def c_optional_enum(x: Optional[Fruit] = None): pass
@flow
def c_list_enum(x: List[Fruit] = [Fruit.APPLE]): pass
@flow
def c_model(x: Config): pass
@flow
def c_model_default(x: Config = Config(name="n")): pass
@flow
def c_model_nested(x: Outer): pass
@flow
def c_model_described(x: Described): pass
@flow
def c_model_strict(x: Strict): pass
@flow
def c_model_inherit(x: Child): pass
@flow
def c_model_optional(x: Optional[Config] = None): pass
@flow
def c_model_list(x: list[Inner]): pass
@flow
def c_model_imported(x: Point): pass
@flow
def c_model_imported_nested(x: Job): pass
@flow
def c_model_window(w: Window): pass
@flow
def c_model_module_attr(p: models.Point): pass
@flow
def c_two_models(a: Config, b: Inner, c: Fruit = Fruit.APPLE): pass
@flow
def c_dataclass(x: LocalDC): pass
@flow
def c_dataclass_imported(x: Target): pass
@flow
def c_dataclass_doc(x: Pair): pass
@flow
def c_typeddict(x: LocalTD): pass
@flow
def c_typeddict_imported(x: Options): pass
@flow
def c_typeddict_partial(x: PartialOptions): pass
@flow
def c_namedtuple(x: LocalNT): pass
@flow
def c_namedtuple_imported(x: Coord): pass
@flow
def c_plain_class(x: Plain): pass
@flow
def c_plain_class_optional(x: Optional[Plain] = None): pass
@flow
def c_union_models(x: Config | Inner): pass
@flow
def c_dict_of_enum(x: dict[str, Fruit]): pass
@flow
def c_model_point_default(p: Point = Point(x=1)): pass
@flow
def c_dataclass_default(t: Target = Target(table="t")): pass
@flow
def c_enum_and_model_same_def(a: Fruit, b: Config): pass
@flow
def c_forward_model(x: "Config"): pass


class Settings(Enum):
    """Settings kept as enum members, some of them aliases."""

    STRATEGY_FALLBACK = "fallback"
    DEFAULT_STRATEGY = "fallback"
    ENABLED = True
    ALSO_ENABLED = True
    TYPES = ["a", "b"]
    RADIUS = 500


@flow
def c_enum_alias_value(s: str = Settings.DEFAULT_STRATEGY.value, r: int = Settings.RADIUS.value, t: list = Settings.TYPES.value): pass
@flow
def c_enum_alias_member(s: Settings = Settings.DEFAULT_STRATEGY): pass
