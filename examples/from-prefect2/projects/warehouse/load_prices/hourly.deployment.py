import sys
from datetime import timedelta

from prefect.deployments import Deployment
from prefect.server.schemas.schedules import IntervalSchedule

sys.path.append("../..")
from constants import HOURS, MARKETS  # noqa: E402
from flow import load_prices  # noqa: E402

Deployment.build_from_flow(
    flow=load_prices,
    name="hourly",
    work_pool_name="adopt-pool",
    parameters={"markets": MARKETS, "mode": "hourly"},
    schedule=IntervalSchedule(interval=timedelta(hours=HOURS), anchor_date="2026-01-01T00:10:00+00:00"),
    infra_overrides={"env.MODE": "hourly", "image": "ghcr.io/acme/warehouse:2.0"},
    apply=True,
)
