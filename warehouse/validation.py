"""Every input rule of SPEC sections 2, 3.1 and 8, in one place.

Each ``validate_<kind>`` takes one raw input line (bytes, newline stripped) and returns either
a tuple of column values for the kind's raw table (see ``warehouse.raw_tables``) or a
``Rejection`` naming the rule it broke. Nothing here touches the database.

Normalisations done here (and only here):
- timestamps: ISO 8601, a value without an offset is UTC; stored as aware datetimes;
- ``tracktrans`` is stored as ``purchase``;
- ``popup_version`` of popup events: trimmed, ``unknown`` when missing, blank or not a string;
- ``orderNum``: string or integer text, trimmed, empty means missing;
- items: normalised to ``{"value": "<decimal text>"|null, "quantity": int, "currency": "ABC"}``
  (``price`` read only when ``value`` is missing or null; currency upper-cased, default EUR);
- an event without ``event_id`` gets a deterministic hash of its canonical JSON;
- analyses: non-string list entries dropped, ``mood``/``outcome`` outside their sets become
  null, ``human_intervention_needed`` is true only when it is JSON ``true``;
- a chatbot's ``allowed_origins``: each origin lower-cased, its default port (80 for http,
  443 for https) left out, duplicates dropped, in the order given.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import orjson

MAX_LINE_BYTES = 50_000  # every kind (SPEC 3.1 and 8)
MAX_DEPTH = 64  # the record itself is level 1 (SPEC 8)
MAX_EVENT_ID_CHARS = 128
MAX_CHATBOT_ID_CHARS = 512
MAX_ORDER_NUM_CHARS = 512
MAX_URL_CHARS = 2_048
MAX_ITEMS = 50
MAX_ITEM_ID_CHARS = 128
MAX_ITEM_VALUE = 1_000_000_000
MAX_ITEM_QUANTITY = 1_000_000
# Not in the spec: ids of the other kinds are capped too, so a record can always be indexed.
MAX_ID_CHARS = 512

EVENT_TYPES = frozenset(
    {
        "visitor",
        "popup_displayed",
        "popup_opened",
        "bot_open",
        "convo_started",
        "message_sent",
        "message_like",
        "message_dislike",
        "click_through",
        "added_to_cart",
        "go_to_cart",
        "purchase",
        "error",
    }
)
EVENT_ALIASES = {"tracktrans": "purchase"}
# Every accepted event name to its stored type, the same str object each time (see
# _same_object).
_EVENT_NAMES = {name: name for name in EVENT_TYPES} | EVENT_ALIASES
POPUP_EVENTS = frozenset({"popup_displayed", "popup_opened"})
UNKNOWN_POPUP_VERSION = "unknown"
MESSAGE_ROLES = frozenset({"user", "assistant", "human"})
MOODS = frozenset({"happy", "angry", "neutral"})
OUTCOMES = frozenset({"success", "fail", "neutral"})
ANALYSIS_LISTS = ("products", "intents", "complaints", "missing_information")
DEFAULT_CURRENCY = "EUR"

_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")
# A \u0000 escape: preceded by an even number of backslashes (none included), so that the text
# \\u0000 (an escaped backslash, then "u0000") does not count.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# What nesting is measured on: strings (skipped whole) and brackets.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_CURRENCY = re.compile(r"[A-Za-z]{1,3}")
# An origin as browsers send it in the Origin header: scheme://host[:port], nothing after.
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)
MAX_ALLOWED_ORIGINS = 100
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a line was quarantined: a stable reason code and a human-readable detail."""

    reason: str
    detail: str = ""
    chatbot_id: str | None = None


