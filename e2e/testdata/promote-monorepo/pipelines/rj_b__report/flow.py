from prefect import flow


@flow
def report(day: str = "today"):
    print(f"report for {day}")
