"""The one Dagster entry point (workspace.yaml loads this module)."""

from dagster import Definitions

from pipelines.assets.accounts import chatbot_freshness, chatbots
from pipelines.assets.conversations import (
    conversation_analyses,
    conversation_clicks,
    conversation_facts,
    conversation_reactions,
)
from pipelines.assets.daily import DAILY_ASSETS
from pipelines.assets.purchases import purchases
from pipelines.assets.raw import RAW_SPECS
from pipelines.checks import ASSET_CHECKS, DAILY_CHECKS
from pipelines.jobs import refresh_daily_facts, refresh_state
from pipelines.resources import Warehouse
from pipelines.schedules import hourly_recent_days, hourly_state
from pipelines.sensors import late_data_sensor

STATE_ASSETS = [
    chatbots,
    chatbot_freshness,
    purchases,
    conversation_facts,
    conversation_analyses,
    conversation_clicks,
    conversation_reactions,
]

defs = Definitions(
    assets=[*RAW_SPECS, *STATE_ASSETS, *DAILY_ASSETS],
    asset_checks=[*ASSET_CHECKS, *DAILY_CHECKS],
    jobs=[refresh_state, refresh_daily_facts],
    schedules=[hourly_state, hourly_recent_days],
    sensors=[late_data_sensor],
    resources={"warehouse": Warehouse()},
)