class _Reject(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail


# --- shared field rules -------------------------------------------------------------------


def parse_timestamp(value: object) -> datetime:
    """ISO 8601 text to an aware UTC datetime; a value without an offset is UTC."""
    if not isinstance(value, str):
        raise ValueError("not a timestamp string")
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is UTC:  # "Z" or "+00:00": the usual case, nothing to convert
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _timestamp(record: dict, field: str) -> datetime:
    if record.get(field) is None:
        raise _Reject("missing_field", field)
    try:
        return parse_timestamp(record[field])
    except (ValueError, TypeError, OverflowError):
        raise _Reject("invalid_timestamp", f"{field}={record[field]!r:.80}") from None


def _required_string(record: dict, field: str) -> str:
    """A required string: present and non-empty after trimming, at most MAX_ID_CHARS long;
    the value is kept as given."""
    value = record.get(field)
    if value is None:
        raise _Reject("missing_field", field)
    if not isinstance(value, str) or not value.strip():
        raise _Reject("invalid_field", f"{field} must be a non-empty string")
    if len(value) > MAX_ID_CHARS:
        raise _Reject("invalid_field", f"{field} over {MAX_ID_CHARS} chars")
    return value


def _chatbot_id(container: dict) -> str:
    chatbot_id = container.get("chatbot_id")
    if not isinstance(chatbot_id, str) or not chatbot_id.strip():
        raise _Reject("invalid_chatbot_id", "chatbot_id must be a non-empty string")
    if len(chatbot_id) > MAX_CHATBOT_ID_CHARS:
        raise _Reject("invalid_chatbot_id", f"chatbot_id over {MAX_CHATBOT_ID_CHARS} chars")
    return _same_object(chatbot_id)


_SEEN_CHATBOT_IDS: dict[str, str] = {}
_MAX_SEEN_CHATBOT_IDS = 4096


def _same_object(chatbot_id: str) -> str:
    """The chatbot id as the str object returned for it before. A file's rows mostly share a
    few chatbot ids; as one object each, a chunk of rows pickles and unpickles each id once on
    its way from the validating process to the loading one, not once a row
    (docs/performance.md). Bounded: the ids come from the input."""
    if len(_SEEN_CHATBOT_IDS) >= _MAX_SEEN_CHATBOT_IDS:
        _SEEN_CHATBOT_IDS.clear()
    return _SEEN_CHATBOT_IDS.setdefault(chatbot_id, chatbot_id)


def _optional_string(value: object) -> str | None:
    """Strings count; anything else (including the empty string) counts as missing."""
    return value if isinstance(value, str) and value != "" else None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def canonical_json(record: dict) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def record_sha(record: dict) -> str:
    """Identity of a record's content: two records are identical when their canonical JSON is."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


# --- events -------------------------------------------------------------------------------


def event_identity(record: dict) -> str:
    """The event's ``event_id``, or ``h:<sha256>`` of its canonical JSON when it has none."""
    event_id = record.get("event_id")
    if event_id is None or (isinstance(event_id, str) and not event_id.strip()):
        content = {key: value for key, value in record.items() if key != "event_id"}
        return "h:" + record_sha(content)
    if not isinstance(event_id, str):
        raise _Reject("invalid_event_id", "event_id must be a string")
    if len(event_id) > MAX_EVENT_ID_CHARS:
        raise _Reject("invalid_event_id", f"event_id over {MAX_EVENT_ID_CHARS} chars")
    return event_id


def order_num(data: dict) -> str | None:
    """``orderNum``: a string or an integer as its decimal text, trimmed; empty is missing."""
    value = data.get("orderNum")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Reject("invalid_order_num", "orderNum must be a string or an integer")
    text = (value if isinstance(value, str) else str(value)).strip()
    if len(text) > MAX_ORDER_NUM_CHARS:
        raise _Reject("invalid_order_num", f"orderNum over {MAX_ORDER_NUM_CHARS} chars")
    return text or None


def _decimal_text(value: int | float) -> str:
    # repr() of a float is the shortest text that reads back to it: the number as written.
    return str(Decimal(repr(value))) if isinstance(value, float) else str(value)


def normalize_item(item: object) -> dict:
    if not isinstance(item, dict):
        raise _Reject("invalid_items", "items must be a list of objects")
    amount = item.get("value")
    amount_field = "value"
    if amount is None:
        amount, amount_field = item.get("price"), "price"
    if amount is not None and (not _is_number(amount) or amount < 0):
        raise _Reject("invalid_item_value", f"{amount_field} must be a number >= 0")
    if amount is not None and amount > MAX_ITEM_VALUE:
        raise _Reject("invalid_item_value", f"{amount_field} above {MAX_ITEM_VALUE:,}")
    quantity = item.get("quantity")
    if quantity is None:
        quantity = 1
    elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise _Reject("invalid_item_quantity", "quantity must be an integer >= 1")
    elif quantity > MAX_ITEM_QUANTITY:
        raise _Reject("invalid_item_quantity", f"quantity above {MAX_ITEM_QUANTITY:,}")
    currency = item.get("currency")
    if currency is None:
        currency = DEFAULT_CURRENCY
    elif not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise _Reject("invalid_item_currency", "currency must be 1 to 3 letters")
    item_id = item.get("item_id")
    if item_id is None:
        item_id = item.get("id")
    if item_id is not None:
        if isinstance(item_id, bool) or not isinstance(item_id, str | int | float):
            raise _Reject("invalid_item_id", "item id must be a string or a number")
        if len(str(item_id)) > MAX_ITEM_ID_CHARS:
            raise _Reject("invalid_item_id", f"item id over {MAX_ITEM_ID_CHARS} chars")
    return {
        "value": None if amount is None else _decimal_text(amount),
        "quantity": quantity,
        "currency": currency.upper(),
    }


def normalize_items(data: dict) -> list[dict] | None:
    """Items in their stored shape, or None when the event carries none."""
    items = data.get("items")
    if items is None:
        return None
    if not isinstance(items, list):
        raise _Reject("invalid_items", "items must be a list of objects")
    if len(items) > MAX_ITEMS:
        raise _Reject("invalid_items", f"more than {MAX_ITEMS} items")
    return [normalize_item(item) for item in items]


def popup_version(data: dict) -> str:
    value = data.get("popup_version")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return UNKNOWN_POPUP_VERSION


def _event(record: dict) -> tuple:
    event = record.get("event")
    if event is None:
        raise _Reject("missing_field", "event")
    event = _EVENT_NAMES.get(event) if isinstance(event, str) else None
    if event is None:
        raise _Reject("unknown_event_type", f"event={record.get('event')!r:.60}")
    token = record.get("token")
    if token is None:
        raise _Reject("missing_field", "token")
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise _Reject("invalid_token", "token must be 8 to 128 chars of [A-Za-z0-9_-]")
    created_at = _timestamp(record, "created_at")
    data = record.get("data")
    if not isinstance(data, dict):
        raise _Reject("invalid_data", "data missing or not an object")
    chatbot_id = _chatbot_id(data)
    event_id = event_identity(record)
    url = data.get("url")
    if isinstance(url, str) and len(url) > MAX_URL_CHARS:
        raise _Reject("invalid_url", f"url over {MAX_URL_CHARS} chars")
    items = normalize_items(data)
    return (
        chatbot_id,
        event_id,
        created_at,
        event,
        token,
        record.get("ab_test") is True,
        popup_version(data) if event in POPUP_EVENTS else None,
        _optional_string(data.get("open_way")) if event == "convo_started" else None,
        order_num(data),
        _optional_string(data.get("conversation_id")),
        url if isinstance(url, str) else None,
        None if items is None else orjson.dumps(items).decode(),
    )


# --- the other kinds ----------------------------------------------------------------------


def _message(record: dict) -> tuple:
    message_id = _required_string(record, "message_id")
    conversation_id = _required_string(record, "conversation_id")
    chatbot_id = _chatbot_id(record)
    role = record.get("role")
    if role not in MESSAGE_ROLES:
        raise _Reject("invalid_role", f"role={role!r:.60}")
    created_at = _timestamp(record, "created_at")
    return (chatbot_id, message_id, conversation_id, role, created_at)


def _conversation(record: dict) -> tuple:
    conversation_id = _required_string(record, "conversation_id")
    chatbot_id = _chatbot_id(record)
    user_token = _required_string(record, "user_token")
    started_at = _timestamp(record, "started_at")
    return (chatbot_id, conversation_id, user_token, started_at, record_sha(record))


def string_entries(value: object) -> list[str]:
    """An analysis list: its string entries; a missing or non-list value is empty."""
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []


def _analysis(record: dict) -> tuple:
    conversation_id = _required_string(record, "conversation_id")
    chatbot_id = _chatbot_id(record)
    analyzed_at = _timestamp(record, "analyzed_at")
    mood = record.get("mood")
    outcome = record.get("outcome")
    lists = [orjson.dumps(string_entries(record.get(name))).decode() for name in ANALYSIS_LISTS]
    return (
        chatbot_id,
        conversation_id,
        analyzed_at,
        *lists,
        mood if mood in MOODS else None,
        outcome if outcome in OUTCOMES else None,
        record.get("human_intervention_needed") is True,
        record_sha(record),
    )


def _chatbot(record: dict) -> tuple:
    chatbot_id = _chatbot_id(record)
    account_id = _required_string(record, "account_id")
    enabled = record.get("ab_test_enabled")
    if enabled is None:
        enabled = False
    elif not isinstance(enabled, bool):
        raise _Reject("invalid_ab_test_enabled", "ab_test_enabled must be a boolean")
    name = record.get("name")
    return (
        chatbot_id,
        account_id,
        name if isinstance(name, str) else None,
        enabled,
        record_sha(record),
        allowed_origins(record.get("allowed_origins")),
    )


def normalize_origin(value: object) -> str | None:
    """An origin in the one form it is stored and compared in; None when it is not one."""
    match = _ORIGIN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    scheme, host, port = match["scheme"].lower(), match["host"].lower(), match["port"]
    if port is not None:
        number = int(port)
        if not 1 <= number <= 65_535:
            return None
        if number != _DEFAULT_PORTS[scheme]:
            return f"{scheme}://{host}:{number}"
    return f"{scheme}://{host}"


def allowed_origins(value: object) -> list[str] | None:
    """A chatbot record's `allowed_origins`: missing or null, any origin (None); else a list
    of at most MAX_ALLOWED_ORIGINS origins (an empty list: none)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_ALLOWED_ORIGINS:
        raise _Reject(
            "invalid_allowed_origins",
            f"allowed_origins must be a list of at most {MAX_ALLOWED_ORIGINS} origins",
        )
    origins = []
    for entry in value:
        origin = normalize_origin(entry)
        if origin is None:
            raise _Reject(
                "invalid_allowed_origins", f"not an origin (scheme://host[:port]): {entry!r:.80}"
            )
        if origin not in origins:
            origins.append(origin)
    return origins


# --- line-level entry point ---------------------------------------------------------------

_VALIDATORS: dict[str, Callable[[dict], tuple]] = {
    "events": _event,
    "messages": _message,
    "conversations": _conversation,
    "analyses": _analysis,
    "chatbots": _chatbot,
}
KINDS = tuple(_VALIDATORS)


def _best_effort_chatbot_id(record: dict) -> str | None:
    for container in (record, record.get("data")):
        if isinstance(container, dict) and isinstance(container.get("chatbot_id"), str):
            return container["chatbot_id"][:MAX_CHATBOT_ID_CHARS]
    return None


def nested_too_deep(line: bytes) -> bool:
    """Whether the JSON text nests arrays and objects deeper than MAX_DEPTH levels (the record
    itself is level 1), brackets inside strings not counted."""
    if line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
        return False  # too few brackets to be deeper, wherever they are
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(line):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _has_nul(line: bytes) -> bool:
    return b"\\u0000" in line and _NUL_ESCAPE.search(line) is not None


def validate_line(kind: str, line: bytes) -> tuple | Rejection:
    """Validate one input line of ``kind``: its raw-table values, or why it is rejected. Never
    raises: a line that breaks the validation itself is quarantined as ``unexpected_error``."""
    try:
        return _validate(kind, line)
    except Exception as error:  # noqa: BLE001 - one line must never fail a whole file
        return Rejection("unexpected_error", f"{type(error).__name__}: {error}"[:200])


def _validate(kind: str, line: bytes) -> tuple | Rejection:
    if len(line) > MAX_LINE_BYTES:
        return Rejection("record_too_large", f"{len(line)} bytes > {MAX_LINE_BYTES}")
    if _has_nul(line):
        # PostgreSQL text cannot hold NUL; such a record could never be stored faithfully.
        return Rejection("nul_character", "the record contains \\u0000")
    if nested_too_deep(line):
        return Rejection("malformed_json", f"nested deeper than {MAX_DEPTH} levels")
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return Rejection("malformed_json", str(error)[:200])
    if not isinstance(record, dict):
        return Rejection("not_an_object", f"a JSON {type(record).__name__}, not an object")
    try:
        return _VALIDATORS[kind](record)
    except _Reject as rejected:
        return Rejection(rejected.reason, rejected.detail, _best_effort_chatbot_id(record))
