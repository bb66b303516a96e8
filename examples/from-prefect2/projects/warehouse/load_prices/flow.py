from prefect import flow


@flow(name="load-prices")
def load_prices(markets: list = ["EU"], mode: str = "daily") -> None:
    """Load the prices of the markets into the warehouse."""
    print(markets, mode)
