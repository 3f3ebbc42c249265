"""Suffix sums of marts.funnel_days over a window, per A/B group (engagement and purchases)."""

from dataclasses import dataclass
from decimal import Decimal

from serving.queries import Statement, window_params
from serving.timeframes import DayWindow

SQL = """
select
    ab_group,
    sum(count_visitors),
    sum(count_approached),
    sum(count_opened),
    sum(count_chatted),
    sum(count_purchasers),
    sum(count_chat_purchasers),
    sum(count_orders),
    sum(count_valued_orders),
    sum(revenue_eur),
    sum(count_chat_orders),
    sum(count_valued_chat_orders),
    sum(chat_revenue_eur)
from marts.funnel_days
where chatbot_id = %(chatbot_id)s and day between %(start_date)s and %(end_date)s
group by ab_group
"""


@dataclass(frozen=True)
class FunnelTotals:
    visitors: int = 0
    approached: int = 0
    opened: int = 0
    chatted: int = 0
    purchasers: int = 0
    chat_purchasers: int = 0
    orders: int = 0
    valued_orders: int = 0
    revenue_eur: Decimal = Decimal(0)
    chat_orders: int = 0
    valued_chat_orders: int = 0
    chat_revenue_eur: Decimal = Decimal(0)

    def __add__(self, other: "FunnelTotals") -> "FunnelTotals":
        return FunnelTotals(*(a + b for a, b in zip(vars(self).values(), vars(other).values())))


def funnel_statement(chatbot_id: str, window: DayWindow) -> Statement:
    return Statement(SQL, window_params(chatbot_id, window))


def funnel_groups(rows: list[tuple]) -> dict[str, FunnelTotals]:
    """Totals per A/B group: `control`, `test` and `none` (users of neither group)."""
    totals = {group: FunnelTotals() for group in ("control", "test", "none")}
    totals.update({row[0]: FunnelTotals(*row[1:]) for row in rows})
    return totals


def all_groups(totals: dict[str, FunnelTotals]) -> FunnelTotals:
    return sum(totals.values(), FunnelTotals())
