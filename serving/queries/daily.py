"""daily: one row per date of the window, each as the other endpoints would answer a window
of that date alone (the dashboard's charts)."""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from serving.models import Daily, Day
from serving.numbers import hours_text, round2
from serving.queries import Statement, window_params
from serving.timeframes import DayWindow

SQL = """
with dates as (
    select day::date
    from generate_series(%(start_date)s::date, %(end_date)s::date, interval '1 day') as day
)

select
    dates.day,
    coalesce(visitors.count_visitors, 0) as visitors,
    coalesce(visitors.count_approached, 0) as approached,
    coalesce(visitors.count_opened, 0) as opened,
    coalesce(visitors.count_chatted, 0) as chatted,
    coalesce(visitors.count_purchasers, 0) as purchasers,
    coalesce(visitors.count_chat_purchasers, 0) as chat_purchasers,
    coalesce(visitors.revenue_eur, 0) as revenue_eur,
    coalesce(visitors.chat_revenue_eur, 0) as chat_revenue_eur,
    coalesce(visitors.count_orders, 0) as orders,
    coalesce(activity.count_conversations, 0) as conversations,
    coalesce(messages.count_assistant_messages, 0) as ai_messages,
    coalesce(activity.capped_seconds, 0) as capped_seconds
from dates
left join marts.visitor_days as visitors
    on visitors.chatbot_id = %(chatbot_id)s and visitors.day = dates.day
left join marts.conversation_activity_days as activity
    on activity.chatbot_id = %(chatbot_id)s and activity.day = dates.day
left join marts.message_days as messages
    on messages.chatbot_id = %(chatbot_id)s and messages.day = dates.day
order by dates.day
"""


class DayTotals(NamedTuple):
    day: date
    visitors: int
    approached: int
    opened: int
    chatted: int
    purchasers: int
    chat_purchasers: int
    revenue_eur: Decimal
    chat_revenue_eur: Decimal
    orders: int
    conversations: int
    ai_messages: int
    capped_seconds: Decimal


def statements(chatbot_id: str, window: DayWindow) -> list[Statement]:
    """Every date of the window, in order (rows of DayTotals)."""
    return [Statement(SQL, window_params(chatbot_id, window))]


def daily_answer(window: DayWindow, days: list[tuple]) -> Daily:
    """`days`: every date of the window in order, zeros where nothing happened."""
    days = [DayTotals(*day) for day in days]
    return Daily(
        **window.fields,
        days=[
            Day(
                date=day.day,
                total_users=day.visitors,
                total_users_approached=day.approached,
                total_users_opened=day.opened,
                total_users_chatted=day.chatted,
                total_users_purchased=day.purchasers,
                total_users_chatted_purchased=day.chat_purchasers,
                total_revenue_purchased=round2(day.revenue_eur),
                total_revenue_chatted_purchased=round2(day.chat_revenue_eur),
                orders=day.orders,
                total_conversations=day.conversations,
                total_ai_messages=day.ai_messages,
                saved_hours=hours_text(day.capped_seconds),
            )
            for day in days
        ],
    )
