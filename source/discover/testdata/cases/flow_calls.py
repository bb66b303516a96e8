from prefect import flow


def etl(source: str):
    """Run the ETL."""


@flow
def report(day: str = "today"):
    pass


etl_flow = flow(etl)
etl_named = flow(name="etl-named")(etl)
report_weekly = report.with_options(name="report-weekly")
not_a_flow = flow(undefined_function)
other = report.with_options(name=NAME)
report_quick = report.with_options(retries=0)
