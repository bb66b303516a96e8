import os

from prefect import flow


@flow(name="load-prices", log_prints=True)
def main(market: str = "EU", days: int = 1):
    """Loads the day's prices for one market."""
    print(f"{os.environ.get('DEPLOYMENT_NAME')}: loading {days} day(s) of {market} prices")
