"""Who owns which chatbot, and how fresh each chatbot's data is."""

from pipelines.assets.incremental import mart_spec, merge
from pipelines.assets.raw import (
    raw_analyses,
    raw_chatbots,
    raw_conversations,
    raw_events,
    raw_messages,
)

SPECS = [
    mart_spec(
        "chatbots",
        "accounts",
        [raw_chatbots],
        "marts.chatbots: one row per chatbot, its latest loaded record (account, A/B switch).",
    ),
    mart_spec(
        "chatbot_freshness",
        "accounts",
        [raw_events, raw_messages, raw_conversations, raw_analyses],
        "marts.chatbot_freshness: one row per chatbot, the newest record instant (X-Data-As-Of).",
    ),
]
TRANSFORMS = [merge("chatbots"), merge("chatbot_freshness")]
