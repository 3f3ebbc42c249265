"""What a refresh has to do: the state marts behind the newest load, the stale partitions."""

from collections.abc import Iterable
from datetime import date, timedelta

import psycopg

from pipelines.assets.daily import SOURCE_KIND
from pipelines.partitions import edges
from warehouse.transforms import high_watermark, rates_changed_since, stale_days, watermark

# The watermark names of the incrementally merged marts (marts merged in one transaction share
# one).
STATE_WATERMARKS = {
    "chatbots": "chatbots",
    "chatbot_freshness": "chatbot_freshness",
    "orders": "purchases",
    "users": "purchases",
    "funnel_days": "purchases",
    "visitor_days": "purchases",
    "conversations": "conversations",
    "conversation_days": "conversations",
    "conversation_activity_days": "conversations",
    "conversation_analyses": "conversation_analyses",
    "conversation_clicks": "conversation_clicks",
    "conversation_reactions": "conversation_reactions",
}


def stale_state_assets(conn: psycopg.Connection) -> list[str]:
    """The incrementally merged marts that have not seen the newest committed load (or, for the
    purchase marts, an edited currency rate)."""
    high = high_watermark(conn)
    return [
        asset
        for asset, name in STATE_WATERMARKS.items()
        if watermark(conn, name) < high or (name == "purchases" and rates_changed_since(conn, name))
    ]


def stale_partitions(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Per daily asset, the partition keys whose days received records since they were built."""
    edge_first, edge_last = edges()
    return {
        asset: [day.isoformat() for day in stale_days(conn, asset, kind, edge_first, edge_last)]
        for asset, kind in SOURCE_KIND.items()
    }


def contiguous_ranges(keys: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted day keys grouped into (first, last) runs of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted({date.fromisoformat(key) for key in keys}):
        if ranges and day == ranges[-1][1] + timedelta(1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return [(first.isoformat(), last.isoformat()) for first, last in ranges]
