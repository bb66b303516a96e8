from prefect import flow
from prefect.deployments import Deployment
from prefect.server.schemas.schedules import RRuleSchedule


@flow(name="weekly-report")
def weekly_report(days: int = 7):
    """Write the weekly report."""
    print(days)


if __name__ == "__main__":
    Deployment.build_from_flow(
        flow=weekly_report,
        name="default",
        work_pool_name="adopt-pool",
        description="Every Monday, paused in the winter",
        schedule=RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO", timezone="UTC"),
        is_schedule_active=False,
        enforce_parameter_schema=False,
    ).apply()
