from prefect import flow


@flow
def etl(rows: int = 10):
    print(rows)
