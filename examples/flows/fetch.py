"""An async flow: fetches (simulated) pages concurrently."""

import asyncio

from prefect import flow, task


@task
async def fetch_page(n: int) -> int:
    await asyncio.sleep(0.01)
    return n * n


@flow
async def fetch_pages(pages: int = 3) -> int:
    """Fetch a few pages at once and add up their sizes."""
    sizes = await asyncio.gather(*(fetch_page(i) for i in range(pages)))
    return sum(sizes)
