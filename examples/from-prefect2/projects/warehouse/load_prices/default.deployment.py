from prefect.deployments import Deployment
from prefect.filesystems import Azure
from prefect.infrastructure import KubernetesJob
from prefect.server.schemas.schedules import CronSchedule

from flow import load_prices

storage = Azure.load("flows-storage")
k8s_job = KubernetesJob(
    image="ghcr.io/acme/warehouse:2.0",
    namespace="prefect",
    env={"LOG_LEVEL": "INFO"},
)

deployment = Deployment.build_from_flow(
    flow=load_prices,
    name="default",
    version="2",
    work_queue_name="kubernetes",
    work_pool_name="adopt-pool",
    tags=["warehouse", "prices"],
    parameters={"markets": ["EU"]},
    schedule=CronSchedule(cron="0 5 * * *", timezone="Europe/Oslo"),
    infrastructure=k8s_job,
    storage=storage,
    path="warehouse/load_prices",
)

if __name__ == "__main__":
    deployment.apply()
