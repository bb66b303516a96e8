from prefect import flow


@flow(name="load-prices")
def main(market: str = "EU"):
    """Loads prices."""
