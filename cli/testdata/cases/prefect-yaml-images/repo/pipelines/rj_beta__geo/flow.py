from prefect import flow


@flow
def rj_beta__geo(provider: str = "nominatim", batch_size: int = 100):
    """Geocode addresses with one provider."""
