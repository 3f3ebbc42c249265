"""Load benchmark: `python -m bench.load [--visitors-per-day V]`.

Generates a data set (cached under bench/data/), loads each kind into a fresh database through
the real `analytics load` command, and reports events/s and the peak RSS of the command. Runs
against `DATABASE_URL`, or the embedded PostgreSQL when it is unset. Two sizes are loaded so
that a reader can see that memory does not grow with the file.

Writes bench/results/load.json. Figures, not pass/fail: tests never assert timings.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse.connection import warehouse_url, with_database
from warehouse.generate import GeneratorConfig, generate
from warehouse.migrate import upgrade

BENCH = Path(__file__).resolve().parent
ANALYTICS = str(Path(sys.executable).parent / "analytics")
TARGET_EVENTS_PER_SECOND = 100_000
TARGET_PEAK_RSS_MB = 300


def data_set(visitors_per_day: int, days: int) -> Path:
    folder = BENCH / "data" / f"v{visitors_per_day}-d{days}"
    if not (folder / "events.jsonl").exists():
        generate(
            folder,
            GeneratorConfig(
                seed=1,
                days=days,
                chatbots=3,
                visitors_per_day=visitors_per_day,
                now="2026-02-24T12:00:00Z",
            ),
        )
    return folder


def timed_load(url: str, kind: str, path: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, summary) of one `analytics load` in its own process."""
    code = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(r.stdout, end=''); sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, ANALYTICS, "load", kind, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )
    seconds = time.perf_counter() - started
    rss_kb, _, summary = result.stdout.partition("\n")
    return seconds, int(rss_kb) / 1024, summary.strip()


def lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors-per-day", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    folder = data_set(args.visitors_per_day, args.days)
    quarter = folder / "events-quarter.jsonl"
    if not quarter.exists():
        with (folder / "events.jsonl").open("rb") as source, quarter.open("wb") as out:
            count = lines(folder / "events.jsonl") // 4
            for number, line in enumerate(source):
                if number >= count:
                    break
                out.write(line)
    results = []
    with warehouse_url() as server:
        for path in (quarter, folder / "events.jsonl"):
            name = f"bench_load_{uuid.uuid4().hex[:8]}"
            url = with_database(server, name)
            upgrade(url)
            try:
                seconds, rss_mb, summary = timed_load(url, "events", path)
            finally:
                with psycopg.connect(with_database(server, "postgres"), autocommit=True) as c:
                    c.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
            count = lines(path)
            results.append(
                {
                    "file": path.name,
                    "events": count,
                    "seconds": round(seconds, 2),
                    "events_per_second": round(count / seconds),
                    "peak_rss_mb": round(rss_mb, 1),
                    "summary": summary,
                }
            )
            print(
                f"{path.name}: {count:,} events in {seconds:.1f} s = "
                f"{count / seconds:,.0f} events/s, peak RSS {rss_mb:.0f} MB"
            )
    largest = results[-1]
    report = {
        "machine": f"{os.cpu_count()} cores",
        "server": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
        "runs": results,
        "targets": [
            {
                "name": "load throughput",
                "measured": largest["events_per_second"],
                "target": TARGET_EVENTS_PER_SECOND,
                "unit": "events/s",
                "met": largest["events_per_second"] >= TARGET_EVENTS_PER_SECOND,
            },
            {
                "name": "load peak RSS",
                "measured": max(r["peak_rss_mb"] for r in results),
                "target": TARGET_PEAK_RSS_MB,
                "unit": "MB",
                "met": max(r["peak_rss_mb"] for r in results) <= TARGET_PEAK_RSS_MB,
            },
        ],
    }
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
