from prefect import flow


@flow
def collision_probe():
    pass
