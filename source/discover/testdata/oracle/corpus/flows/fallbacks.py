"""What Discover cannot compute without importing: a looser schema and a warning."""
import os

from prefect import flow
from prefect.blocks.system import Secret


@flow
def fb_external_type(token: Secret, n: int = 1): pass
@flow
def fb_call_default(workdir: str = os.getcwd(), n: int = 2): pass
