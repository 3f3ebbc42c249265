"""The API under concurrent load: `python -m bench.serving [--data medium] [--clients 1,8,64,256]`.

Loads the data set once into a database of its own (`bench_serving_<data>`, kept for the next
run; `--fresh` rebuilds it) and refreshes it, starts `analytics serve` (or `--server-command`,
to measure another build side by side), then for each number of clients runs that many
concurrent keep-alive clients, each looping over the five stats endpoints at timeframe 365 for
the largest chatbot, for `--seconds` after a short warm-up. Per level: requests per second (and
per core), latency percentiles, answers by status, client errors (timeouts, resets). The
clients run in this process on asyncio (aiohttp); their CPU time is reported beside the server's.

Writes bench/results/serving-<data>.json. Figures, not pass/fail: tests never assert timings.
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

from bench.__main__ import SCALES, data_folder
from bench.common import BENCH, DATA_NOW, ENDPOINTS, STATS, measured, target
from warehouse.connection import warehouse_url, with_database
from warehouse.migrate import upgrade
from warehouse.validation import KINDS

TIMEFRAME = "365"
CLIENT_TIMEOUT_SECONDS = 30
WARMUP_SECONDS = 2


def prepared_database(server: str, data: str, fresh: bool) -> str:
    """The URL of a database holding the data set, loaded and refreshed (once)."""
    name = f"bench_serving_{data}"
    url = with_database(server, name)
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
            exists = None
    upgrade(url)
    if exists:
        with psycopg.connect(url) as conn:
            if conn.execute("select exists (select from marts.chatbots)").fetchone()[0]:
                print(f"reusing {name}")
                return url
    folders = data_folder(data, SCALES[data])
    for kind in KINDS:
        files = [str(folder / f"{kind}.jsonl") for folder in folders]
        seconds, _, _ = measured(url, "load", kind, *files)
        print(f"loaded {kind} in {seconds:.1f} s")
    seconds, _, _ = measured(url, "refresh")
    print(f"refreshed in {seconds:.1f} s")
    return url


def largest_chatbot(url: str) -> tuple[str, str]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select chatbots.chatbot_id, chatbots.account_id from marts.chatbots "
            "join marts.message_days using (chatbot_id) "
            "group by 1, 2 order by sum(count_messages) desc limit 1"
        ).fetchone()


async def run_level(base: str, key: str, chatbot: str, clients: int, seconds: float) -> dict:
    """`clients` concurrent clients for `seconds` (after a warm-up): what they measured."""
    import aiohttp

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    measuring = asyncio.Event()
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=clients)

    async with aiohttp.ClientSession(
        base, headers={"X-API-Key": key}, timeout=timeout, connector=connector
    ) as session:

        async def client(number: int) -> None:
            turn = number  # clients start at different endpoints
            while not stop.is_set():
                endpoint = ENDPOINTS[turn % len(ENDPOINTS)]
                turn += 1
                params = {"chatbot_id": chatbot, "timeframe": TIMEFRAME}
                started = time.perf_counter()
                try:
                    async with session.get(f"{STATS}/{endpoint}", params=params) as response:
                        await response.read()
                        status = response.status
                except (TimeoutError, aiohttp.ClientError) as error:
                    if measuring.is_set():
                        errors[type(error).__name__] += 1
                    continue
                if measuring.is_set():
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[status] += 1

        tasks = [asyncio.create_task(client(number)) for number in range(clients)]
        await asyncio.sleep(WARMUP_SECONDS)
        measuring.set()
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        measuring.clear()
        elapsed = time.perf_counter() - started
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
        stop.set()
        await asyncio.gather(*tasks)

    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    throughput = len(latencies) / elapsed
    client_cpu = (usage_after.ru_utime + usage_after.ru_stime) - (
        usage_before.ru_utime + usage_before.ru_stime
    )
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_second": round(throughput, 1),
        "requests_per_second_per_core": round(throughput / (os.cpu_count() or 1), 1),
        "latency_ms": {
            "p50": percentile(0.50),
            "p90": percentile(0.90),
            "p99": percentile(0.99),
            "max": round(ordered[-1], 1) if ordered else None,
            "mean": round(statistics.fmean(ordered), 1) if ordered else None,
        },
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "server_errors": sum(count for code, count in statuses.items() if code >= 500),
        "client_errors": dict(errors),
        "client_cpu_seconds": round(client_cpu, 1),
    }


def server_cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serving")
    parser.add_argument("--data", choices=SCALES, default="medium")
    parser.add_argument("--clients", default="1,8,64,256")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--fresh", action="store_true", help="reload the data set")
    parser.add_argument(
        "--server-command",
        help="start this instead of `analytics serve` ({port} is replaced; DATABASE_URL and "
        "ANALYTICS_NOW are set), e.g. another build of the API",
    )
    parser.add_argument("--label", default="analytics serve")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    levels = [int(part) for part in args.clients.split(",")]

    from tests.api_server import ApiServer

    with warehouse_url() as server:
        url = prepared_database(server, args.data, args.fresh)
        chatbot, account = largest_chatbot(url)
        key = measured(url, "keys", "create", "--account", account)[2]
        api = ApiServer(url, DATA_NOW, command=args.server_command)
        rows = []
        try:
            process = psutil.Process(api.process.pid)
            for clients in levels:
                cpu_before = server_cpu(process)
                row = asyncio.run(run_level(api.base, key, chatbot, clients, args.seconds))
                row["server_cpu_seconds"] = round(server_cpu(process) - cpu_before, 1)
                rows.append(row)
                latency = row["latency_ms"]
                print(
                    f"{clients:>4} clients: {row['requests_per_second']:7.1f} req/s, "
                    f"p50 {latency['p50']} ms, p99 {latency['p99']} ms, "
                    f"statuses {row['statuses']}, client errors {row['client_errors']}",
                    flush=True,
                )
        finally:
            api.stop()

    by_clients = {row["clients"]: row for row in rows}
    targets = []
    if {1, 8, 64, 256} <= by_clients.keys():
        targets = [
            target(
                "5xx answers, all levels",
                sum(row["server_errors"] for row in rows),
                0,
                "",
                higher_is_better=False,
            ),
            target(
                "client errors, all levels",
                sum(sum(row["client_errors"].values()) for row in rows),
                0,
                "",
                higher_is_better=False,
            ),
            target(
                "throughput at 256 clients / at 8",
                round(
                    by_clients[256]["requests_per_second"] / by_clients[8]["requests_per_second"],
                    2,
                ),
                0.8,
                "x",
                higher_is_better=True,
            ),
            target("p99 at 64 clients", by_clients[64]["latency_ms"]["p99"], 250, "ms", False),
            target("p99 at 1 client", by_clients[1]["latency_ms"]["p99"], 25, "ms", False),
        ]
    report = {
        "data": args.data,
        "server": args.label,
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "endpoints": list(ENDPOINTS),
        "timeframe": int(TIMEFRAME),
        "levels": rows,
        "targets": targets,
    }
    out = args.out or BENCH / "results" / f"serving-{args.data}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    for row in targets:
        print(f"{row['name']}: {row['measured']} (target {row['target']}, met: {row['met']})")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
