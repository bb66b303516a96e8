from prefect import task


@task
def extract():
    pass


@task(retries=3)
async def load():
    pass
