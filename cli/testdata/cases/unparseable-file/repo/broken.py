from prefect import flow

@flow(name="half-written"
def half():
    return """never closed
