"""Flows that are methods of module-level classes."""
from prefect import flow


class Pipelines:
    @classmethod
    @flow
    def from_class(cls, x: int, y: str = "y"): pass

    @staticmethod
    @flow(name="static-flow")
    def static(x: float = 1.5): pass

    @flow
    def instance(self, x: int): pass


class Other:
    label = "o"

    @staticmethod
    @flow
    def uses_attr(x: str = "literal"): pass
