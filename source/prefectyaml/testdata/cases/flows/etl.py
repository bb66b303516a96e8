"""Flows the golden cases deploy."""

from typing import Optional

from prefect import flow


@flow
def etl(greeting: str = "hi", run: Optional[str] = None, region: str = "eu", retries: int = 3):
    """Extract, transform, load.

    Args:
        greeting: What to say first.
    """


@flow(name="nightly-report")
def report(day: str):
    """Writes the nightly report."""


def not_a_flow():
    pass


FLOW_NAME = "named-at-runtime"


@flow(name=FLOW_NAME)
def dynamic():
    """The name is a variable, which only Python knows."""
