from prefect import flow


@flow
def hello():
    print("hello")
