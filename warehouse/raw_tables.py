"""Where each input kind lands in the `raw` schema: the columns `validation` fills, in order,
and the layout of a validated row on its way to the loader (`LoadRow`)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MICROSECONDS_A_DAY = 86_400_000_000


@dataclass(frozen=True)
class RawTable:
    kind: str
    columns: tuple[str, ...]  # the values `validation.validate_line` returns, in order
    # The record's one timestamptz column; its UTC day goes to raw.load_days (None: the record
    # has no time of its own and counts on the day it was loaded).
    day_column: str | None
    keeps_versions: bool  # replaceable records: every version kept, latest loaded wins
    identity: tuple[str, ...]  # what makes two records the same record (a unique index)

    @property
    def name(self) -> str:
        return self.kind

    @property
    def identity_positions(self) -> tuple[int, ...]:
        return tuple(self.columns.index(column) for column in self.identity)

    @property
    def day_position(self) -> int | None:
        return None if self.day_column is None else self.columns.index(self.day_column)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """The raw table's columns a loaded row fills, in the order the loader sends them."""
        extra = ("line_number",) if self.keeps_versions else ()
        return (*self.columns, "record", "load_id", *extra)


class LoadRow:
    """A validated line on its way from validation to the loader is a plain tuple:
    `(*RawTable.columns, record, line_number)`, its timestamps as whole microseconds since the
    Unix epoch. Plain tuples of cheap values, because a big file's rows cross a process
    boundary: pickling an aware datetime costs three times the rest of the row, and a
    NamedTuple per row doubles the cost of the whole trip (docs/performance.md). The positions
    are named here."""

    CHATBOT_ID = 0  # every raw table leads with it
    RECORD = -2  # the line's text, stored as the record
    LINE_NUMBER = -1  # also where the stored values end: row[:LINE_NUMBER]


def to_microseconds(moment: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch (exact)."""
    return (moment - UNIX_EPOCH) // MICROSECOND


RAW_TABLES = {
    table.kind: table
    for table in (
        RawTable(
            "events",
            (
                "chatbot_id",
                "event_id",
                "created_at",
                "event",
                "token",
                "ab_test",
                "popup_version",
                "open_way",
                "order_num",
                "conversation_id",
                "url",
                "items",
            ),
            "created_at",
            keeps_versions=False,
            identity=("chatbot_id", "event_id"),
        ),
        RawTable(
            "messages",
            ("chatbot_id", "message_id", "conversation_id", "role", "created_at"),
            "created_at",
            keeps_versions=False,
            identity=("chatbot_id", "message_id"),
        ),
        RawTable(
            "conversations",
            ("chatbot_id", "conversation_id", "user_token", "started_at", "record_sha"),
            "started_at",
            keeps_versions=True,
            identity=("chatbot_id", "conversation_id", "record_sha"),
        ),
        RawTable(
            "analyses",
            (
                "chatbot_id",
                "conversation_id",
                "analyzed_at",
                "products",
                "intents",
                "complaints",
                "missing_information",
                "mood",
                "outcome",
                "human_intervention_needed",
                "record_sha",
            ),
            "analyzed_at",
            keeps_versions=True,
            identity=("chatbot_id", "conversation_id", "record_sha"),
        ),
        RawTable(
            "chatbots",
            (
                "chatbot_id",
                "account_id",
                "name",
                "ab_test_enabled",
                "record_sha",
                "allowed_origins",
            ),
            None,  # a chatbot record has no time of its own
            keeps_versions=True,
            identity=("chatbot_id", "record_sha"),
        ),
    )
}
