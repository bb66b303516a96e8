"""Dumps tables of the 1746 call-centre database into the data lake."""

from typing import Literal, Optional

from prefect import flow

# Imported by its path from the repository root, as the deploy script runs
# prefect deploy from there.
from pipelines.rj_segovi__dump_db.constants import BATCH_SIZE, Source


@flow(log_prints=True)
def rj_segovi__dump_db(
    db_database: str,
    table_id: str,
    dataset_id: str = Source.DATASET.value,
    db_host: str = Source.HOST.value,
    db_port: str = Source.PORT.value,
    batch_size: int = BATCH_SIZE,
    biglake_table: bool = Source.BIGLAKE.value,
    dump_mode: Literal["append", "overwrite"] = "append",
    partition_columns: Optional[str] = None,
    execute_query: Optional[str] = None,
):
    """Dump one table of the 1746 database.

    Args:
        db_database: Database to read.
        table_id: Destination table.
        dump_mode: Append to or overwrite the destination table.
    """
    print(f"dumping {db_database}.{table_id} into {dataset_id} ({dump_mode}, {batch_size} rows per batch)")
