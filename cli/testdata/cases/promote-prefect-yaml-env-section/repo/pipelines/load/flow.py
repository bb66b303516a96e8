from prefect import flow


@flow
def load():
    pass
