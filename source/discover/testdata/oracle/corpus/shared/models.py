"""Classes used as flow parameter types."""
import dataclasses
import datetime
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple, Optional

from typing_extensions import TypedDict

from pydantic import BaseModel, Field

from shared.consts import Env


class Color(Enum):
    RED = "red"
    GREEN = "green"


class Size(Enum):
    """T-shirt sizes."""

    S = 1
    M = 2


class Point(BaseModel):
    x: int
    y: int = 0


class Window(BaseModel):
    """A time window.

    Both ends inclusive.
    """

    start: datetime.date
    end: Optional[datetime.date] = None
    label: str = Field(default="w", description="Shown in the UI")
    tags: list[str] = Field(default_factory=list)
    env: Env = Env.DEV


class Job(BaseModel):
    name: str
    window: Window
    points: list[Point] = []
    color: Optional[Color] = None


@dataclass
class Target:
    table: str
    schema_name: str = "public"
    columns: list[str] = field(default_factory=list)


@dataclasses.dataclass
class Pair:
    """Two numbers."""

    a: int
    b: float = 1.5


class Options(TypedDict):
    verbose: bool
    level: int


class PartialOptions(TypedDict, total=False):
    verbose: bool


class Coord(NamedTuple):
    lat: float
    lon: float = 0.0
