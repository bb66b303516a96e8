from prefect import flow


@flow
def rj_gamma__broken():
    """Never deploys: its prefect.yaml has problems."""
