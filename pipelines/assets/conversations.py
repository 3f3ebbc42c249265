"""Conversation facts, their daily roll-up, analyses, clicks and reactions."""

from pipelines.assets.concurrent import Transform
from pipelines.assets.incremental import mart_spec, merge
from pipelines.assets.raw import raw_analyses, raw_conversations, raw_events, raw_messages
from warehouse.transforms import CONVERSATION_MARTS, refresh_conversations

SPECS = [
    mart_spec(
        "conversations",
        "conversations",
        [raw_messages, raw_conversations],
        "marts.conversations: one row per conversation: first and last "
        "message, message counts, user token from its latest record.",
    ),
    mart_spec(
        "conversation_days",
        "conversations",
        ["conversations"],
        "marts.conversation_days: one row per (chatbot, day of last message): "
        "conversations and their capped durations (overview).",
    ),
    mart_spec(
        "conversation_activity_days",
        "conversations",
        [raw_messages, "conversations"],
        "marts.conversation_activity_days: one row per (chatbot, UTC date): conversations "
        "active that date and their capped durations (the daily endpoint).",
    ),
    mart_spec(
        "conversation_analyses",
        "conversations",
        [raw_analyses],
        "marts.conversation_analyses: one row per analysed conversation, its winning analysis "
        "(newest analyzed_at, ties the latest loaded).",
    ),
    mart_spec(
        "conversation_clicks",
        "conversations",
        [raw_events],
        "marts.conversation_clicks: one row per (chatbot, conversation, url) with "
        "click_through events naming the conversation.",
    ),
    mart_spec(
        "conversation_reactions",
        "conversations",
        [raw_events],
        "marts.conversation_reactions: one row per conversation named by like / dislike events.",
    ),
]
TRANSFORMS = [
    # One transaction: conversation_days moves by the difference of old and new facts.
    Transform("conversations", CONVERSATION_MARTS, refresh_conversations),
    merge("conversation_clicks"),
    merge("conversation_reactions"),
    merge("conversation_analyses"),
]
