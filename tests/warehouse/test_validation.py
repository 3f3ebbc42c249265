"""One test per input rule of SPEC 2, 3.1 and 8 (warehouse.validation)."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from warehouse.raw_tables import RAW_TABLES
from warehouse.validation import Rejection, validate_line

CHATBOT = "550e8400-e29b-41d4-a716-446655440000"


def event(**changes) -> dict:
    record = {
        "event_id": "e-1",
        "created_at": "2026-02-20T10:15:00Z",
        "event": "purchase",
        "token": "user_abc123def456",
        "ab_test": True,
        "data": {
            "chatbot_id": CHATBOT,
            "orderNum": "ORD-1",
            "items": [{"item_id": "SKU-1", "value": 49.99, "quantity": 2, "currency": "EUR"}],
        },
    }
    data = changes.pop("data", {})
    record.update(changes)
    record["data"] = {**record["data"], **data}
    return record


def check(kind: str, record: object) -> tuple | Rejection:
    line = record if isinstance(record, bytes) else json.dumps(record).encode()
    return validate_line(kind, line)


def column(kind: str, result: tuple, name: str):
    assert isinstance(result, tuple), result
    return result[RAW_TABLES[kind].columns.index(name)]


def rejected(kind: str, record: object) -> str:
    result = check(kind, record)
    assert isinstance(result, Rejection), result
    return result.reason


# --- events: the whole record --------------------------------------------------------------


def test_a_valid_event_is_accepted_with_its_columns():
    result = check("events", event())
    assert column("events", result, "chatbot_id") == CHATBOT
    assert column("events", result, "created_at") == datetime(2026, 2, 20, 10, 15, tzinfo=UTC)
    assert column("events", result, "order_num") == "ORD-1"
    assert json.loads(column("events", result, "items")) == [
        {"value": "49.99", "quantity": 2, "currency": "EUR"}
    ]


def test_a_line_over_50000_bytes_is_quarantined():
    line = json.dumps(event(data={"note": "x" * 50_000})).encode()
    assert validate_line("events", line).reason == "record_too_large"


def test_the_size_limit_is_on_the_raw_line_in_bytes():
    base = json.dumps(event(data={"note": ""})).encode()
    fits = json.dumps(event(data={"note": "x" * (50_000 - len(base))})).encode()
    assert len(fits) == 50_000 and isinstance(validate_line("events", fits), tuple)


@pytest.mark.parametrize("line", [b'{"event": "visitor"', b"not json", b"\xff\xfe{}"])
def test_a_line_that_is_not_json_is_quarantined(line):
    assert validate_line("events", line).reason == "malformed_json"


@pytest.mark.parametrize("line", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_a_json_value_that_is_not_an_object_is_quarantined(line):
    assert validate_line("events", line).reason == "not_an_object"


def test_a_record_with_a_nul_character_is_quarantined():
    assert rejected("events", event(token="user_\u0000abcdef")) == "nul_character"


def test_unknown_extra_fields_are_kept_and_ignored():
    assert isinstance(check("events", event(extra={"a": 1}, data={"more": [1]})), tuple)


# --- events: fields ------------------------------------------------------------------------


def test_event_id_is_the_identity():
    assert column("events", check("events", event(event_id="abc")), "event_id") == "abc"


@pytest.mark.parametrize("missing", [{"event_id": None}, {"event_id": ""}, {}])
def test_a_missing_null_or_empty_event_id_means_the_hash_identity(missing):
    record = event(**missing) if missing else {k: v for k, v in event().items() if k != "event_id"}
    identity = column("events", check("events", record), "event_id")
    assert identity.startswith("h:")
    again = column("events", check("events", dict(reversed(list(record.items())))), "event_id")
    assert identity == again  # canonical JSON: key order does not matter


def test_the_hash_identity_is_the_same_for_missing_null_and_empty_ids():
    without = {k: v for k, v in event().items() if k != "event_id"}
    ids = {
        column("events", check("events", r), "event_id")
        for r in (without, event(event_id=None), event(event_id=""))
    }
    assert len(ids) == 1


def test_an_event_id_over_128_chars_is_quarantined():
    assert rejected("events", event(event_id="e" * 129)) == "invalid_event_id"
    assert isinstance(check("events", event(event_id="e" * 128)), tuple)


def test_an_event_id_that_is_not_a_string_is_quarantined():
    assert rejected("events", event(event_id=12)) == "invalid_event_id"


def test_created_at_is_required():
    record = event()
    del record["created_at"]
    assert rejected("events", record) == "missing_field"


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", 1700000000, ""])
def test_an_unparsable_timestamp_is_quarantined(value):
    assert rejected("events", event(created_at=value)) == "invalid_timestamp"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-20T10:15:00Z", datetime(2026, 2, 20, 10, 15, tzinfo=UTC)),
        ("2026-02-20T10:15:00", datetime(2026, 2, 20, 10, 15, tzinfo=UTC)),
        ("2026-02-21T00:30:00+01:00", datetime(2026, 2, 20, 23, 30, tzinfo=UTC)),
        ("2026-02-20T10:15:00.123Z", datetime(2026, 2, 20, 10, 15, 0, 123000, tzinfo=UTC)),
    ],
)
def test_timestamps_are_iso_8601_and_without_offset_utc(text, expected):
    assert column("events", check("events", event(created_at=text)), "created_at") == expected


@pytest.mark.parametrize("name", ["page_view", "Purchase", " visitor", None, 3, ["visitor"], {}])
def test_an_unknown_event_type_is_quarantined(name):
    record = event(event=name)
    assert rejected("events", record) in {"unknown_event_type", "missing_field"}


def test_tracktrans_is_stored_as_purchase():
    assert column("events", check("events", event(event="tracktrans")), "event") == "purchase"


def test_rows_of_one_chatbot_share_their_repeated_strings():
    # One object per chatbot id and event type: a chunk pickles each once (docs/performance.md).
    first, second = check("events", event()), check("events", event())
    for name in ("chatbot_id", "event"):
        assert column("events", first, name) is column("events", second, name)


@pytest.mark.parametrize("token", ["short", "x" * 129, "has space1", "bad!token", 12345678])
def test_a_token_outside_8_to_128_allowed_chars_is_quarantined(token):
    assert rejected("events", event(token=token)) == "invalid_token"


@pytest.mark.parametrize("token", ["abcdefgh", "A-b_9" * 25 + "xyz"])
def test_tokens_of_8_to_128_allowed_chars_are_accepted(token):
    assert column("events", check("events", event(token=token)), "token") == token


@pytest.mark.parametrize("data", [None, "text", [1]])
def test_data_missing_or_not_an_object_is_quarantined(data):
    assert rejected("events", {**event(), "data": data}) == "invalid_data"


@pytest.mark.parametrize("chatbot_id", [None, "", "   ", 5, "c" * 513])
def test_chatbot_id_must_be_a_non_empty_string_of_at_most_512_chars(chatbot_id):
    record = event()
    record["data"]["chatbot_id"] = chatbot_id
    assert rejected("events", record) == "invalid_chatbot_id"


def test_required_strings_keep_their_value_as_given():
    record = event()
    record["data"]["chatbot_id"] = " bot-1 "
    assert column("events", check("events", record), "chatbot_id") == " bot-1 "


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v2", "v2"),
        (" V2 ", "V2"),
        ("", "unknown"),
        ("  ", "unknown"),
        (None, "unknown"),
        (7, "unknown"),
    ],
)
def test_popup_version_is_trimmed_and_unknown_when_missing_blank_or_not_a_string(version, expected):
    record = event(event="popup_displayed", data={"popup_version": version})
    assert column("events", check("events", record), "popup_version") == expected


def test_popup_version_of_a_missing_key_is_unknown():
    record = event(event="popup_opened")
    assert column("events", check("events", record), "popup_version") == "unknown"


@pytest.mark.parametrize(
    ("open_way", "expected"),
    [("popup", "popup"), ("contact_form", "contact_form"), (None, None), (3, None)],
)
def test_open_way_is_kept_as_given_for_convo_started(open_way, expected):
    record = event(event="convo_started", data={"open_way": open_way})
    assert column("events", check("events", record), "open_way") == expected


def test_conversation_id_that_is_not_a_string_counts_as_missing():
    record = event(event="click_through", data={"conversation_id": 77})
    assert column("events", check("events", record), "conversation_id") is None


def test_a_url_over_2048_chars_is_quarantined():
    assert rejected("events", event(data={"url": "u" * 2049})) == "invalid_url"


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), ("yes", False), (None, False)]
)
def test_ab_test_is_a_boolean_defaulting_to_false(value, expected):
    assert column("events", check("events", event(ab_test=value)), "ab_test") is expected


# --- events: orderNum ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("  ORD-9 ", "ORD-9"), (1234, "1234"), ("   ", None), ("", None)]
)
def test_order_num_is_trimmed_text_or_integer_and_empty_means_missing(value, expected):
    assert (
        column("events", check("events", event(data={"orderNum": value})), "order_num") == expected
    )


@pytest.mark.parametrize("value", [12.5, True, ["a"], {"a": 1}, "o" * 513])
def test_an_invalid_order_num_is_quarantined_on_any_event(value):
    assert (
        rejected("events", event(event="visitor", data={"orderNum": value})) == "invalid_order_num"
    )


# --- events: items ------------------------------------------------------------------------


def items_of(*items, **data) -> list[dict] | None:
    result = check("events", event(data={"items": list(items), **data}))
    raw = column("events", result, "items")
    return None if raw is None else json.loads(raw)


def test_value_times_quantity_keeps_the_number_as_written():
    assert items_of({"value": 0.1, "quantity": 3})[0]["value"] == "0.1"
    assert Decimal(items_of({"value": 19.99})[0]["value"]) == Decimal("19.99")


def test_price_is_read_only_when_value_is_missing_or_null():
    assert items_of({"price": 5})[0]["value"] == "5"
    assert items_of({"value": None, "price": 5})[0]["value"] == "5"
    assert items_of({"value": 7, "price": "garbage"})[0]["value"] == "7"


def test_a_missing_value_and_price_makes_the_value_unknown():
    assert items_of({"item_id": "A"})[0]["value"] is None


@pytest.mark.parametrize("value", ["10", -1, True, [1]])
def test_a_value_that_is_not_a_number_or_negative_is_quarantined(value):
    assert rejected("events", event(data={"items": [{"value": value}]})) == "invalid_item_value"


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True])
def test_a_quantity_not_an_integer_of_at_least_1_is_quarantined(quantity):
    record = event(data={"items": [{"value": 1, "quantity": quantity}]})
    assert rejected("events", record) == "invalid_item_quantity"


def test_quantity_defaults_to_1():
    assert items_of({"value": 1})[0]["quantity"] == 1


@pytest.mark.parametrize(
    ("currency", "expected"), [("eur", "EUR"), ("Usd", "USD"), (None, "EUR"), ("XYZ", "XYZ")]
)
def test_currency_is_case_insensitive_defaulting_to_eur(currency, expected):
    assert items_of({"value": 1, "currency": currency})[0]["currency"] == expected


@pytest.mark.parametrize("currency", ["EURO", "", "E1", 978])
def test_a_currency_that_is_not_1_to_3_letters_is_quarantined(currency):
    record = event(data={"items": [{"value": 1, "currency": currency}]})
    assert rejected("events", record) == "invalid_item_currency"


@pytest.mark.parametrize("item_id", ["x" * 129, True, ["a"]])
def test_an_invalid_item_id_is_quarantined(item_id):
    assert (
        rejected("events", event(data={"items": [{"value": 1, "id": item_id}]}))
        == "invalid_item_id"
    )


def test_an_item_id_may_be_a_number():
    assert items_of({"value": 1, "item_id": 12345}) is not None


@pytest.mark.parametrize("items", ["SKU-1", {"a": 1}, [1, 2], [{"value": 1}, "x"]])
def test_items_that_are_not_a_list_of_objects_are_quarantined(items):
    assert rejected("events", event(data={"items": items})) == "invalid_items"


def test_more_than_50_items_are_quarantined():
    assert rejected("events", event(data={"items": [{"value": 1}] * 51})) == "invalid_items"
    assert len(items_of(*[{"value": 1}] * 50)) == 50


def test_no_items_key_stores_null_items():
    record = event()
    del record["data"]["items"]
    assert column("events", check("events", record), "items") is None


# --- messages, conversations, analyses, chatbots ------------------------------------------

MESSAGE = {
    "message_id": "m-1",
    "conversation_id": "c-1",
    "chatbot_id": CHATBOT,
    "role": "assistant",
    "created_at": "2026-02-20T10:15:00Z",
}
CONVERSATION = {
    "conversation_id": "c-1",
    "chatbot_id": CHATBOT,
    "user_token": "user_abc123def456",
    "started_at": "2026-02-20T10:00:00Z",
}
ANALYSIS = {
    "conversation_id": "c-1",
    "chatbot_id": CHATBOT,
    "analyzed_at": "2026-02-20T11:00:00Z",
    "products": ["A", 3, None],
    "mood": "happy",
    "outcome": "success",
}
CHATBOT_RECORD = {
    "chatbot_id": CHATBOT,
    "account_id": "acme",
    "name": "Acme",
    "ab_test_enabled": True,
}


@pytest.mark.parametrize("role", ["user", "assistant", "human"])
def test_message_roles_are_user_assistant_or_human(role):
    assert isinstance(check("messages", {**MESSAGE, "role": role}), tuple)


@pytest.mark.parametrize("role", ["system", "Assistant", None])
def test_a_message_role_outside_the_three_is_quarantined(role):
    assert rejected("messages", {**MESSAGE, "role": role}) == "invalid_role"


@pytest.mark.parametrize("field", ["message_id", "conversation_id", "created_at"])
def test_a_message_needs_all_its_fields(field):
    record = {k: v for k, v in MESSAGE.items() if k != field}
    assert rejected("messages", record) == "missing_field"


@pytest.mark.parametrize("field", ["conversation_id", "user_token", "started_at"])
def test_a_conversation_missing_any_of_its_four_fields_is_quarantined(field):
    record = {k: v for k, v in CONVERSATION.items() if k != field}
    assert rejected("conversations", record) == "missing_field"


def test_a_conversation_without_chatbot_id_is_quarantined():
    record = {k: v for k, v in CONVERSATION.items() if k != "chatbot_id"}
    assert rejected("conversations", record) == "invalid_chatbot_id"


def test_a_blank_required_string_is_quarantined():
    assert rejected("conversations", {**CONVERSATION, "user_token": "  "}) == "invalid_field"


def test_ids_over_512_chars_are_quarantined():
    assert rejected("messages", {**MESSAGE, "message_id": "m" * 513}) == "invalid_field"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"conversation_id": None}, "missing_field"),
        ({"chatbot_id": None}, "invalid_chatbot_id"),
        ({"analyzed_at": None}, "missing_field"),
        ({"analyzed_at": "soon"}, "invalid_timestamp"),
    ],
)
def test_an_analysis_needs_conversation_chatbot_and_a_parsable_analyzed_at(change, reason):
    assert rejected("analyses", {**ANALYSIS, **change}) == reason


def test_analysis_lists_keep_only_strings_and_may_be_missing():
    result = check("analyses", ANALYSIS)
    assert json.loads(column("analyses", result, "products")) == ["A"]
    assert json.loads(column("analyses", result, "intents")) == []


@pytest.mark.parametrize(
    ("mood", "expected"), [("happy", "happy"), ("Happy", None), ("bored", None), (None, None)]
)
def test_a_mood_outside_the_three_counts_as_no_value(mood, expected):
    assert column("analyses", check("analyses", {**ANALYSIS, "mood": mood}), "mood") == expected


@pytest.mark.parametrize(
    ("outcome", "expected"), [("fail", "fail"), ("FAIL", None), ("unknown", None)]
)
def test_an_outcome_outside_the_three_counts_as_no_value(outcome, expected):
    result = check("analyses", {**ANALYSIS, "outcome": outcome})
    assert column("analyses", result, "outcome") == expected


def test_human_intervention_needed_missing_means_false():
    result = check("analyses", ANALYSIS)
    assert column("analyses", result, "human_intervention_needed") is False


@pytest.mark.parametrize("field", ["chatbot_id", "account_id"])
def test_a_chatbot_needs_chatbot_id_and_account_id(field):
    record = {k: v for k, v in CHATBOT_RECORD.items() if k != field}
    assert rejected("chatbots", record) in {"missing_field", "invalid_chatbot_id"}


@pytest.mark.parametrize(("value", "expected"), [(None, False), (True, True), (False, False)])
def test_ab_test_enabled_missing_or_null_is_false(value, expected):
    result = check("chatbots", {**CHATBOT_RECORD, "ab_test_enabled": value})
    assert column("chatbots", result, "ab_test_enabled") is expected


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_a_non_boolean_ab_test_enabled_quarantines_the_chatbot(value):
    assert (
        rejected("chatbots", {**CHATBOT_RECORD, "ab_test_enabled": value})
        == "invalid_ab_test_enabled"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),  # missing or null: any origin
        ([], []),  # a list: only those, so none
        (["https://Shop.Example"], ["https://shop.example"]),
        (
            ["https://shop.example:443", "http://shop.example:80"],
            ["https://shop.example", "http://shop.example"],
        ),
        (
            ["http://localhost:8080", "http://127.0.0.1:3000"],
            ["http://localhost:8080", "http://127.0.0.1:3000"],
        ),
        (["https://[::1]:8443"], ["https://[::1]:8443"]),
        (["https://a.example", "https://A.example:443"], ["https://a.example"]),
    ],
)
def test_allowed_origins_are_kept_in_the_form_browsers_send(value, expected):
    record = {**CHATBOT_RECORD} if value is None else {**CHATBOT_RECORD, "allowed_origins": value}
    assert column("chatbots", check("chatbots", record), "allowed_origins") == expected


@pytest.mark.parametrize(
    "value",
    [
        "https://shop.example",  # not a list
        ["https://shop.example/"],  # a path
        ["https://shop.example/shop"],
        ["shop.example"],  # no scheme
        ["ftp://shop.example"],
        ["https://shop.example:0"],
        ["https://shop.example:65536"],
        ["https://user@shop.example"],
        ["https://shop.example?x=1"],
        ["*"],
        [42],
        ["https://shop.example"] * 101,
    ],
)
def test_invalid_allowed_origins_quarantine_the_chatbot(value):
    record = {**CHATBOT_RECORD, "allowed_origins": value}
    assert rejected("chatbots", record) == "invalid_allowed_origins"


def test_replaceable_records_carry_a_content_identity():
    first = column("conversations", check("conversations", CONVERSATION), "record_sha")
    same = column(
        "conversations",
        check("conversations", dict(reversed(list(CONVERSATION.items())))),
        "record_sha",
    )
    other = column(
        "conversations", check("conversations", {**CONVERSATION, "user_token": "x"}), "record_sha"
    )
    assert first == same != other


# --- SPEC 8: bounds under hostile input ----------------------------------------------------

A_MESSAGE = {
    "message_id": "m-1",
    "conversation_id": "c-1",
    "chatbot_id": CHATBOT,
    "role": "user",
    "created_at": "2026-02-20T10:15:00Z",
}
AN_ANALYSIS = {
    "conversation_id": "c-1",
    "chatbot_id": CHATBOT,
    "analyzed_at": "2026-02-20T10:15:00Z",
}
A_CONVERSATION = {
    "conversation_id": "c-1",
    "chatbot_id": CHATBOT,
    "user_token": "user_abc123def456",
    "started_at": "2026-02-20T10:15:00Z",
}
CHATBOT_RECORD = {"chatbot_id": CHATBOT, "account_id": "acme"}
RECORDS = {
    "events": event(),
    "messages": A_MESSAGE,
    "conversations": A_CONVERSATION,
    "analyses": AN_ANALYSIS,
    "chatbots": CHATBOT_RECORD,
}


@pytest.mark.parametrize("kind", list(RECORDS))
def test_a_line_over_50000_bytes_is_quarantined_for_every_kind(kind):
    assert rejected(kind, {**RECORDS[kind], "note": "x" * 50_000}) == "record_too_large"


def with_nested_field(kind: str, levels: int) -> bytes:
    """The kind's record with a field that makes it `levels` deep, written as text (Python's
    json cannot write it that deep); events without event_id (the hash identity dumps the
    whole record)."""
    record = {key: value for key, value in RECORDS[kind].items() if key != "event_id"}
    text = json.dumps(record)
    return (text[:-1] + ', "deep": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}").encode()


@pytest.mark.parametrize("kind", list(RECORDS))
@pytest.mark.parametrize("levels", [65, 255, 1024, 5000])
def test_a_record_nested_deeper_than_64_levels_is_malformed_json(kind, levels):
    assert rejected(kind, with_nested_field(kind, levels)) == "malformed_json"


@pytest.mark.parametrize("kind", list(RECORDS))
def test_a_record_64_levels_deep_is_fine_and_brackets_in_strings_do_not_count(kind):
    line = with_nested_field(kind, 64)
    assert isinstance(validate_line(kind, line), tuple)
    padded = line[:-1] + b', "text": "' + b'\\"[{' * 200 + b'"}'
    assert isinstance(validate_line(kind, padded), tuple)


@pytest.mark.parametrize(
    "line",
    [
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": "\xff"}',
        b'{"a": "\xed\xa0\x80"}',
        b'{"a": "\\ud800"}',
        b"\xef\xbb\xbf{}",
    ],
    ids=["nan", "infinity", "minus-infinity", "not-utf8", "surrogate", "escaped-surrogate", "bom"],
)
def test_what_is_not_json_text_is_malformed_json(line):
    assert validate_line("events", line).reason == "malformed_json"


def test_an_escaped_backslash_before_u0000_is_no_nul_character():
    record = event(data={"note": "C:\\u0000"})  # the text C:\u0000, no NUL in it
    assert "\\\\u0000" in json.dumps(record)
    assert isinstance(check("events", record), tuple)
    assert rejected("events", event(data={"note": "\\\u0000"})) == "nul_character"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"value": 1_000_000_000.01}, "invalid_item_value"),
        ({"value": 1e26}, "invalid_item_value"),
        ({"price": 1e10}, "invalid_item_value"),
        ({"value": 1, "quantity": 1_000_001}, "invalid_item_quantity"),
    ],
)
def test_item_values_and_quantities_over_their_bounds_are_quarantined(item, reason):
    assert rejected("events", event(data={"items": [item]})) == reason


def test_item_values_and_quantities_at_their_bounds_load():
    items = [{"value": 1_000_000_000, "quantity": 1_000_000}]
    assert isinstance(check("events", event(data={"items": items})), tuple)


def test_a_line_that_breaks_the_validation_itself_is_quarantined_not_raised(monkeypatch):
    from warehouse import validation

    def broken(record):
        raise RuntimeError("a bug")

    monkeypatch.setitem(validation._VALIDATORS, "messages", broken)
    result = check("messages", A_MESSAGE)
    assert isinstance(result, Rejection) and result.reason == "unexpected_error"
    assert "a bug" in result.detail
