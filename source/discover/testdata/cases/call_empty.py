from prefect import flow


@flow()
def hello_again():
    pass
