import os

from prefect.deployments import Deployment

from flows import etl
from helpers import not_a_flow

ENV = os.environ["ENV"]

Deployment.build_from_flow(flow=etl, name=f"etl-{ENV}").apply()
Deployment.build_from_flow(flow=etl.with_options(retries=2), name="retrying").apply()
Deployment.build_from_flow(flow=not_a_flow, name="missing").apply()
Deployment.build_from_flow(flow=etl, name="fine", work_pool_name="golden-pool").apply()
Deployment.build_from_flow(flow=etl, name="fine", work_pool_name="golden-pool").apply()
Deployment.build_from_flow(flow=etl, name="stored", entrypoint="remote/flows.py:etl", work_pool_name="golden-pool").apply()
