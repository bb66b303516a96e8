from prefect import flow

NAME = "café"

@flow
def latin1():
    pass
