"""marts.visitor_days and marts.conversation_activity_days: exact per-date facts, kept exact
when late records change dates that received nothing new."""

from decimal import Decimal

from tests.pipelines.conftest import at, ev, msg, on

USER, OTHER = "user_aaaa0", "user_bbbb1"
ITEMS = [{"value": 10, "currency": "EUR"}]


def visitor_day(pipeline, offset: int) -> tuple:
    rows = pipeline.rows(
        "select count_visitors, count_approached, count_opened, count_chatted, "
        "count_purchasers, count_chat_purchasers, count_orders, revenue_eur, "
        "count_chat_orders, chat_revenue_eur from marts.visitor_days where day = %s",
        on(offset),
    )
    return rows[0] if rows else None


def activity_day(pipeline, offset: int) -> tuple:
    rows = pipeline.rows(
        "select count_conversations, capped_seconds from marts.conversation_activity_days "
        "where day = %s",
        on(offset),
    )
    return rows[0] if rows else None


def test_a_user_counts_on_each_date_with_that_dates_own_steps(pipeline):
    pipeline.load(
        "events",
        [
            ev("visitor", USER, at(1)),
            ev("popup_displayed", USER, at(1, 13)),
            ev("visitor", USER, at(2)),
            ev("bot_open", USER, at(2, 13)),
            ev("visitor", OTHER, at(2)),
            ev("popup_displayed", OTHER, at(3)),  # not a visitor on day 3
        ],
    )
    pipeline.refresh()
    zero = (0, 0, 0, Decimal(0), 0, Decimal(0))
    assert visitor_day(pipeline, 1) == (1, 1, 0, 0, *zero)
    assert visitor_day(pipeline, 2) == (2, 0, 1, 0, *zero)
    assert visitor_day(pipeline, 3) is None


def test_an_order_moved_by_a_late_earlier_duplicate_leaves_its_old_date(pipeline):
    pipeline.load(
        "events",
        [
            ev("visitor", USER, at(2)),
            ev("visitor", USER, at(5)),
            ev("purchase", USER, at(5, 13), "e-5", orderNum="A", items=ITEMS),
        ],
    )
    pipeline.refresh()
    assert visitor_day(pipeline, 5)[4:8] == (1, 0, 1, Decimal(10))
    pipeline.load("events", [ev("purchase", USER, at(2, 13), "e-2", orderNum="A", items=ITEMS)])
    pipeline.refresh()
    assert visitor_day(pipeline, 5)[4:8] == (0, 0, 0, Decimal(0))
    assert visitor_day(pipeline, 2)[4:8] == (1, 0, 1, Decimal(10))


def test_a_late_earlier_first_chat_makes_a_chat_purchase_on_a_date_with_nothing_new(pipeline):
    pipeline.load(
        "events",
        [
            ev("visitor", USER, at(7)),
            ev("purchase", USER, at(7, 9), "p-1", orderNum="A", items=ITEMS),
            ev("convo_started", USER, at(7, 10)),
        ],
    )
    pipeline.refresh()
    # Bought before the first chat known so far: not a chat purchase.
    assert visitor_day(pipeline, 7)[3:] == (1, 1, 0, 1, Decimal(10), 0, Decimal(0))
    pipeline.load("events", [ev("convo_started", USER, at(3))])  # nothing new on day 7
    pipeline.refresh()
    assert visitor_day(pipeline, 7)[3:] == (1, 1, 1, 1, Decimal(10), 1, Decimal(10))


def test_a_late_message_changes_the_duration_on_every_date_of_its_conversation(pipeline):
    pipeline.load(
        "messages",
        [msg("m1", "c1", at(1, 23, 50)), msg("m2", "c1", at(2, 0, 10)), msg("m3", "c2", at(4))],
    )
    pipeline.refresh()
    assert activity_day(pipeline, 1) == (1, Decimal(1200))
    assert activity_day(pipeline, 2) == (1, Decimal(1200))
    pipeline.load("messages", [msg("m4", "c1", at(2, 0, 30))])
    pipeline.refresh()
    assert activity_day(pipeline, 1) == (1, Decimal(2400))
    assert activity_day(pipeline, 2) == (1, Decimal(2400))
    assert activity_day(pipeline, 4) == (1, Decimal(0))
