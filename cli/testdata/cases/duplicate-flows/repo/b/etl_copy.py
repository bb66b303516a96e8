import prefect

@prefect.flow
def etl():
    pass
