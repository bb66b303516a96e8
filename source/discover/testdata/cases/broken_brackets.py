from prefect import flow


@flow(name="x"
def unclosed():
    pass
