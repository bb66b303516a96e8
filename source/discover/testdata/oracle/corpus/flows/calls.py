"""Flows made by calling flow() or with_options() instead of decorating."""
import prefect
from prefect import flow


def load(table: str, limit: int = 10):
    """Load a table.

    Args:
        table: The table.
    """


async def sync_all(full: bool = False): pass


@flow
def base(x: int = 1, y: str = "y"): pass


load_flow = flow(load)
named_load = flow(name="load-named", retries=2)(load)
async_flow = prefect.flow(sync_all, name="sync-all")
base_nightly = base.with_options(name="base-nightly")
