"""Each mart on small hand-built inputs, loaded and refreshed through the real CLI code paths."""

import signal
from decimal import Decimal

import psycopg

from pipelines.checks import CHECKS
from tests.pipelines.conftest import BOT, at, ev, msg, on

CONTROL, TEST, NO_GROUP = "user_aaaa0", "user_bbbb1", "user_cccc2"


def funnel(pipeline, start_offset: int) -> tuple:
    """Suffix sums of marts.funnel_days from DAY + start_offset: the window's answers."""
    return pipeline.rows(
        "select coalesce(sum(count_visitors), 0), coalesce(sum(count_approached), 0), "
        "coalesce(sum(count_opened), 0), coalesce(sum(count_chatted), 0), "
        "coalesce(sum(count_purchasers), 0), coalesce(sum(count_chat_purchasers), 0), "
        "coalesce(sum(count_orders), 0), coalesce(sum(revenue_eur), 0), "
        "coalesce(sum(count_chat_orders), 0), coalesce(sum(chat_revenue_eur), 0) "
        "from marts.funnel_days where chatbot_id = %s and day >= %s",
        BOT,
        on(start_offset),
    )[0]


def _materialize(pipeline, selection, **kwargs):
    """An in-process run of `selection`, as the UI's "materialize" starts one."""
    from dagster import DagsterInstance, materialize

    from pipelines.definitions import defs
    from pipelines.resources import Warehouse

    return materialize(
        [*defs.assets, *defs.asset_checks],
        instance=DagsterInstance.get(),
        resources={"warehouse": Warehouse(database_url=pipeline.url)},
        selection=selection,
        raise_on_error=False,
        **kwargs,
    )


def test_the_earliest_purchase_counts_and_a_late_earlier_duplicate_moves_the_order(pipeline):
    items = [{"value": 10, "currency": "EUR"}]
    pipeline.load("events", [ev("purchase", CONTROL, at(5), "e-5", orderNum="A", items=items)])
    pipeline.refresh()
    assert pipeline.rows("select order_key, event_id, created_on from marts.orders") == [
        ("A", "e-5", on(5))
    ]
    # Delivered later, dated earlier, by another user: the order moves to that day and user.
    pipeline.load("events", [ev("purchase", TEST, at(2), "e-2", orderNum=" A ", items=items)])
    pipeline.refresh()
    assert pipeline.rows("select order_key, event_id, token, created_on from marts.orders") == [
        ("A", "e-2", TEST, on(2))
    ]
    assert pipeline.rows("select token, last_order_on from marts.users order by token") == [
        (CONTROL, None),
        (TEST, on(2)),
    ]
    # Same instant, smaller event_id: that one counts.
    pipeline.load("events", [ev("purchase", TEST, at(2), "e-1", orderNum="A", items=items)])
    pipeline.refresh()
    assert pipeline.rows("select event_id from marts.orders") == [("e-1",)]


def test_purchases_without_order_number_count_by_event_id(pipeline):
    pipeline.load(
        "events",
        [ev("purchase", CONTROL, at(1), "p-1"), ev("purchase", CONTROL, at(1), "p-2", orderNum="")],
    )
    pipeline.refresh()
    assert pipeline.rows("select order_key from marts.orders order by 1") == [("p-1",), ("p-2",)]


def test_order_values_in_eur_or_unknown(pipeline):
    orders = {
        "multi": [{"value": 49.99, "quantity": 2}, {"price": 10, "currency": "usd"}],
        "no-items": None,
        "empty": [],
        "no-value": [{"value": 5}, {"quantity": 1}],
        "unknown-currency": [{"value": 5, "currency": "XYZ"}],
    }
    pipeline.load(
        "events",
        [
            ev(
                "purchase",
                CONTROL,
                at(1),
                f"e-{key}",
                orderNum=key,
                **({"items": items} if items is not None else {}),
            )
            for key, items in orders.items()
        ],
    )
    pipeline.refresh()
    assert dict(pipeline.rows("select order_key, value_eur from marts.orders")) == {
        "multi": Decimal("109.18"),
        "no-items": None,
        "empty": None,
        "no-value": None,
        "unknown-currency": None,
    }
    with psycopg.connect(pipeline.url) as conn:
        passed, metadata = CHECKS["orders_with_unknown_value"].evaluate(conn)
    assert not passed and metadata == {"unknown_value_orders": 4, "orders_estimated": 5}


