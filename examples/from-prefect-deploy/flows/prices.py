"""Flows of a project that deploys with Prefect's own `prefect deploy --all` (see prefect.yaml)."""

from prefect import flow


@flow(name="prices")
def load_prices(rows: int = 10, market: str = "EU", dry: bool = False) -> None:
    """Load the day's prices."""
    print(f"loading {rows} rows of {market} prices (dry run: {dry})")


@flow
def weekly_report(days: int = 7) -> None:
    """Weekly report."""
    print(f"reporting the last {days} days")
