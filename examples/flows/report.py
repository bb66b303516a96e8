"""A flow that labels what it writes with the deployment it ran from."""

import os

import prefect
from prefect import get_run_logger

# Changed by every release of this example; the end-to-end tests use it to see which commit ran.
CODE_MARK = "initial"


@prefect.flow(description="Write a small report labelled with DEPLOYMENT_NAME.")
def write_report(rows: int = 2) -> dict:
    logger = get_run_logger()
    deployment = os.environ.get("DEPLOYMENT_NAME", "<not deployed>")
    report = {
        "deployment": deployment,
        "code_mark": CODE_MARK,
        "environment": os.environ.get("APP_ENV", ""),
        "rows": [f"row {i}" for i in range(rows)],
    }
    logger.info("DEPLOYMENT_NAME=%s", deployment)
    logger.info("CODE_MARK=%s", CODE_MARK)
    logger.info("APP_ENV=%s", report["environment"])
    return report
