"""Every 15 minutes: is any mart behind the loads (pipelines/assets/behind_raw.py)?"""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from pipelines.jobs import check_behind_raw

behind_raw_checks = ScheduleDefinition(
    name="behind_raw_checks",
    job=check_behind_raw,
    cron_schedule="*/15 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