def test_an_edited_currency_rate_revalues_orders_after_the_next_refresh(pipeline):
    usd = [{"value": 100, "currency": "USD"}]
    pipeline.load(
        "events",
        [
            ev("visitor", CONTROL, at(1), "v"),
            ev("purchase", CONTROL, at(1), "p", orderNum="1", items=usd),
        ],
    )
    pipeline.refresh()
    assert funnel(pipeline, 0)[7] == Decimal("92.00")
    pipeline.execute(
        "update reference.currency_rates set eur_per_unit = 0.5 where currency = 'USD'"
    )
    pipeline.refresh()
    assert pipeline.rows("select value_eur from marts.orders") == [(Decimal("50.0"),)]
    assert funnel(pipeline, 0)[7] == Decimal("50.0")


def test_funnel_days_count_each_user_on_its_entry_day(pipeline):
    pipeline.load(
        "events",
        [
            ev("visitor", CONTROL, at(3)),
            ev("popup_displayed", CONTROL, at(4)),
            ev("visitor", CONTROL, at(5)),
            ev("bot_open", CONTROL, at(2)),
            ev("visitor", TEST, at(4)),
            ev("convo_started", TEST, at(4, 9), open_way="popup"),
            ev("purchase", TEST, at(4, 10), "o-1", orderNum="1", items=[{"value": 20}]),
            ev("purchase", NO_GROUP, at(4), "o-2", orderNum="2"),  # not a visitor: not counted
        ],
    )
    pipeline.refresh()
    assert pipeline.rows(
        "select day, ab_group, count_visitors, count_approached, count_opened, count_chatted, "
        "count_purchasers, count_chat_purchasers, count_orders, count_valued_orders, "
        "revenue_eur, count_chat_orders, count_valued_chat_orders, chat_revenue_eur "
        "from marts.funnel_days order by day, ab_group"
    ) == [
        (on(2), "control", 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (on(4), "control", 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (on(4), "test", 1, 0, 0, 1, 1, 1, 1, 1, 20, 1, 1, 20),
        (on(5), "control", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    # The window from day 5 holds CONTROL's visit but not its popup (day 4) nor its open (day 2).
    assert funnel(pipeline, 5)[:4] == (1, 0, 0, 0)
    assert funnel(pipeline, 2)[:7] == (2, 1, 1, 1, 1, 1, 1)


def test_an_earlier_first_chat_turns_a_purchase_into_a_chat_purchase(pipeline):
    pipeline.load(
        "events",
        [
            ev("visitor", CONTROL, at(1)),
            ev("purchase", CONTROL, at(1, 10), "p", orderNum="1", items=[{"value": 5}]),
            ev("convo_started", CONTROL, at(1, 11)),
        ],
    )
    pipeline.refresh()
    assert funnel(pipeline, 0)[4:] == (1, 0, 1, 5, 0, 0)
    pipeline.load("events", [ev("convo_started", CONTROL, at(1, 9))])  # late, earlier
    pipeline.refresh()
    assert pipeline.rows("select first_chat_at::text from marts.users") == [
        ("2026-02-11 09:00:00+00",)
    ]
    assert funnel(pipeline, 0)[4:] == (1, 1, 1, 5, 1, 5)
    assert pipeline.rows("select is_after_first_chat from marts.counted_purchases") == [(True,)]


def test_conversations_merge_messages_and_a_late_record_fills_the_user(pipeline):
    pipeline.load(
        "messages",
        [
            msg("m1", "c1", at(1, 10), "user"),
            msg("m2", "c1", at(1, 10, 30)),
            msg("m3", "c2", at(2, 8)),
        ],
    )
    pipeline.refresh()
    assert pipeline.rows(
        "select conversation_id, user_token, count_messages, count_assistant_messages "
        "from marts.conversations order by 1"
    ) == [("c1", None, 2, 1), ("c2", None, 1, 1)]
    pipeline.load(
        "conversations",
        [{"conversation_id": "c1", "chatbot_id": BOT, "user_token": CONTROL, "started_at": at(1)}],
    )
    pipeline.load("messages", [msg("m4", "c1", at(3, 12)), msg("m2", "c1", at(1, 10, 30))])
    pipeline.refresh()
    assert pipeline.rows(
        "select conversation_id, user_token, count_messages, last_message_at::date "
        "from marts.conversations order by 1"
    ) == [("c1", CONTROL, 3, on(3)), ("c2", None, 1, on(2))]
    # c1 moved from day 1 to day 3 with its duration capped at 1.5 h; c2 lasts 0 s.
    assert pipeline.rows(
        "select day, count_conversations, capped_seconds from marts.conversation_days order by 1"
    ) == [(on(2), 1, 0), (on(3), 1, 5400)]


def test_the_newest_analysis_wins_and_an_older_one_loaded_later_does_not(pipeline):
    def analysis(analyzed_at: str, mood: str) -> dict:
        return {
            "conversation_id": "c1",
            "chatbot_id": BOT,
            "analyzed_at": analyzed_at,
            "mood": mood,
        }

    pipeline.load("analyses", [analysis(at(1), "happy")])
    pipeline.refresh()
    pipeline.load("analyses", [analysis(at(2), "angry")])
    pipeline.refresh()
    pipeline.load("analyses", [analysis(at(0), "neutral")])
    pipeline.refresh()
    assert pipeline.rows("select mood from marts.conversation_analyses") == [("angry",)]
    pipeline.load("analyses", [analysis(at(2), "neutral")])  # a tie: the later loaded wins
    pipeline.refresh()
    assert pipeline.rows("select mood from marts.conversation_analyses") == [("neutral",)]


def test_clicks_and_reactions_per_conversation(pipeline):
    pipeline.load(
        "events",
        [
            ev("click_through", CONTROL, at(1), conversation_id="c1", url=" https://x/p "),
            ev("click_through", CONTROL, at(1, 13), conversation_id="c1", url=" https://x/p "),
            ev("click_through", CONTROL, at(1), conversation_id="c1"),
            ev("click_through", CONTROL, at(1), url="https://x/none"),
            ev("message_like", CONTROL, at(1), conversation_id="c1"),
            ev("message_dislike", CONTROL, at(1, 14), conversation_id="c1"),
            ev("message_dislike", CONTROL, at(1, 15), conversation_id="c1"),
        ],
    )
    pipeline.refresh()
    assert pipeline.rows(
        "select conversation_id, url, count_clicks from marts.conversation_clicks order by url"
    ) == [("c1", "", 1), ("c1", " https://x/p ", 2)]
    assert pipeline.rows(
        "select conversation_id, count_likes, count_dislikes from marts.conversation_reactions"
    ) == [("c1", 1, 2)]


def test_chatbots_and_freshness(pipeline):
    pipeline.load(
        "chatbots",
        [
            {"chatbot_id": BOT, "account_id": "acme", "ab_test_enabled": True},
            {"chatbot_id": BOT, "account_id": "acme", "ab_test_enabled": False, "name": "n"},
        ],
    )
    pipeline.load("events", [ev("visitor", CONTROL, at(1))])
    pipeline.load("messages", [msg("m1", "c1", at(2))])
    pipeline.refresh()
    assert pipeline.rows(
        "select chatbot_id, account_id, name, ab_test_enabled from marts.chatbots"
    ) == [(BOT, "acme", "n", False)]
    assert pipeline.rows("select newest_record_at::date from marts.chatbot_freshness") == [(on(2),)]


def test_daily_facts_keep_records_outside_the_partition_range_on_their_own_day(pipeline):
    pipeline.load(
        "events",
        [
            ev("popup_displayed", CONTROL, "2019-03-01T10:00:00Z", popup_version=" v2 "),
            ev("popup_opened", CONTROL, "2019-03-01T11:00:00+02:00"),
            ev("popup_displayed", CONTROL, "2099-01-01T00:00:00Z"),
            ev("convo_started", CONTROL, at(1), open_way="chat_button"),
            ev("convo_started", CONTROL, at(1)),
        ],
    )
    pipeline.load("messages", [msg("m1", "c1", at(1)), msg("m2", "c1", at(1), "user")])
    pipeline.refresh()
    assert pipeline.rows(
        "select day::text, popup_version, count_displayed, count_opened from marts.popup_days "
        "order by day"
    ) == [
        ("2019-03-01", "unknown", 0, 1),
        ("2019-03-01", "v2", 1, 0),
        ("2099-01-01", "unknown", 1, 0),
    ]
    assert pipeline.rows(
        "select day, open_way, count_convo_started from marts.convo_start_days order by 2"
    ) == [(on(1), "", 1), (on(1), "chat_button", 1)]
    assert pipeline.rows(
        "select day, count_messages, count_assistant_messages from marts.message_days"
    ) == [(on(1), 2, 1)]


def test_a_refresh_with_nothing_new_runs_nothing_and_a_rebuilt_partition_is_identical(pipeline):
    pipeline.load("events", [ev("popup_displayed", CONTROL, at(1)), ev("visitor", CONTROL, at(1))])
    first = pipeline.refresh()
    assert len(first.runs) == 1  # the state marts and the daily facts together
    assert pipeline.refresh().runs == []
    before = pipeline.rows("select * from marts.popup_days")
    for _ in range(2):
        # The UI's "materialize" of a month: all its days, rebuilt from raw.
        result = _materialize(
            pipeline, ["popup_days"], partition_key=on(1).replace(day=1).isoformat()
        )
        assert result.success
        assert pipeline.rows("select * from marts.popup_days") == before


def test_a_refresh_keeps_the_callers_sigterm_handler_even_with_sigint_ignored(pipeline):
    """Dagster points SIGTERM at the SIGINT handler after a run; a command started in the
    background (SIGINT ignored) must still stop on SIGTERM."""
    pipeline.load("events", [ev("visitor", CONTROL, at(1))])

    def on_sigterm(signum, frame):
        raise SystemExit(143)

    previous = (
        signal.signal(signal.SIGTERM, on_sigterm),
        signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        pipeline.refresh()
        assert signal.getsignal(signal.SIGTERM) is on_sigterm
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])


def test_a_run_of_the_merged_marts_leaves_the_daily_facts_alone(pipeline):
    from pipelines.registry import MERGED

    pipeline.load("events", [ev("popup_displayed", CONTROL, at(1)), ev("visitor", CONTROL, at(1))])
    result = _materialize(pipeline, [table for group in MERGED for table in group.tables])
    assert result.success
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert materialized >= {"orders", "users", "funnel_days", "conversation_clicks"}
    assert not materialized & {"popup_days", "convo_start_days", "message_days"}
    assert pipeline.rows("select count(*) from marts.users") == [(1,)]
    assert pipeline.rows("select count(*) from marts.popup_days") == [(0,)]


def test_marts_merged_together_can_only_be_selected_together(pipeline):
    import pytest
    from dagster import DagsterInvalidDefinitionError

    pipeline.load("events", [ev("visitor", CONTROL, at(1))])
    with pytest.raises(DagsterInvalidDefinitionError) as refused:
        _materialize(pipeline, ["users"])
    assert "does not support subsetting" in str(refused.value.__cause__)
    assert pipeline.rows("select count(*) from marts.users") == [(0,)]


def test_a_group_with_no_new_load_of_its_kinds_records_no_materialization(pipeline):
    pipeline.load("events", [ev("visitor", CONTROL, at(1))])
    pipeline.refresh()
    pipeline.load("messages", [msg("m1", "c1", at(1))])  # nothing for the purchase marts
    result = _materialize(pipeline, ["orders", "users", "funnel_days", "visitor_days"])
    assert result.success
    assert result.get_asset_materialization_events() == []
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"orders_counted_once": True, "orders_with_unknown_value": True}


def test_users_filled_from_empty_get_their_indexes_back_and_filled_again_keep_them(pipeline):
    indexes = (
        "select index.indexrelid, pg_get_indexdef(index.indexrelid), constraint_.conname, "
        "constraint_.contype from pg_index as index left join pg_constraint as constraint_ "
        "on constraint_.conindid = index.indexrelid where index.indrelid = 'marts.users'::regclass"
    )
    migrated = pipeline.rows(indexes)
    assert [row[2:] for row in migrated] == [("users_pkey", "p")]
    pipeline.load("events", [ev("visitor", CONTROL, at(1)), ev("visitor", TEST, at(1))])
    pipeline.refresh()  # from empty: dropped for the merge, built after it
    first = pipeline.rows(indexes)
    assert [row[1:] for row in first] == [row[1:] for row in migrated]
    assert first[0][0] != migrated[0][0]
    pipeline.load("events", [ev("visitor", NO_GROUP, at(2))])
    pipeline.refresh()  # into rows: the same index, maintained
    assert pipeline.rows(indexes) == first
    assert pipeline.rows("select count(*) from marts.users") == [(3,)]
