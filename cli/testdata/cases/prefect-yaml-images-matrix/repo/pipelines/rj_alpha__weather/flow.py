from prefect import flow

STATIONS = ["A601", "A652"]
DEFAULT_DAYS = 3


@flow(log_prints=True)
def rj_alpha__weather(stations: list = STATIONS, days: int = DEFAULT_DAYS, dataset_id: str = "weather"):
    """Load weather station readings."""
