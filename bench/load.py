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
import sys

from bench.common import BENCH, data_set, fresh_database, lines, measured, target
from warehouse.connection import warehouse_url

TARGET_EVENTS_PER_SECOND = 100_000
TARGET_PEAK_RSS_MB = 300


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
            with fresh_database(server, "bench_load") as url:
                seconds, rss_mb, summary = measured(url, "load", "events", str(path))
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
            target(
                "load throughput",
                largest["events_per_second"],
                TARGET_EVENTS_PER_SECOND,
                "events/s",
                higher_is_better=True,
            ),
            target(
                "load peak RSS",
                max(r["peak_rss_mb"] for r in results),
                TARGET_PEAK_RSS_MB,
                "MB",
                higher_is_better=False,
            ),
        ],
    }
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
