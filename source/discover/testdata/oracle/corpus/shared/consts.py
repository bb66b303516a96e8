"""Constants and enums shared by several flow files."""
from enum import Enum, IntEnum

DEFAULT_REGION = "eu-west-1"
BATCH = 100
RETRIES = BATCH // 10
TABLES = ["a", "b"]
PREFIX = "raw_" + DEFAULT_REGION


class Env(str, Enum):
    """Where a run happens."""

    DEV = "dev"
    PROD = "prod"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Settings:
    timeout = 30
    name = "svc"
    nested_list = [1, 2, 3]
