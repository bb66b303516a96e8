from prefect import flow

VALUES = [1, 2)
