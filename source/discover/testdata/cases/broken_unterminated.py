from prefect import flow


@flow
def fine():
    pass


MESSAGE = """this string never ends

@flow
def hidden():
    pass
