"""From a request to the landing line: the body of SPEC 2.1 plus the collector's server fields,
one JSON line, validated by the loader's own rules (warehouse/validation.py), so that the
answer (202, or 422 with the quarantine reason) is what the loader will do with the line."""

import uuid
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import orjson

from warehouse.validation import Rejection, validate_line

MAX_BODY_BYTES = 50_000


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_event_id() -> str:
    return uuid.uuid4().hex


def record_line(body: bytes) -> tuple[bytes, dict | None]:
    """The line to keep for a request body, and the record when the body is a JSON object.
    `created_at` is the collector's clock; `event_id` the client's, or a new one. A body that is
    not JSON is kept as it came (its line breaks escaped, so it stays one line): the loader
    quarantines it, as the answer said."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.replace(b"\r", b"\\r").replace(b"\n", b"\\n"), None
    if not isinstance(value, dict):
        return orjson.dumps(value), None
    record = {**value, "created_at": now_text()}
    if record.get("event_id") in (None, ""):
        record["event_id"] = new_event_id()
    return orjson.dumps(record), record


def legacy_body(params) -> bytes:
    """The body a legacy GET (`?e=EVENT&u=TOKEN&d=URL-ENCODED-JSON-DATA`) stands for; `d` that
    is not JSON is kept as a string (the rules then reject it: data must be an object)."""
    body = {}
    if "e" in params:
        body["event"] = params["e"]
    if "u" in params:
        body["token"] = params["u"]
    if "d" in params:
        data = params["d"]
        try:
            body["data"] = orjson.loads(data)
        except orjson.JSONDecodeError:
            try:
                body["data"] = orjson.loads(unquote_plus(data))  # encoded twice
            except orjson.JSONDecodeError:
                body["data"] = data
    return orjson.dumps(body)


def chatbot_of(record: dict | None) -> str | None:
    data = record.get("data") if record else None
    chatbot_id = data.get("chatbot_id") if isinstance(data, dict) else None
    return chatbot_id if isinstance(chatbot_id, str) else None


def validate(line: bytes) -> Rejection | None:
    """None for a line the loader will load; else why it will quarantine it."""
    result = validate_line("events", line)
    return result if isinstance(result, Rejection) else None
