"""Flows defined under module-level if/try/with blocks."""
import contextlib
import os
import sys

from prefect import flow

FEATURE = True

if FEATURE:
    @flow
    def blk_if(x: int = 1): pass

if os.environ.get("ORACLE_NEVER_SET"):
    pass
else:
    @flow
    def blk_else(x: str = "e"): pass

if sys.version_info >= (3, 8):
    @flow
    def blk_version(x: float = 0.5): pass

try:
    @flow
    def blk_try(x: list[int] = [1]): pass
except ImportError:
    pass

try:
    import json
except ImportError:  # pragma: no cover
    json = None
else:
    @flow
    def blk_try_else(x: dict = {}): pass
finally:
    @flow
    def blk_finally(x: bool = False): pass

with contextlib.suppress(Exception):
    @flow
    def blk_with(x: int): pass

if FEATURE:
    if True:
        @flow(name="nested-if")
        def blk_nested(x: int = 2): pass

if __name__ == "__main__":
    @flow
    def blk_main_only(x: int): pass

    blk_main_only(1)
