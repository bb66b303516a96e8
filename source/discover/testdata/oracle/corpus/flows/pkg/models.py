from pydantic import BaseModel

from .constants import Stage, THRESHOLD


class Rule(BaseModel):
    stage: Stage = Stage.RAW
    threshold: float = THRESHOLD
