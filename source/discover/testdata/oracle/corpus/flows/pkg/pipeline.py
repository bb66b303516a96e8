"""Names imported with relative imports from the same package."""
from prefect import flow

from . import constants
from .constants import NAMES, THRESHOLD, Stage
from .models import Rule


@flow
def rel_const(x: float = THRESHOLD, names: tuple = NAMES): pass
@flow
def rel_enum(stage: Stage = Stage.CLEAN): pass
@flow
def rel_model(rule: Rule): pass
@flow
def rel_module_attr(x: float = constants.THRESHOLD): pass
