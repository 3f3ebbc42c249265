"""Suffix sums of marts.funnel_days over a window, per A/B group (engagement and purchases)."""

from dataclasses import dataclass
from decimal import Decimal

from psycopg.rows import dict_row

from serving.queries import Statement, window_params
from serving.timeframes import DayWindow

# Each sum is named as the FunnelTotals field it fills (rows are read by name).
SQL = """
select
    ab_group,
    sum(count_visitors) as visitors,
    sum(count_approached) as approached,
    sum(count_opened) as opened,
    sum(count_chatted) as chatted,
    sum(count_purchasers) as purchasers,
    sum(count_chat_purchasers) as chat_purchasers,
    sum(count_orders) as orders,
    sum(count_valued_orders) as valued_orders,
    sum(revenue_eur) as revenue_eur,
    sum(count_chat_orders) as chat_orders,
    sum(count_valued_chat_orders) as valued_chat_orders,
    sum(chat_revenue_eur) as chat_revenue_eur
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
    return Statement(SQL, window_params(chatbot_id, window), row_factory=dict_row)


def funnel_groups(rows: list[dict]) -> dict[str, FunnelTotals]:
    """Totals per A/B group: `control`, `test` and `none` (users of neither group), from rows
    with `ab_group` and a column named as each FunnelTotals field."""
    totals = {group: FunnelTotals() for group in ("control", "test", "none")}
    for row in rows:
        totals[row["ab_group"]] = FunnelTotals(
            **{name: value for name, value in row.items() if name != "ab_group"}
        )
    return totals


def all_groups(totals: dict[str, FunnelTotals]) -> FunnelTotals:
    return sum(totals.values(), FunnelTotals())
