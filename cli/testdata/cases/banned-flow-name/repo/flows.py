from prefect import flow


@flow(name="etl/daily")
def etl():
    pass


@flow(name="load-prices")
def load():
    pass
