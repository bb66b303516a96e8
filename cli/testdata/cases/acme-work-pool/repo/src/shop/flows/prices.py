from prefect import flow


@flow(name="load-prices")
def main(market: str = "EU"):
    """Loads prices."""


@flow(description="The daily report")
def report(rows: int = 10):
    pass
