from prefect import flow
import prefect

prefect_flow = prefect.flow


@prefect_flow
def via_assignment():
    pass


@flow
def before_rebinding():
    pass


def flow(fn):
    return fn


@flow
def after_def_rebinding():
    pass


from prefect import flow


@flow
def after_reimport():
    pass


flow = print


@flow
def after_assignment():
    pass


try:
    from prefect import flow
except ImportError:
    flow = None


@flow
def imported_in_try():
    pass


def local_import():
    from metaflow import flow  # does not hide the module's prefect flow

    return flow


@flow
def after_function_local_import():
    pass
