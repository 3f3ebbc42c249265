"""The ways the benchmark compares the API with: one SQL query per endpoint over the raw records
(`bench/sql/`), run (a) by PostgreSQL over `raw`, indexed as a competent engineer would, and
(b) by DuckDB over the same raw tables exported once to Parquet. Both return the API's JSON,
shaped by the same functions as the API (rounding and ranking live in one place)."""

import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from serving.queries.conversation_insights import insights_answer
from serving.queries.daily import daily_answer
from serving.queries.engagement import engagement_answer
from serving.queries.funnel import funnel_groups
from serving.queries.overview import overview_answer
from serving.queries.popup_metrics import popup_metrics_answer
from serving.queries.purchases import purchases_answer
from serving.timeframes import DayWindow

SQL_DIR = Path(__file__).resolve().parent / "sql"
BASE_URL = "https://app.selzee.com"

# The competent engineer's indexes for these queries (created in the benchmark's database only).
POSTGRES_INDEXES = (
    "create index if not exists bench_events_chatbot_event_time "
    "on raw.events (chatbot_id, event, created_at)",
    "create index if not exists bench_messages_chatbot_conversation "
    "on raw.messages (chatbot_id, conversation_id, created_at)",
    "create index if not exists bench_analyses_chatbot_conversation "
    "on raw.analyses (chatbot_id, conversation_id)",
    "create index if not exists bench_conversations_chatbot_conversation "
    "on raw.conversations (chatbot_id, conversation_id)",
    "analyze raw.events",
    "analyze raw.messages",
)

_ITEM_TYPE = '[{"value": "VARCHAR", "quantity": "BIGINT", "currency": "VARCHAR"}]'
FRAGMENTS: dict[str, dict[str, Callable[..., str]]] = {
    "postgres": {
        "micros": lambda a, b: f"cast(extract(epoch from ({b}) - ({a})) * 1000000 as bigint)",
        "item_rows": lambda orders: (
            f"select {orders}.event_id, cast(item ->> 'value' as numeric) as value, "
            f"cast(item ->> 'quantity' as numeric) as quantity, item ->> 'currency' as currency "
            f"from {orders} left join lateral jsonb_array_elements({orders}.items) as item on true"
        ),
    },
    "duckdb": {
        "micros": lambda a, b: f"(epoch_us({b}) - epoch_us({a}))",
        "item_rows": lambda orders: (
            f"select {orders}.event_id, cast(item.value as decimal(38, 12)) as value, "
            f"item.quantity as quantity, item.currency as currency from {orders} "
            f"left join lateral (select unnest(from_json({orders}.items, '{_ITEM_TYPE}')) "
            f"as item) as items on true"
        ),
    },
}
_FRAGMENT = re.compile(r"\{\{(\w+)\(([^)]*)\)\}\}")
_PARAMETER = re.compile(r"(?<!:):(?!:)([a-z_]+)\b")


