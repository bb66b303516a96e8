"""Import aliases."""
import datetime as d
import typing as t
from datetime import date as Day
from datetime import datetime as dt
from typing import List as L, Optional as Opt

import prefect as pf
import pydantic as pd
from prefect import flow as prefect_flow

from shared.models import Point as P
from shared.consts import Env as Environment


@pf.flow
def al_dt(x: dt): pass
@pf.flow()
def al_day(x: Day = Day(2024, 3, 4)): pass
@prefect_flow
def al_module(x: d.datetime, y: d.timedelta = d.timedelta(seconds=3)): pass
@prefect_flow(name="aliased-typing")
def al_typing(x: t.List[int], y: t.Optional[str] = None): pass
@prefect_flow
def al_short(x: L[str], y: Opt[int] = None): pass
@prefect_flow
def al_model(x: P): pass
@prefect_flow
def al_enum(x: Environment = Environment.PROD): pass
@prefect_flow
def al_pydantic(x: t.Annotated[int, pd.Field(ge=2)]): pass
