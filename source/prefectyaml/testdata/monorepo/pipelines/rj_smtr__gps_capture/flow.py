from typing import Any

from prefect import flow


def helper(x):
    return x


@flow
def gps_capture(source: str, interval_minutes: int = 5, options: dict[str, Any] = {}, dry_run: bool = False):
    print(f"capturing {source} every {interval_minutes} minutes")
