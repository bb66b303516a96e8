from prefect import flow


@flow
def tabs():
	"""Tabs
	inside	here
		deeper
	"""
