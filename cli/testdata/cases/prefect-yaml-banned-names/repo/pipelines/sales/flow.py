from prefect import flow


@flow(name="sales<report>")
def report():
    pass


@flow
def ingest():
    pass
