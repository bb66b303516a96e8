from prefect import flow


@flow
def orders():
    """Load the orders."""
