"""Every mart of the warehouse, declared once.

A `MartGroup` is what one transaction refreshes, and so one Dagster step: a group of marts that
must commit together (purchases, conversations), or one mart alone. Everything else is derived
from this list: the asset definitions and their checks (pipelines/assets.py), the transforms'
tables, what is stale (pipelines/staleness.py), the jobs, `analytics refresh --full`, and the
mart table of docs/warehouse.md (`markdown_table`, compared by a test). A test fails when a
table or view of `marts` is not declared here, or the other way round.

Two kinds of group:
- merged: "as of now" state, merged from the loads new to the group (its watermark is named
  after the group);
- daily: per-day facts partitioned by UTC day, a range of days rebuilt from raw at once; the
  loads of `source_kind` make a day stale.
"""

from collections.abc import Callable
from dataclasses import dataclass

from warehouse import transforms

OWNER = "team:analytics"

RAW_EVENTS = "raw_events"
RAW_MESSAGES = "raw_messages"
RAW_CONVERSATIONS = "raw_conversations"
RAW_ANALYSES = "raw_analyses"
RAW_CHATBOTS = "raw_chatbots"
CURRENCY_RATES = "currency_rates"
# What changes in each raw asset: the kind of its loads (raw.loads.kind), or an edited rate.
SOURCE_KINDS = {
    RAW_EVENTS: "events",
    RAW_MESSAGES: "messages",
    RAW_CONVERSATIONS: "conversations",
    RAW_ANALYSES: "analyses",
    RAW_CHATBOTS: "chatbots",
    CURRENCY_RATES: "rates",
}


