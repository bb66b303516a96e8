"""ETL flows of the fixture project adopt reads back from the server."""

from prefect import flow


@flow(name="adopt-etl")
def etl(rows: int = 10, market: str = "EU", dry: bool = False) -> None:
    """Load the day's prices."""
    print(rows, market, dry)


@flow
def adopt_report(days: int = 7):
    """Weekly report."""
    print(days)
