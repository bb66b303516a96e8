from prefect import flow


@flow(name="sales-report")
def report(region: str = "EU", top: int = 10):
    """Summarise sales."""
