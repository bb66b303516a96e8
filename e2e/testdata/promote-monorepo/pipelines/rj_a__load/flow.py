from prefect import flow


@flow(name="rj_a__load")
def load(rows: int = 10, dry_run: bool = False):
    """Loads table A."""
    print(f"rows={rows} dry_run={dry_run}")
