"""Dumps tables of the 1746 call-centre database into the data lake."""

from typing import Literal, Optional

from prefect import flow


@flow(log_prints=True)
def rj_segovi__dump_db(
    db_database: str,
    table_id: str,
    dataset_id: str = "brutos_1746",
    db_host: str = "10.70.1.34",
    db_port: str = "1433",
    batch_size: int = 50000,
    biglake_table: bool = True,
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
