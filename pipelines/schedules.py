"""Hourly: merge new loads into the state marts, rebuild today and yesterday."""

from datetime import timedelta

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from pipelines.jobs import range_tags, refresh_daily_facts, refresh_state

hourly_state = ScheduleDefinition(
    name="hourly_state",
    job=refresh_state,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)


@schedule(
    job=refresh_daily_facts,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def hourly_recent_days(context: ScheduleEvaluationContext) -> RunRequest:
    """One run over yesterday and today (UTC)."""
    today = context.scheduled_execution_time.date()
    yesterday = today - timedelta(days=1)
    return RunRequest(tags=range_tags(yesterday.isoformat(), today.isoformat()))
