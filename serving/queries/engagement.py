"""engagement: the visitor funnel of the window."""

import psycopg

from serving.models import Engagement
from serving.numbers import percent
from serving.queries.funnel import FunnelTotals, all_groups, funnel_totals
from serving.timeframes import DayWindow


async def engagement(
    conn: psycopg.AsyncConnection, chatbot_id: str, window: DayWindow
) -> dict[str, FunnelTotals]:
    """What engagement_answer needs."""
    return await funnel_totals(conn, chatbot_id, window)


def engagement_answer(window: DayWindow, groups: dict[str, FunnelTotals]) -> Engagement:
    funnel = all_groups(groups)
    return Engagement(
        timeframe_days=window.timeframe_days,
        start_date=window.start_date,
        end_date=window.end_date,
        total_users=funnel.visitors,
        total_users_approached=funnel.approached,
        total_users_opened=funnel.opened,
        total_users_chatted=funnel.chatted,
        approached_ratio=percent(funnel.approached, funnel.visitors),
        opened_ratio=percent(funnel.opened, funnel.visitors),
        chatted_ratio=percent(funnel.chatted, funnel.visitors),
    )
