from datetime import timedelta

from prefect import flow


@flow(name="rj-cor: meteorologia", description="Captures weather-station readings.")
def capture_weather(
    dataset_id: str = "clima_meteorologia",
    table_id: str = "meteorologia_inmet",
    stations: list[str] = [],
    lookback_hours: float = 1.0,
    materialize: bool = False,
    timeout: timedelta = timedelta(minutes=5),
):
    """Not the description: the decorator's description= wins."""
    print(f"capturing {len(stations)} stations into {dataset_id}.{table_id}")
