from prefect import flow

@flow(name="etl")
def run():
    pass
