from prefect import flow


@flow
def etl(rows: int = 10):
    """Load the rows."""
    print(rows)
