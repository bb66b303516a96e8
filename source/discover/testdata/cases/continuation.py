from prefect import \
    flow


@flow(name="continued", \
      retries=1)
def continued(a, \
              b=2):
    pass
