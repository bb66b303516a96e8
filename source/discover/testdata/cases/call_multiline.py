from prefect import flow


@flow(
    # the name used for deployments
    name="Load Prices",  # trailing comment
    retries=2,
    description=(
        "Loads prices "  # implicit concatenation
        'from the vendor.'
    ),
    log_prints=True,
)
def load_prices(day: str):
    """This docstring loses to description=."""
