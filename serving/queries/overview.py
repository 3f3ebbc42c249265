"""overview: conversations active in the window, AI messages, saved hours."""

from decimal import Decimal

from serving.models import Overview
from serving.numbers import hours_text
from serving.queries import Statement, window_params
from serving.timeframes import DayWindow

SQL = """
with conversation_totals as (
    select
        coalesce(sum(count_conversations), 0) as total_conversations,
        coalesce(sum(capped_seconds), 0) as capped_seconds
    from marts.conversation_days
    where chatbot_id = %(chatbot_id)s and day between %(start_date)s and %(end_date)s
),

message_totals as (
    select coalesce(sum(count_assistant_messages), 0) as total_ai_messages
    from marts.message_days
    where chatbot_id = %(chatbot_id)s and day between %(start_date)s and %(end_date)s
)

select total_conversations, capped_seconds, total_ai_messages
from conversation_totals
cross join message_totals
"""


def statements(chatbot_id: str, window: DayWindow) -> list[Statement]:
    """One row: conversations, capped seconds, AI messages."""
    return [Statement(SQL, window_params(chatbot_id, window))]


def overview_answer(
    window: DayWindow, conversations: int, capped_seconds: Decimal, ai_messages: int
) -> Overview:
    return Overview(
        **window.fields,
        total_conversations=conversations,
        total_ai_messages=ai_messages,
        saved_hours=hours_text(capped_seconds),
    )
