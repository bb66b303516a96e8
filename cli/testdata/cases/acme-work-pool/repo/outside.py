from prefect import flow


@flow
def not_scanned():
    pass
