"""The raw tables, written by `analytics load` (not by Dagster): the sources of every mart."""

from dagster import AssetSpec

raw_events = AssetSpec(
    "raw_events", group_name="raw", description="raw.events: one row per tracking event."
)
raw_messages = AssetSpec(
    "raw_messages", group_name="raw", description="raw.messages: one row per chat message."
)
raw_conversations = AssetSpec(
    "raw_conversations",
    group_name="raw",
    description="raw.conversations: one row per distinct version of a conversation record.",
)
raw_analyses = AssetSpec(
    "raw_analyses",
    group_name="raw",
    description="raw.analyses: one row per distinct conversation analysis record.",
)
raw_chatbots = AssetSpec(
    "raw_chatbots",
    group_name="raw",
    description="raw.chatbots: one row per distinct version of a chatbot record.",
)
currency_rates = AssetSpec(
    "currency_rates",
    group_name="raw",
    description="reference.currency_rates: one row per currency, edited by operators.",
)

RAW_SPECS = [
    raw_events,
    raw_messages,
    raw_conversations,
    raw_analyses,
    raw_chatbots,
    currency_rates,
]
