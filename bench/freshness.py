"""How long an accepted event takes to show, with the defaults and nobody acting:
`python -m bench.freshness [--samples 5]`.

On a fresh warehouse with one chatbot: `analytics dagster` (UI and daemon: the landing_files
and stale_marts sensors), `analytics serve` and `analytics collect`, all with default settings.
Each sample posts one event to the collector, notes when its 202 came, and polls the overview
endpoint every 0.5 s until X-Data-As-Of reaches the event's instant: the lag. Samples start at
random moments, so that they fall anywhere in the sensors' intervals.

Writes bench/results/freshness.json. Figures, not pass/fail: tests never assert timings.
"""

import argparse
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from analytics.children import BIN, child, dagster_dev, dagster_env, wait_until_up
from bench.common import BENCH, fresh_database, measured
from warehouse.connection import warehouse_url
from warehouse.ports import free_port

BOT = "fresh-bot"
TARGET_SECONDS = 120


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.freshness")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    lags = []
    with (
        warehouse_url() as server,
        fresh_database(server, "bench_freshness") as url,
        tempfile.TemporaryDirectory(prefix="freshness-") as folder,
    ):
        chatbots = Path(folder) / "chatbots.jsonl"
        chatbots.write_text(json.dumps({"chatbot_id": BOT, "account_id": "bench"}) + "\n")
        measured(url, "load", "chatbots", str(chatbots))
        measured(url, "refresh")
        key = measured(url, "keys", "create", "--account", "bench")[2]
        env = {**dagster_env(url), "ANALYTICS_LANDING_DIR": str(Path(folder) / "landing")}
        api_port, dagster_port, collector_port = free_port(), free_port(), free_port()
        api = f"http://127.0.0.1:{api_port}"
        collector = f"http://127.0.0.1:{collector_port}"
        analytics = str(BIN / "analytics")
        with (
            child([analytics, "serve", "--port", str(api_port)], env, signal.SIGTERM) as served,
            child(
                [analytics, "collect", "--port", str(collector_port)], env, signal.SIGTERM
            ) as collecting,
            child(dagster_dev(dagster_port), env, signal.SIGINT) as dagster,
        ):
            wait_until_up(f"{api}/openapi.json", served, 60)
            wait_until_up(f"{collector}/healthz", collecting, 60)
            wait_until_up(f"http://127.0.0.1:{dagster_port}/server_info", dagster, 180)
            overview = f"{api}/api/dashboard/analytics/stats/overview"
            params = {"chatbot_id": BOT, "timeframe": "7"}
            for sample in range(args.samples):
                time.sleep(random.uniform(0, 30))
                event = {
                    "event": "visitor",
                    "token": f"user_fresh{sample:04d}",
                    "data": {"chatbot_id": BOT},
                }
                posted_at = datetime.now(UTC)
                answer = httpx.post(f"{collector}/api/analytics/track", json=event, timeout=10)
                assert answer.status_code == 202, answer.text
                accepted = time.monotonic()
                while True:
                    headers = httpx.get(
                        overview, params=params, headers={"X-API-Key": key}, timeout=10
                    ).headers
                    as_of = headers.get("X-Data-As-Of")
                    if as_of and datetime.fromisoformat(as_of.replace("Z", "+00:00")) >= (
                        posted_at.replace(microsecond=0)
                    ):
                        break
                    if time.monotonic() - accepted > 600:
                        raise SystemExit("the event did not show within 10 minutes")
                    time.sleep(0.5)
                lag = time.monotonic() - accepted
                lags.append(round(lag, 1))
                print(f"sample {sample + 1}: {lag:.1f} s from the 202 to X-Data-As-Of", flush=True)
    report = {
        "machine": f"{os.cpu_count()} cores",
        "settings": "defaults (rotation 5 s, landing sensor 10 s, stale-marts sensor 60 s)",
        "lags_seconds": lags,
        "median_seconds": statistics.median(lags),
        "max_seconds": max(lags),
        "target": {
            "name": "202 to X-Data-As-Of",
            "target": TARGET_SECONDS,
            "unit": "s",
            "met": max(lags) <= TARGET_SECONDS,
        },
    }
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "freshness.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
