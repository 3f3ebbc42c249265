"""engagement: the visitor funnel of the window."""

from serving.models import Engagement
from serving.numbers import percent
from serving.queries import Statement
from serving.queries.funnel import FunnelTotals, all_groups, funnel_statement
from serving.timeframes import DayWindow


def statements(chatbot_id: str, window: DayWindow) -> list[Statement]:
    return [funnel_statement(chatbot_id, window)]


def engagement_answer(window: DayWindow, groups: dict[str, FunnelTotals]) -> Engagement:
    """`groups`: funnel_groups() of the statement's rows."""
    funnel = all_groups(groups)
    return Engagement(
        **window.fields,
        total_users=funnel.visitors,
        total_users_approached=funnel.approached,
        total_users_opened=funnel.opened,
        total_users_chatted=funnel.chatted,
        approached_ratio=percent(funnel.approached, funnel.visitors),
        opened_ratio=percent(funnel.opened, funnel.visitors),
        chatted_ratio=percent(funnel.chatted, funnel.visitors),
    )
