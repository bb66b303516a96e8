from prefect import flow


@flow
def scratch():
    pass
