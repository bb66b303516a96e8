from prefect import flow


@flow(name="rj_c__writer")
def writer():
    print("writes test data")
