"""Signatures in the style of data-platform monorepos."""
from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field

from prefect import flow

from shared.consts import BATCH, Env
from shared.models import Color, Point

DEFAULT_TABLES = ["orders", "customers"]
DEFAULT_MODE = "incremental"
MAX_WORKERS = 4


class LoadMode(str, Enum):
    FULL = "full"
    INCREMENTAL = "incremental"


class Source(BaseModel):
    """Where data comes from."""

    name: str = Field(..., description="Source system")
    tables: List[str] = Field(default_factory=lambda: ["t"])
    mode: LoadMode = LoadMode.INCREMENTAL
    env: Env = Field(default=Env.DEV, description="Environment")
    options: Optional[Dict[str, Any]] = None
    points: Optional[List[Point]] = None


class Target(BaseModel):
    dataset: str
    partition_by: Optional[str] = None
    color: Color = Color.RED


@flow(name="ingest-orders", log_prints=True)
def rl_ingest(
    tables: list[str] = DEFAULT_TABLES,
    mode: Literal["full", "incremental"] = DEFAULT_MODE,
    start_date: Optional[str] = None,
    run_date: dt.date | None = None,
    batch_size: int = BATCH * 10,
    max_workers: int = MAX_WORKERS,
    dry_run: bool = False,
):
    """Ingest orders.

    Args:
        tables: Tables to load.
        mode: Full or incremental load.
        start_date: First day (YYYY-MM-DD); None means yesterday.
        run_date: The logical date of the run.
        batch_size: Rows per batch.
        max_workers: Parallel workers.
        dry_run: Only print what would be loaded.
    """


@flow
def rl_models(source: Source, target: Target, load_mode: LoadMode = LoadMode.FULL): pass


@flow
async def rl_dbt(command: str = "build", select: Optional[List[str]] = None, full_refresh: bool = False, vars: Dict[str, Any] = {}):
    """Run dbt.

    Args:
        command: dbt command to run
            (build, run, test).
        select: Models to select.
    """


@flow
def rl_env(env: Env = Env.PROD, color: Optional[Color] = Color.GREEN): pass


@flow
def rl_string_annotations(x: "list[int]" = [1], y: "Optional[dt.datetime]" = None): pass
