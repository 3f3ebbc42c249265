"""The serving rules as functions: rounding, windows, the insights timeframe parser, ranking."""

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from serving.numbers import hours_text, percent, ratio, round2
from serving.ranking import rank_clicks, rank_mentions, spelling
from serving.timeframes import InvalidTimeframe, day_window, insights_start

NOW = datetime(2026, 2, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(Decimal("3.345"), 3.35), (Decimal("-3.345"), -3.35), (Decimal("2.675"), 2.68), (7, 7.0)],
)
def test_round2_is_half_away_from_zero_on_exact_values(value, rounded):
    assert round2(value) == rounded


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Decimal("1e26") + Decimal("0.005"), 1e26),
        (Decimal("123456789012345678901234567890.125"), 1.2345678901234568e29),
        (Decimal("1e400"), sys.float_info.max),
        (Decimal("-1e400"), -sys.float_info.max),
        (Decimal("Infinity"), sys.float_info.max),
        (Decimal("NaN"), 0.0),
    ],
)
def test_round2_of_any_stored_value_is_a_finite_number(value, rounded):
    assert round2(value) == rounded
    assert percent(value, 3) == round2(value * 100 / 3) or value.is_nan()


def test_ratios_with_zero_denominators_are_zero():
    assert (percent(3, 0), ratio(Decimal(5), 0)) == (0.0, 0.0)
    assert percent(1, 3) == 33.33 and percent(2, 3) == 66.67


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0.0"), (3 * 3600, "3.0"), (Decimal("12042"), "3.35"), (91800, "25.5"), (44424, "12.34")],
)
def test_saved_hours_text(seconds, text):
    assert hours_text(seconds) == text


def test_day_window_spans_timeframe_plus_one_dates():
    window = day_window(datetime(2026, 2, 24, 0, 30, tzinfo=UTC), 7)
    assert (window.start_date, window.end_date) == (date(2026, 2, 17), date(2026, 2, 24))


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        ("day", timedelta(days=1)),
        (" WEEK ", timedelta(days=7)),
        ("month", timedelta(days=30)),
        ("14", timedelta(days=14)),
        ("20 minutes", timedelta(minutes=20)),
        ("2 hours", timedelta(hours=2)),
        ("1 weeks", timedelta(weeks=1)),
        ("2 week", timedelta(weeks=2)),
        ("2 Months", timedelta(days=60)),
        ("3660 days", timedelta(days=3660)),
        ("3 \t days", timedelta(days=3)),
    ],
)
def test_insights_durations(raw, span):
    assert insights_start(raw, NOW) == NOW - span


def test_month_names_start_this_year_or_last():
    assert insights_start("February", NOW) == datetime(2026, 2, 1, tzinfo=UTC)
    assert insights_start("march", NOW) == datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "0",
        "0 days",
        "5 fortnights",
        "3661 days",
        "523 weeks",
        "123 months",
        "abc",
        "-3",
        "3days",
        "1.5 days",
        "x" * 51,
        "hours",
        "day 1",
        "3 dayss",
    ],
)
def test_invalid_insights_timeframes(raw):
    with pytest.raises(InvalidTimeframe):
        insights_start(raw, NOW)


def test_a_long_value_is_refused_before_trimming():
    with pytest.raises(InvalidTimeframe):
        insights_start("day" + " " * 48, NOW)


def link(conversation_id: str) -> str:
    return f"L/{conversation_id}"


def test_spelling_trims_and_collapses_whitespace_keeping_case():
    assert spelling("  Nike \t Air\nMax ") == "Nike Air Max"


def test_mentions_group_by_folded_text_and_show_the_most_voted_spelling():
    mentions = [
        ("c1", ["Nike Air", "nike  air", "Boots"]),  # two spellings, one conversation
        ("c2", ["nike air"]),
        ("c3", ["NIKE AIR", " ", "boots"]),
        ("c4", ["Straße"]),
        ("c5", ["STRASSE"]),
    ]
    ranked = rank_mentions(mentions, ["c5", "c4", "c3", "c2", "c1"], link)
    assert [(item.item, item.count, item.conversations) for item in ranked] == [
        ("nike air", 3, ["L/c3", "L/c2", "L/c1"]),  # "nike air" 2 votes, others 1
        ("Boots", 2, ["L/c3", "L/c1"]),  # tie of votes: the smaller string
        ("STRASSE", 2, ["L/c5", "L/c4"]),  # casefold: ß folds to ss
    ]


def test_at_most_ten_items_by_count_then_item():
    mentions = [(f"c{i}", [f"item {i:02d}"]) for i in range(12)] + [("c0", ["item 11"])]
    ranked = rank_mentions(mentions, [f"c{i}" for i in range(12)], link)
    assert [item.item for item in ranked][:3] == ["item 11", "item 00", "item 01"]
    assert len(ranked) == 10


def test_clicks_group_by_trimmed_url_and_skip_empty_ones():
    clicks = [("c1", " https://x/a ", 2), ("c2", "https://x/a", 1), ("c2", "", 4), ("c2", "  ", 1)]
    ranked = rank_clicks(clicks, ["c2", "c1"], link)
    assert [(item.item, item.count, item.conversations) for item in ranked] == [
        ("https://x/a", 3, ["L/c2", "L/c1"])
    ]
