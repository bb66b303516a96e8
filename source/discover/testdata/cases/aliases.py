from prefect import flow as f
import prefect as pf
from prefect import task, flow
from prefect import (
    get_run_logger,
    flow as fl,  # an alias inside a parenthesised list
)
from prefect.flows import flow as ff
import prefect.flows as pflows


@f
def alias_from():
    pass


@pf.flow
def alias_module():
    pass


@flow
def from_list():
    pass


@fl(name="paren")
def from_parens():
    pass


@ff
def from_flows_module():
    pass


@pflows.flow()
def alias_flows_module():
    pass


@task
def not_a_flow():
    pass
