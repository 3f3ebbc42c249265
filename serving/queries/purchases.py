"""purchases: chat vs. no chat, and the A/B split when the chatbot has it enabled."""

from serving.models import AbGroup, AbTest, Purchases
from serving.numbers import percent, ratio, round2
from serving.queries import Statement
from serving.queries.funnel import FunnelTotals, all_groups, funnel_statement
from serving.timeframes import DayWindow


def _ab_group(group: FunnelTotals) -> AbGroup:
    return AbGroup(
        visitors=group.visitors,
        orders=group.orders,
        conversion_rate=percent(group.purchasers, group.visitors),
        aov=ratio(group.revenue_eur, group.valued_orders),
        arpu=ratio(group.revenue_eur, group.visitors),
    )


def statements(chatbot_id: str, window: DayWindow) -> list[Statement]:
    return [funnel_statement(chatbot_id, window)]


def purchases_answer(
    window: DayWindow, groups: dict[str, FunnelTotals], with_ab_test: bool
) -> Purchases:
    funnel = all_groups(groups)
    return Purchases(
        **window.fields,
        total_users=funnel.visitors,
        total_users_chatted=funnel.chatted,
        total_users_purchased=funnel.purchasers,
        total_users_chatted_purchased=funnel.chat_purchasers,
        total_revenue_purchased=round2(funnel.revenue_eur),
        total_revenue_chatted_purchased=round2(funnel.chat_revenue_eur),
        conversion_rate_with_chat=percent(funnel.chat_purchasers, funnel.chatted),
        conversion_rate_without_chat=percent(
            funnel.purchasers - funnel.chat_purchasers, funnel.visitors
        ),
        aov_with_chat=ratio(funnel.chat_revenue_eur, funnel.valued_chat_orders),
        aov_without_chat=ratio(
            funnel.revenue_eur - funnel.chat_revenue_eur,
            funnel.valued_orders - funnel.valued_chat_orders,
        ),
        ab_test=AbTest(control=_ab_group(groups["control"]), test=_ab_group(groups["test"]))
        if with_ab_test
        else None,
    )
