"""API latency benchmark: `python -m bench.api [--visitors-per-day V] [--days D] [--requests N]`.

Loads the generated data set (3 chatbots, 1,000 visitors/day, 90 days: about 1 M events) into a
fresh database, refreshes, starts the real `analytics serve` in its own process and, from this
process as the client, sends N sequential requests per endpoint at timeframes 7 and 365 for the
chatbot with the most events. Reports p50 / p99 per endpoint and timeframe.

Writes bench/results/api.json. Figures, not pass/fail: tests never assert timings.
"""

import argparse
import json
import os
import statistics
import sys
import time

import httpx
import psycopg

from analytics.api_process import ApiServer
from bench.common import BENCH, DATA_NOW, data_set, fresh_database, measured, target
from warehouse.connection import warehouse_url
from warehouse.validation import KINDS

STATS = "/api/dashboard/analytics/stats"
ENDPOINTS = ("overview", "engagement", "popup-metrics", "purchases", "conversation-insights")
TIMEFRAMES = (7, 365)
TARGET_P99_MS = 25


def largest_chatbot(url: str) -> tuple[str, str, int]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select chatbot_id, account_id, (select count(*) from raw.events "
            "where events.chatbot_id = chatbots.chatbot_id) as events "
            "from marts.chatbots order by events desc limit 1"
        ).fetchone()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors-per-day", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    folder = data_set(args.visitors_per_day, args.days)
    rows = []
    with warehouse_url() as server, fresh_database(server, "bench_api") as url:
        for kind in KINDS:
            measured(url, "load", kind, str(folder / f"{kind}.jsonl"))
        measured(url, "refresh")
        chatbot, account, events = largest_chatbot(url)
        key = measured(url, "keys", "create", "--account", account)[2]
        api = ApiServer(url, DATA_NOW)
        try:
            with httpx.Client(base_url=api.base, headers={"X-API-Key": key}) as client:
                for endpoint in ENDPOINTS:
                    for timeframe in TIMEFRAMES:
                        params = {"chatbot_id": chatbot, "timeframe": str(timeframe)}
                        for _ in range(20):  # warm-up
                            client.get(f"{STATS}/{endpoint}", params=params).raise_for_status()
                        samples = []
                        for _ in range(args.requests):
                            started = time.perf_counter()
                            client.get(f"{STATS}/{endpoint}", params=params).raise_for_status()
                            samples.append((time.perf_counter() - started) * 1000)
                        row = {
                            "endpoint": endpoint,
                            "timeframe": timeframe,
                            "requests": len(samples),
                            "p50_ms": round(statistics.median(samples), 2),
                            "p99_ms": round(percentile(samples, 0.99), 2),
                        }
                        rows.append(row)
                        print(
                            f"{endpoint:24} {timeframe:>4}: p50 {row['p50_ms']:6.2f} ms, "
                            f"p99 {row['p99_ms']:6.2f} ms"
                        )
        finally:
            api.stop()
    worst = max(row["p99_ms"] for row in rows if row["timeframe"] == 365)
    report = {
        "machine": f"{os.cpu_count()} cores",
        "server": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
        "chatbot_events": events,
        "latency": rows,
        "targets": [
            target(
                "API p99 at timeframe 365 (worst endpoint)",
                worst,
                TARGET_P99_MS,
                "ms",
                higher_is_better=False,
            )
        ],
    }
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "api.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
