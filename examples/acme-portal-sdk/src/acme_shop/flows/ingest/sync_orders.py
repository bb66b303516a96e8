from prefect import flow


@flow(log_prints=True)
def sync_orders(full: bool = False, batch_size: int = 500):
    """Copies new orders from the shop database."""
    print(f"syncing orders (full={full}, batch_size={batch_size})")
