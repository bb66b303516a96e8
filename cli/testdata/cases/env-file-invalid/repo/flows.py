from prefect import flow

@flow
def etl():
    pass


@flow(name="load-data")
def load():
    pass
