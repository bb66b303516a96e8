import functools

from prefect import flow


def traced(fn):
    return fn


@traced
@flow
def outer_decorated():
    pass


@flow(name="inner-decorated")
@functools.lru_cache(maxsize=None)
def inner_decorated():
    pass


@traced

# a comment between decorators

@flow
@traced
def between():
    pass
