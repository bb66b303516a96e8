import asyncio

from prefect import flow


@flow
async def fetch(url: str) -> bytes:
    """Fetch a URL."""
    await asyncio.sleep(0)


@flow(name="async-called")
async def fetch_many(
    urls: list[str],
):
    pass
