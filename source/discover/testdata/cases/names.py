from prefect import flow


@flow(name="My Flow-1 (v2)")
def standardised():
    pass


@flow(name="already_fine")
def declared():
    pass


@flow
def __dunder_function__():
    pass


@flow
def déjà_vu():
    pass


@flow
def 流程():
    pass
