"""Connection defaults of the 1746 database dump, shared by its flow and tasks."""

from enum import Enum
from typing import Final

# Rows read per round trip.
BATCH_SIZE: Final = 50_000


class Source(Enum):
    """Where the dump reads from and writes to."""

    HOST = "10.70.1.34"
    PORT = "1433"
    DATASET = "brutos_1746"
    BIGLAKE = True
