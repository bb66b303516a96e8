"""Annotated with pydantic Field and annotated-types constraints; Field defaults."""
from typing import Annotated, List, Optional

import annotated_types
import pydantic
from annotated_types import Ge, Gt, Interval, Le, Len, Lt, MaxLen, MinLen, MultipleOf
from pydantic import Field, conint, constr, PositiveInt, NonNegativeInt, PositiveFloat, StrictStr

from prefect import flow

LIMIT = 10


@flow
def a_field_ge_le(x: Annotated[int, Field(ge=1, le=10)] = 3): pass
@flow
def a_field_gt_lt(x: Annotated[float, Field(gt=0, lt=1)]): pass
@flow
def a_field_desc(x: Annotated[str, Field(description="the x")]): pass
@flow
def a_field_title(x: Annotated[str, Field(title="Nice")] = "a"): pass
@flow
def a_field_len(x: Annotated[str, Field(min_length=1, max_length=5)]): pass
@flow
def a_field_pattern(x: Annotated[str, Field(pattern=r"^a+$")]): pass
@flow
def a_field_list_len(x: Annotated[list[int], Field(min_length=1)]): pass
@flow
def a_field_multiple(x: Annotated[int, Field(multiple_of=5)]): pass
@flow
def a_field_examples(x: Annotated[int, Field(examples=[1, 2])]): pass
@flow
def a_field_default_inside(x: Annotated[int, Field(default=4)]): pass
@flow
def a_at_ge(x: Annotated[int, Ge(0)]): pass
@flow
def a_at_gt_lt(x: Annotated[int, Gt(0), Lt(100)]): pass
@flow
def a_at_le(x: Annotated[float, Le(1.5)]): pass
@flow
def a_at_interval(x: Annotated[int, Interval(ge=1, lt=9)]): pass
@flow
def a_at_len(x: Annotated[str, Len(2, 4)]): pass
@flow
def a_at_minmaxlen(x: Annotated[list[str], MinLen(1), MaxLen(3)]): pass
@flow
def a_at_multiple(x: Annotated[int, MultipleOf(3)]): pass
@flow
def a_at_module(x: Annotated[int, annotated_types.Ge(2)]): pass
@flow
def a_pydantic_module_field(x: Annotated[int, pydantic.Field(le=LIMIT)]): pass
@flow
def a_optional_annotated(x: Optional[Annotated[int, Field(ge=0)]] = None): pass
@flow
def a_annotated_optional(x: Annotated[Optional[int], Field(ge=0)] = None): pass
@flow
def a_annotated_str_meta(x: Annotated[int, "just a note"]): pass
@flow
def a_list_of_annotated(x: List[Annotated[int, Field(gt=0)]]): pass
@flow
def a_default_field(x: int = Field(default=5, description="five")): pass
@flow
def a_default_field_positional(x: str = Field("p")): pass
@flow
def a_default_field_required(x: int = Field(..., description="needed")): pass
@flow
def a_default_field_factory(x: list[str] = Field(default_factory=list)): pass
@flow
def a_default_field_constraints(x: int = Field(3, ge=1, le=5)): pass
@flow
def a_default_field_title(x: int = Field(1, title="Shown")): pass
@flow
def a_default_field_extra(x: int = Field(1, json_schema_extra={"ui": "slider"})): pass
@flow
def a_conint(x: conint(ge=1, le=3) = 2): pass
@flow
def a_constr(x: constr(min_length=2)): pass
@flow
def a_positive(x: PositiveInt, y: NonNegativeInt = 0, z: PositiveFloat = 1.0): pass
@flow
def a_strict(x: StrictStr): pass
@flow
def a_field_docstring_both(x: Annotated[int, Field(description="from field")], y: int = 1):
    """Doc.

    Args:
        x: from docstring
        y: why
    """
@flow
def a_default_field_desc_and_doc(x: int = Field(2, description="field wins")):
    """Doc.

    Args:
        x: docstring loses
    """
