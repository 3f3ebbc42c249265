"""Per-day event counts, partitioned by UTC day; a run rebuilds its range of days at once
(pipelines/assets/marts.py runs them)."""

from functools import partial

from pipelines.assets.concurrent import Transform
from pipelines.assets.incremental import mart_spec
from pipelines.assets.raw import raw_events, raw_messages
from pipelines.partitions import daily_partitions
from warehouse.transforms import DayRange, rebuild_days

# The raw kind whose loads make a day of each mart stale.
SOURCE_KIND = {"popup_days": "events", "convo_start_days": "events", "message_days": "messages"}


SPECS = [
    mart_spec(
        "popup_days",
        "daily_facts",
        [raw_events],
        "marts.popup_days: one row per (chatbot, UTC day, popup version): displays and opens.",
        daily_partitions,
    ),
    mart_spec(
        "convo_start_days",
        "daily_facts",
        [raw_events],
        "marts.convo_start_days: one row per (chatbot, UTC day, open_way): conversations started.",
        daily_partitions,
    ),
    mart_spec(
        "message_days",
        "daily_facts",
        [raw_messages],
        "marts.message_days: one row per (chatbot, UTC day): messages, AI messages.",
        daily_partitions,
    ),
]


def day_transforms(names: list[str], days: DayRange) -> list[Transform]:
    """Rebuild each named mart over the range of days."""
    return [Transform(name, (name,), partial(rebuild_days, name=name, days=days)) for name in names]