@dataclass(frozen=True)
class Mart:
    """A table of `marts`: `grain` says what a row is, `key` is its primary key."""

    table: str
    grain: str
    key: tuple[str, ...]
    deps: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class View:
    """A view of `marts` over the marts (no step of its own: always as fresh as they are)."""

    name: str
    over: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class MartGroup:
    """Marts refreshed in one transaction by `refresh`, with the SQL files it runs. `checks`
    name the checks (pipelines/checks.py) evaluated after the transaction committed."""

    name: str
    dagster_group: str
    marts: tuple[Mart, ...]
    sql: tuple[str, ...]
    refresh: Callable
    source_kind: str | None = None
    checks: tuple[str, ...] = ()
    owner: str = OWNER

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(mart.table for mart in self.marts)

    @property
    def daily(self) -> bool:
        return self.source_kind is not None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of raw change its marts read directly."""
        deps = {dep for mart in self.marts for dep in mart.deps}
        return tuple(kind for raw, kind in SOURCE_KINDS.items() if raw in deps)


def _merged(name: str, dagster_group: str, grain: str, key, deps, description: str, **more):
    """A group of one merged mart, refreshed by its own SQL file (sql/marts/<name>.sql)."""
    mart = Mart(name, grain, tuple(key), tuple(deps), description)
    return MartGroup(name, dagster_group, (mart,), (name,), transforms.refresh_simple, **more)


def _daily(name: str, source_kind: str, grain: str, key, description: str) -> MartGroup:
    source = RAW_EVENTS if source_kind == "events" else RAW_MESSAGES
    mart = Mart(name, grain, tuple(key), (source,), description)
    return MartGroup(
        name, "daily_facts", (mart,), (name,), transforms.rebuild_days, source_kind=source_kind
    )


PURCHASES = MartGroup(
    "purchases",
    "purchases",
    (
        Mart(
            "orders",
            "counted purchase",
            ("chatbot_id", "order_key"),
            (RAW_EVENTS, CURRENCY_RATES),
            "The earliest purchase event per order key over all history, its EUR value or null.",
        ),
        Mart(
            "users",
            "(chatbot, user token)",
            ("token", "chatbot_id"),  # the token first: see migration 0014
            (RAW_EVENTS, "orders"),
            "Latest visit / popup / open / chat days, first chat, latest counted purchase.",
        ),
        Mart(
            "funnel_days",
            "(chatbot, entry day, A/B group)",
            ("chatbot_id", "day", "ab_group"),
            ("users", "orders"),
            "Users and counted purchases on their entry day: engagement and purchases answers "
            "are its suffix sums. Not per-day counts (an order counts on its entry day).",
        ),
        Mart(
            "visitor_days",
            "(chatbot, UTC date)",
            ("chatbot_id", "day"),
            (RAW_EVENTS, "users", "orders"),
            "That date's distinct visitors, their funnel steps, purchasers and counted orders "
            "and revenue: **the table for per-day questions** (the daily endpoint).",
        ),
    ),
    (
        "purchases_batch",
        "visitor_days_batch",
        "affected_orders",
        "funnel_days",
        "orders",
        "changed_users",
        "users",
        "visitor_days",
        "visitor_days_span",
    ),
    transforms.refresh_purchases,
    checks=("orders_counted_once", "orders_with_unknown_value"),
)

CONVERSATIONS = MartGroup(
    "conversations",
    "conversations",
    (
        Mart(
            "conversations",
            "conversation",
            ("chatbot_id", "conversation_id"),
            (RAW_MESSAGES, RAW_CONVERSATIONS),
            "First and last message, message counts, user token from its latest record.",
        ),
        Mart(
            "conversation_days",
            "(chatbot, day of last message)",
            ("chatbot_id", "day"),
            ("conversations",),
            "Conversations and their capped durations; the overview sums its suffixes.",
        ),
        Mart(
            "conversation_activity_days",
            "(chatbot, UTC date)",
            ("chatbot_id", "day"),
            (RAW_MESSAGES, "conversations"),
            "Conversations active that date and their capped durations: per-day answers.",
        ),
    ),
    ("conversations_batch", "conversation_days", "conversations", "conversation_activity_days"),
    transforms.refresh_conversations,
)

GROUPS: tuple[MartGroup, ...] = (
    # The longest first: purchases takes as long as the other merged groups together.
    PURCHASES,
    CONVERSATIONS,
    _merged(
        "conversation_analyses",
        "conversations",
        "analysed conversation",
        ("chatbot_id", "conversation_id"),
        (RAW_ANALYSES,),
        "Its winning analysis: the newest analyzed_at, ties the latest loaded.",
    ),
    _merged(
        "conversation_clicks",
        "conversations",
        "(chatbot, conversation, url)",
        ("chatbot_id", "conversation_id", "url"),
        (RAW_EVENTS,),
        "click_through events naming a conversation.",
    ),
    _merged(
        "conversation_reactions",
        "conversations",
        "conversation named by like / dislike events",
        ("chatbot_id", "conversation_id"),
        (RAW_EVENTS,),
        "Likes and dislikes per conversation.",
    ),
    _merged(
        "chatbots",
        "accounts",
        "chatbot",
        ("chatbot_id",),
        (RAW_CHATBOTS,),
        "Its latest loaded record: account, A/B switch, the origins the collector accepts.",
    ),
    _merged(
        "chatbot_freshness",
        "accounts",
        "chatbot",
        ("chatbot_id",),
        # After the other merged groups: the instant moves only once they hold the records it
        # names (its batch ends at their smallest watermark, `waits_for`).
        (
            RAW_EVENTS,
            RAW_MESSAGES,
            RAW_CONVERSATIONS,
            RAW_ANALYSES,
            "orders",
            "conversations",
            "conversation_analyses",
            "conversation_clicks",
            "conversation_reactions",
            "chatbots",
        ),
        "The newest record instant the marts reflect (the X-Data-As-Of header).",
        checks=("last_load_quarantine_share",),
    ),
    _daily(
        "popup_days",
        "events",
        "(chatbot, UTC day, popup version)",
        ("chatbot_id", "day", "popup_version"),
        "Popup displays and opens.",
    ),
    _daily(
        "convo_start_days",
        "events",
        "(chatbot, UTC day, open_way)",
        ("chatbot_id", "day", "open_way"),
        "Conversations started.",
    ),
    _daily(
        "message_days",
        "messages",
        "(chatbot, UTC day)",
        ("chatbot_id", "day"),
        "Messages and AI messages.",
    ),
)

VIEWS: tuple[View, ...] = (
    View(
        "counted_purchases",
        ("orders", "users"),
        "Each counted purchase with its A/B group and whether it came after the first chat.",
    ),
    View(
        "order_items",
        ("orders",),
        "One row per item of a counted order, with its currency, value, quantity and EUR "
        "value: revenue by currency is a plain GROUP BY.",
    ),
)

MERGED = tuple(group for group in GROUPS if not group.daily)
DAILY = tuple(group for group in GROUPS if group.daily)
MART_TABLES = tuple(table for group in GROUPS for table in group.tables)


def group_of(table: str) -> MartGroup:
    return next(group for group in GROUPS if table in group.tables)


def waits_for(group: MartGroup) -> tuple[MartGroup, ...]:
    """The merged groups whose marts `group` depends on (what they merged bounds its batch)."""
    deps = {dep for mart in group.marts for dep in mart.deps}
    return tuple(
        other for other in MERGED if other is not group and deps.intersection(other.tables)
    )


def markdown_table() -> str:
    """The mart table of docs/warehouse.md (a test keeps the two the same)."""
    lines = [
        "| mart | one row per | key | what it holds | refreshed | Dagster step (SQL files) |",
        "|---|---|---|---|---|---|",
    ]
    for group in GROUPS:
        kind = f"days rebuilt ({group.source_kind} loads)" if group.daily else "merged"
        files = ", ".join(f"`{name}.sql`" for name in group.sql)
        for mart in group.marts:
            key = ", ".join(mart.key)
            lines.append(
                f"| `marts.{mart.table}` | {mart.grain} | `{key}` | {mart.description} | {kind} "
                f"| `{group.name}` ({files}) |"
            )
    for view in VIEWS:
        over = ", ".join(f"`marts.{name}`" for name in view.over)
        lines.append(
            f"| `marts.{view.name}` (view) | | | {view.description} | a view over {over} | |"
        )
    return "\n".join(lines)
