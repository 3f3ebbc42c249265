"""Conversation facts, their daily roll-up, analyses, clicks and reactions."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from pipelines.assets.incremental import incremental_mart
from pipelines.assets.raw import raw_analyses, raw_conversations, raw_events, raw_messages
from pipelines.resources import Warehouse
from warehouse.transforms import refresh_conversations


@multi_asset(
    group_name="conversations",
    specs=[
        AssetSpec(
            "conversations",
            deps=[raw_messages, raw_conversations],
            description="marts.conversations: one row per conversation: first and last "
            "message, message counts, user token from its latest record.",
            kinds={"postgres"},
        ),
        AssetSpec(
            "conversation_days",
            deps=["conversations"],
            description="marts.conversation_days: one row per (chatbot, day of last message): "
            "conversations and their capped durations (overview).",
            kinds={"postgres"},
        ),
    ],
)
def conversation_facts(
    context: AssetExecutionContext, warehouse: Warehouse
) -> Iterator[MaterializeResult]:
    """One transaction: conversation_days moves by the difference of old and new facts."""
    with warehouse.connect() as conn:
        changed = refresh_conversations(conn)
    for name, rows in changed.items():
        yield MaterializeResult(asset_key=name, metadata={"rows_changed": rows})


conversation_analyses = incremental_mart(
    "conversation_analyses",
    "conversations",
    [raw_analyses],
    "marts.conversation_analyses: one row per analysed conversation, its winning analysis "
    "(newest analyzed_at, ties the latest loaded).",
)

conversation_clicks = incremental_mart(
    "conversation_clicks",
    "conversations",
    [raw_events],
    "marts.conversation_clicks: one row per (chatbot, conversation, url) with click_through "
    "events naming the conversation.",
)

conversation_reactions = incremental_mart(
    "conversation_reactions",
    "conversations",
    [raw_events],
    "marts.conversation_reactions: one row per conversation named by like / dislike events.",
)
