"""Who owns which chatbot, and how fresh each chatbot's data is."""

from pipelines.assets.incremental import incremental_mart
from pipelines.assets.raw import (
    raw_analyses,
    raw_chatbots,
    raw_conversations,
    raw_events,
    raw_messages,
)

chatbots = incremental_mart(
    "chatbots",
    "accounts",
    [raw_chatbots],
    "marts.chatbots: one row per chatbot, its latest loaded record (account, A/B switch).",
)

chatbot_freshness = incremental_mart(
    "chatbot_freshness",
    "accounts",
    [raw_events, raw_messages, raw_conversations, raw_analyses],
    "marts.chatbot_freshness: one row per chatbot, the newest record instant (X-Data-As-Of).",
)
