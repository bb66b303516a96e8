from enum import Enum

THRESHOLD = 0.75
NAMES = ("a", "b")


class Stage(Enum):
    RAW = "raw"
    CLEAN = "clean"
