from prefect import flow


@flow(description="Builds the daily sales report", log_prints=True)
def daily_report(rows: int = 100, currency: str = "EUR"):
    print(f"report: {rows} rows in {currency}")
