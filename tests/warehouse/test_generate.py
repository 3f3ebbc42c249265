"""The synthetic data generator: deterministic, realistic enough to exercise every rule."""

import json

from warehouse.generate import GeneratorConfig, generate
from warehouse.validation import KINDS, Rejection, validate_line

CONFIG = GeneratorConfig(
    seed=11, days=5, chatbots=2, visitors_per_day=150, now="2026-02-24T12:00:00Z"
)


def test_the_same_seed_writes_identical_files(tmp_path):
    generate(tmp_path / "a", CONFIG)
    generate(tmp_path / "b", CONFIG)
    for kind in KINDS:
        assert (tmp_path / "a" / f"{kind}.jsonl").read_bytes() == (
            tmp_path / "b" / f"{kind}.jsonl"
        ).read_bytes()


def test_another_seed_writes_other_data(tmp_path):
    generate(tmp_path / "a", CONFIG)
    generate(tmp_path / "b", GeneratorConfig(**{**CONFIG.__dict__, "seed": 12}))
    assert (tmp_path / "a" / "events.jsonl").read_bytes() != (
        tmp_path / "b" / "events.jsonl"
    ).read_bytes()


def test_the_funnel_has_plausible_rates(tmp_path):
    counts = generate(tmp_path, CONFIG)
    assert counts["events"] > 5 * 2 * 150
    events = [
        validate_line("events", line.rstrip(b"\n"))
        for line in (tmp_path / "events.jsonl").open("rb")
    ]
    names = [e[3] for e in events if not isinstance(e, Rejection)]
    visitors = names.count("visitor")
    assert names.count("popup_displayed") < visitors
    assert 0 < names.count("convo_started") < names.count("bot_open")
    assert 0 < names.count("purchase") < names.count("convo_started") * 5


def test_records_stay_within_the_days_and_now(tmp_path):
    generate(tmp_path, CONFIG)
    for line in (tmp_path / "messages.jsonl").open("rb"):
        result = validate_line("messages", line.rstrip(b"\n"))
        if not isinstance(result, Rejection):
            assert "2026-02-19" <= result[4].date().isoformat() <= "2026-02-24"
    # Nothing after `now` (a click-through after a chat still going on came 40 minutes late).
    moments = {"events": 2, "messages": 4, "conversations": 3, "analyses": 2}
    for kind, position in moments.items():
        for line in (tmp_path / f"{kind}.jsonl").open("rb"):
            result = validate_line(kind, line.rstrip(b"\n"))
            if not isinstance(result, Rejection):
                assert result[position].isoformat() <= "2026-02-24T12:00:00+00:00", kind


def test_several_currencies_and_ab_groups_appear(tmp_path):
    generate(tmp_path, GeneratorConfig(**{**CONFIG.__dict__, "chatbots": 4}))
    currencies, last_chars = set(), set()
    for line in (tmp_path / "events.jsonl").open("rb"):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        data = record.get("data") if isinstance(record, dict) else None
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            currencies |= {
                str(item.get("currency")).upper()
                for item in data["items"]
                if isinstance(item, dict)
            }
        if isinstance(record, dict) and isinstance(record.get("token"), str):
            last_chars.add(record["token"][-1])
    assert len(currencies) >= 3
    assert {"0", "1"} <= last_chars and len(last_chars) > 2
