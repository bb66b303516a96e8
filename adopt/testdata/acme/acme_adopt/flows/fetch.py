from prefect import flow


@flow(name="fetch_prices")
def fetch_prices(symbol: str = "AAPL", days: int = 5):
    """Fetch the symbol's prices."""
    print(symbol, days)


@flow(name="report_prices")
def report(days: int = 7):
    """Report on the prices."""
    print(days)
