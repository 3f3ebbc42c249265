"""The Dagster definitions load, and their automation asks for the right runs."""

from datetime import UTC, datetime

from dagster import (
    AssetKey,
    Definitions,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from pipelines.definitions import defs
from pipelines.jobs import PARTITION_RANGE_END, PARTITION_RANGE_START
from pipelines.resources import Warehouse
from pipelines.schedules import hourly_recent_days
from pipelines.sensors import late_data_sensor
from tests.pipelines.conftest import ev


def test_the_definitions_load_with_groups_jobs_schedules_sensors_and_checks():
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"raw", "accounts", "purchases", "conversations", "daily_facts"}
    assert {schedule.name for schedule in defs.schedules} == {"hourly_state", "hourly_recent_days"}
    assert [sensor.name for sensor in defs.sensors] == ["late_data_sensor"]
    check_keys = graph.asset_check_keys
    assert {key.name for key in check_keys} >= {
        "orders_counted_once",
        "orders_with_unknown_value",
        "last_load_quarantine_share",
        "reflects_all_loads",
        "no_stale_days",
    }
    assert graph.get(AssetKey("popup_days")).partitions_def is not None


def test_the_hourly_schedule_rebuilds_yesterday_and_today_in_one_run():
    context = build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 2, 5, 5, tzinfo=UTC)
    )
    request = hourly_recent_days(context)
    assert isinstance(request, RunRequest)
    assert request.tags[PARTITION_RANGE_START] == "2026-03-01"
    assert request.tags[PARTITION_RANGE_END] == "2026-03-02"


def test_the_sensor_asks_for_older_days_that_received_late_records(pipeline):
    resources = {"warehouse": Warehouse(database_url=pipeline.url)}
    with build_sensor_context(resources=resources) as context:
        assert isinstance(late_data_sensor(context), SkipReason)
    pipeline.load("events", [ev("popup_displayed", "user_aaaa0", "2026-01-05T10:00:00Z")])
    pipeline.load(
        "events",
        [
            ev("popup_displayed", "user_aaaa0", "2026-01-06T10:00:00Z"),
            ev("popup_displayed", "user_aaaa0", "2026-01-09T10:00:00Z"),
        ],
    )
    with build_sensor_context(resources=resources) as context:
        result = late_data_sensor(context)
    ranges = sorted(
        (request.tags[PARTITION_RANGE_START], request.tags[PARTITION_RANGE_END])
        for request in result.run_requests
    )
    assert ranges == [("2026-01-05", "2026-01-06"), ("2026-01-09", "2026-01-09")]
    pipeline.refresh()
    with build_sensor_context(resources=resources) as context:
        assert isinstance(late_data_sensor(context), SkipReason)
