"""What Discover cannot compute without importing: a looser schema and a warning."""
import os

from pydantic import SecretStr

from prefect import flow


@flow
def fb_external_type(token: SecretStr, n: int = 1): pass
@flow
def fb_call_default(workdir: str = os.getcwd(), n: int = 2): pass
