"""The one Dagster entry point (workspace.yaml loads this module)."""

from dagster import Definitions

from pipelines.assets.marts import marts
from pipelines.assets.raw import RAW_SPECS
from pipelines.jobs import refresh_daily_facts, refresh_state
from pipelines.resources import Warehouse
from pipelines.schedules import hourly_recent_days, hourly_state
from pipelines.sensors import late_data_sensor

defs = Definitions(
    assets=[*RAW_SPECS, marts],
    jobs=[refresh_state, refresh_daily_facts],
    schedules=[hourly_state, hourly_recent_days],
    sensors=[late_data_sensor],
    resources={"warehouse": Warehouse()},
)
