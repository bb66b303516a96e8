import prefect
import prefect.flows


@prefect.flow
def plain():
    pass


@prefect.flow(name="named-one")
def called():
    pass


@prefect.flows.flow
def via_submodule():
    pass