def render(name: str, dialect: str) -> str:
    """bench/sql/<name>.sql with its fragments and parameters in the dialect's spelling."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    fragments = {
        **FRAGMENTS[dialect],
        "include": lambda part: (SQL_DIR / f"{part}.sql").read_text(),
    }
    while _FRAGMENT.search(text):  # an included part may hold fragments of its own
        text = _FRAGMENT.sub(
            lambda match: fragments[match.group(1)](*map(str.strip, match.group(2).split(","))),
            text,
        )
    spelling = "%({})s" if dialect == "postgres" else "${}"
    return _PARAMETER.sub(lambda match: spelling.format(match.group(1)), text)


class Baseline:
    """Runs the raw queries in one engine; `answer` returns (JSON answer, seconds)."""

    dialect = ""

    def __init__(self) -> None:
        self.sql = {
            name: render(name, self.dialect)
            for name in ("overview", "funnel", "popup_metrics", "daily", "conversation_insights")
        }

    def rows(self, name: str, params: dict) -> list[dict]:
        raise NotImplementedError

    def decode_list(self, value) -> list:
        return value

    def answer(
        self, endpoint: str, chatbot_id: str, window: DayWindow, now: datetime, ab_test: bool
    ) -> tuple[dict, float]:
        params = {
            "chatbot_id": chatbot_id,
            "start_date": window.start_date,
            "end_date": window.end_date,
        }
        started = time.perf_counter()
        if endpoint == "overview":
            row = self.rows("overview", params)[0]
            result = overview_answer(
                window,
                row["total_conversations"],
                Decimal(row["capped_micros"]) / 1_000_000,
                row["total_ai_messages"],
            )
        elif endpoint in ("engagement", "purchases"):
            groups = funnel_groups(self.rows("funnel", params))
            result = (
                engagement_answer(window, groups)
                if endpoint == "engagement"
                else purchases_answer(window, groups, ab_test)
            )
        elif endpoint == "daily":
            result = daily_answer(window, self._every_date(window, self.rows("daily", params)))
        elif endpoint == "popup-metrics":
            rows = self.rows("popup_metrics", params)
            buckets = {row["bucket"]: row for row in rows}
            sources = buckets.pop("~conversations"), buckets.pop("~total")
            versions = [
                (row["bucket"], row["displayed"], row["opened"])
                for row in rows
                if row["bucket"] in buckets
            ]
            result = popup_metrics_answer(
                window,
                versions,
                (sources[1]["displayed"], sources[0]["displayed"], sources[0]["opened"]),
            )
        else:
            start = now - (window.end_date - window.start_date)
            report = self.rows(
                "conversation_insights", {"chatbot_id": chatbot_id, "start": start, "now": now}
            )
            for row in report:
                for field in ("products", "intents", "complaints", "missing_information"):
                    row[field] = self.decode_list(row[field])
            clicks = [
                (row["conversation_id"], url, 1)
                for row in report
                for url in (row["clicked_urls"] or [])
            ]
            result = insights_answer(
                chatbot_id,
                BASE_URL,
                report,
                clicks,
                sum(row["likes"] for row in report),
                sum(row["dislikes"] for row in report),
            )
        seconds = time.perf_counter() - started
        return result.model_dump(mode="json", exclude_none=True), seconds

    @staticmethod
    def _every_date(window: DayWindow, rows: list[dict]) -> list[tuple]:
        """The rows of bench/sql/daily.sql for every date of the window, zeros where none."""
        by_day = {row["day"]: row for row in rows}
        days = []
        day = window.start_date
        while day <= window.end_date:
            row = by_day.get(day)
            if row is None:
                days.append((day, *[0] * 9, 0, 0, Decimal(0)))
            else:
                *counts, micros = list(row.values())[1:]
                days.append((day, *counts, Decimal(micros) / 1_000_000))
            day += timedelta(days=1)
        return days


class PostgresBaseline(Baseline):
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.conn = psycopg.connect(url, autocommit=True)
        for statement in POSTGRES_INDEXES:
            self.conn.execute(statement)

    def rows(self, name: str, params: dict) -> list[dict]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(self.sql[name], params).fetchall()

    def close(self) -> None:
        self.conn.close()


# What DuckDB gets: the raw columns the queries read (not the stored input lines), typed.
_TEXT, _TIME, _INT = "VARCHAR", "TIMESTAMPTZ", "BIGINT"
EXPORTS: dict[str, dict[str, str]] = {
    "raw.events": {
        "chatbot_id": _TEXT,
        "event_id": _TEXT,
        "created_at": _TIME,
        "event": _TEXT,
        "token": _TEXT,
        "popup_version": _TEXT,
        "open_way": _TEXT,
        "order_num": _TEXT,
        "conversation_id": _TEXT,
        "url": _TEXT,
        "items": _TEXT,
    },
    "raw.messages": {
        "chatbot_id": _TEXT,
        "message_id": _TEXT,
        "conversation_id": _TEXT,
        "role": _TEXT,
        "created_at": _TIME,
    },
    "raw.conversations": {
        "chatbot_id": _TEXT,
        "conversation_id": _TEXT,
        "user_token": _TEXT,
        "started_at": _TIME,
        "load_id": _INT,
        "line_number": _INT,
    },
    "raw.analyses": {
        "chatbot_id": _TEXT,
        "conversation_id": _TEXT,
        "analyzed_at": _TIME,
        "products": _TEXT,
        "intents": _TEXT,
        "complaints": _TEXT,
        "missing_information": _TEXT,
        "mood": _TEXT,
        "outcome": _TEXT,
        "human_intervention_needed": "BOOLEAN",
        "load_id": _INT,
        "line_number": _INT,
    },
    "reference.currency_rates": {"currency": _TEXT, "eur_per_unit": "DECIMAL(18, 6)"},
}


def export_to_parquet(url: str, folder: Path) -> float:
    """Copy the raw tables out of PostgreSQL into Parquet files (once); returns seconds."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    with psycopg.connect(url) as conn:
        conn.execute("set timezone = 'UTC'")
        for table, types in EXPORTS.items():
            csv_path = folder / f"{table}.csv"
            columns = ", ".join(types)
            with csv_path.open("wb") as out, conn.cursor() as cur:
                query = f"copy (select {columns} from {table}) to stdout with (format csv, header)"
                with cur.copy(query) as copy:
                    for block in copy:
                        out.write(block)
            con.execute(
                f"copy (select * from read_csv('{csv_path}', header = true, columns = $types)) "
                f"to '{folder / (table + '.parquet')}' (format parquet)",
                {"types": types},
            )
            csv_path.unlink()
    con.close()
    return time.perf_counter() - started


class DuckDbBaseline(Baseline):
    dialect = "duckdb"

    def __init__(self, folder: Path) -> None:
        import duckdb

        super().__init__()
        self.con = duckdb.connect()
        self.con.execute("set timezone = 'UTC'")
        for table in EXPORTS:
            schema, _ = table.split(".")
            self.con.execute(f"create schema if not exists {schema}")
            self.con.execute(
                f"create view {table} as select * from read_parquet('{folder / table}.parquet')"
            )

    def rows(self, name: str, params: dict) -> list[dict]:
        sql = self.sql[name]
        used = {key: value for key, value in params.items() if f"${key}" in sql}
        cursor = self.con.execute(sql, used)
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def decode_list(self, value) -> list:
        return json.loads(value) if isinstance(value, str) else value

    def close(self) -> None:
        self.con.close()
