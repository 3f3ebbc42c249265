"""Refresh benchmark: `python -m bench.refresh [--visitors-per-day V] [--days D]`.

On the generated data set (3 chatbots, 1,000 visitors/day, 90 days: about 1 M events): loads
everything but the last day into a fresh database, times a full `analytics refresh`, loads the
last day, times the incremental `analytics refresh`, then a refresh with nothing new. Each
command runs in its own process; its peak RSS is measured. Runs against `DATABASE_URL`, or the
embedded PostgreSQL when it is unset.

Writes bench/results/refresh.json. Figures, not pass/fail: tests never assert timings.
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import orjson

from bench.common import BENCH, DATA_NOW, data_set, fresh_database, lines, measured, target
from warehouse.connection import warehouse_url
from warehouse.validation import KINDS

TARGET_RAW_EVENTS_PER_SECOND = 300_000
TARGET_INCREMENTAL_SECONDS = 5
TARGET_PEAK_RSS_MB = 400
TIME_FIELD = {
    "events": "created_at",
    "messages": "created_at",
    "conversations": "started_at",
    "analyses": "analyzed_at",
}


def split_last_day(folder: Path, parts: Sequence[Path] = ()) -> tuple[Path, Path]:
    """The data set as two folders: everything before the last day, and the last day. The lines
    come from the folder's own files, or from `parts` (folders of generated files, deleted once
    split, so that a large data set is on disk once while its database grows beside it)."""
    history, last_day = folder / "history", folder / "last_day"
    if (last_day / "events.jsonl").exists():
        return history, last_day
    history.mkdir(exist_ok=True)
    last_day.mkdir(exist_ok=True)
    cutoff = date.fromisoformat(DATA_NOW[:10]).isoformat()
    for kind in KINDS:
        sources = [part / f"{kind}.jsonl" for part in parts] or [folder / f"{kind}.jsonl"]
        with (
            (history / f"{kind}.jsonl").open("wb") as old,
            (last_day / f"{kind}.jsonl").open("wb") as new,
        ):
            for path in sources:
                with path.open("rb") as source:
                    for line in source:
                        try:
                            when = orjson.loads(line).get(TIME_FIELD.get(kind, ""))
                        except (orjson.JSONDecodeError, AttributeError):
                            when = None
                        is_new = isinstance(when, str) and when[:10] >= cutoff
                        (new if is_new else old).write(line)
                if parts:
                    path.unlink()
    return history, last_day


def load_folder(url: str, folder: Path) -> float:
    seconds = 0.0
    for kind in KINDS:
        seconds += measured(url, "load", kind, str(folder / f"{kind}.jsonl"))[0]
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors-per-day", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument(
        "--data", type=Path, help="an existing data folder instead (e.g. bench/data/medium)"
    )
    args = parser.parse_args()
    folder = args.data or data_set(args.visitors_per_day, args.days)
    history, last_day = split_last_day(folder)
    history_events = lines(history / "events.jsonl")
    dagster_home = BENCH / "data" / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    env = {"DAGSTER_HOME": os.environ.get("DAGSTER_HOME", str(dagster_home))}
    with warehouse_url() as server, fresh_database(server, "bench_refresh") as url:
        print(f"loading {history_events:,} events (+ messages, conversations, analyses) ...")
        load_folder(url, history)
        full_seconds, full_rss, full_out = measured(url, "refresh", env=env)
        print(full_out)
        print(f"full refresh: {full_seconds:.1f} s, peak RSS {full_rss:.0f} MB")
        load_folder(url, last_day)
        day_seconds, day_rss, day_out = measured(url, "refresh", env=env)
        print(day_out)
        print(f"incremental refresh (one day): {day_seconds:.1f} s, peak RSS {day_rss:.0f} MB")
        noop_seconds, _, _ = measured(url, "refresh", env=env)
        print(f"refresh with nothing new: {noop_seconds:.1f} s")
    rate = round(history_events / full_seconds)
    report = {
        "machine": f"{os.cpu_count()} cores",
        "server": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
        "dagster_storage": "DAGSTER_HOME" if os.environ.get("DAGSTER_HOME") else "sqlite",
        "raw_events": history_events,
        "last_day_events": lines(last_day / "events.jsonl"),
        "full_refresh_seconds": round(full_seconds, 2),
        "full_refresh_raw_events_per_second": rate,
        "full_refresh_peak_rss_mb": round(full_rss, 1),
        "incremental_refresh_seconds": round(day_seconds, 2),
        "incremental_refresh_peak_rss_mb": round(day_rss, 1),
        "noop_refresh_seconds": round(noop_seconds, 2),
        "targets": [
            target(
                "full refresh throughput",
                rate,
                TARGET_RAW_EVENTS_PER_SECOND,
                "raw events/s",
                higher_is_better=True,
            ),
            target(
                "incremental refresh of one day",
                round(day_seconds, 2),
                TARGET_INCREMENTAL_SECONDS,
                "s",
                higher_is_better=False,
            ),
            target(
                "refresh peak RSS",
                round(max(full_rss, day_rss), 1),
                TARGET_PEAK_RSS_MB,
                "MB",
                higher_is_better=False,
            ),
        ],
    }
    (BENCH / "results").mkdir(exist_ok=True)
    name = "refresh.json" if args.data is None else f"refresh-{args.data.name}.json"
    (BENCH / "results" / name).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
