from prefect import flow


@flow
def fresh():
    pass
