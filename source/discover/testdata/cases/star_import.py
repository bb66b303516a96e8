from prefect import *
from prefect.logging import get_logger


@flow
def star():
    pass
