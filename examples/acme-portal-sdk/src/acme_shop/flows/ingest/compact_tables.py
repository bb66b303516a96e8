from prefect import flow


@flow(name="compact_tables")
def compact(tables: list[str] | None = None):
    """Compacts the order tables."""
    for table in tables or ["orders"]:
        print(f"compacting {table}")
