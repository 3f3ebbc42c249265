"""The side-by-side benchmark: `python -m bench --scale small|medium|large`.

On one generated data set, in one run: load throughput and peak RSS, full and incremental
refresh, API latency per endpoint and timeframe (sequential, and 16 concurrent clients), and the
same answers computed (a) by one SQL query per endpoint over `raw` in the same PostgreSQL and
(b) by DuckDB over the raw tables exported once to Parquet; a check that all three agree, and
the ratios at timeframe 365. Runs against DATABASE_URL, or the embedded PostgreSQL when unset.

Writes bench/results/<scale>.json and bench/results/<scale>.png (latency by timeframe).
Figures, not pass/fail: tests never assert timings.
"""

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

from bench.baselines import DuckDbBaseline, PostgresBaseline, export_to_parquet
from bench.common import BENCH, DATA_NOW, ENDPOINTS, STATS, fresh_database, lines, measured, target
from bench.refresh import split_last_day
from serving.timeframes import day_window
from tests.api_server import ApiServer, same
from warehouse.connection import warehouse_url
from warehouse.generate import GeneratorConfig, generate
from warehouse.validation import KINDS, parse_timestamp

TIMEFRAMES = (1, 7, 30, 365)
CONCURRENT_CLIENTS = 16


@dataclass(frozen=True)
class Scale:
    parts: tuple[GeneratorConfig, ...]
    repeats: int  # runs of each baseline query
    requests: int  # sequential API requests per endpoint and timeframe


def _config(seed: int, chatbots: int, visitors: int) -> GeneratorConfig:
    return GeneratorConfig(
        seed=seed,
        days=365 if visitors > 1000 else 90,
        chatbots=chatbots,
        visitors_per_day=visitors,
        now=DATA_NOW,
    )


SCALES = {
    # About 1 M events: 3 chatbots x 1,000 visitors/day x 90 days.
    "small": Scale((_config(1, 3, 1000),), repeats=5, requests=200),
    # About 14 M events: one chatbot with 10,000 visitors/day over 365 days, plus two small ones.
    "medium": Scale((_config(1, 1, 10_000), _config(2, 2, 300)), repeats=3, requests=200),
    # About 55 M events: one chatbot with 40,000 visitors/day, plus four small ones (by hand).
    "large": Scale((_config(1, 1, 40_000), _config(2, 4, 1000)), repeats=2, requests=200),
}


def data_folder(name: str, scale: Scale) -> tuple[Path, Path]:
    """The scale's data set, generated once under bench/data/ and split (bench/refresh.py):
    (everything before the last day, the last day)."""
    folder = BENCH / "data" / name
    if (folder / "last_day" / "events.jsonl").exists() or (folder / "events.jsonl").exists():
        return split_last_day(folder)
    folder.mkdir(parents=True, exist_ok=True)
    parts = [folder / f"part{number}" for number in range(len(scale.parts))]
    for part, config in zip(parts, scale.parts, strict=True):
        generate(part, config)
    split = split_last_day(folder, parts)
    for part in parts:
        shutil.rmtree(part)
    return split


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "runs": len(samples),
        "min": round(ordered[0], 3),
        "median": round(statistics.median(ordered), 3),
        "p99": round(p99, 3),
    }


def api_params(endpoint: str, chatbot: str, timeframe: int) -> dict[str, str]:
    # Insights takes a string: a bare N means N days, the same window as the others.
    return {"chatbot_id": chatbot, "timeframe": str(timeframe)}


def measure_api(base: str, key: str, chatbot: str, requests: int) -> tuple[list, dict]:
    """Sequential latency (ms) per endpoint and timeframe; the answers at each."""
    rows, answers = [], {}
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as client:
        for endpoint in ENDPOINTS:
            for timeframe in TIMEFRAMES:
                params = api_params(endpoint, chatbot, timeframe)
                response = client.get(f"{STATS}/{endpoint}", params=params)
                response.raise_for_status()
                answers[(endpoint, timeframe)] = response.json()
                for _ in range(20):
                    client.get(f"{STATS}/{endpoint}", params=params)
                samples = []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(f"{STATS}/{endpoint}", params=params).raise_for_status()
                    samples.append((time.perf_counter() - started) * 1000)
                rows.append({"endpoint": endpoint, "timeframe": timeframe, **summary(samples)})
                print(f"API      {endpoint:22} {timeframe:>3}: {rows[-1]['median']:7.2f} ms median")
    return rows, answers


def measure_concurrency(base: str, key: str, chatbot: str, requests: int) -> list[dict]:
    """Requests/s with 16 clients at once, per endpoint at timeframe 365."""
    rows = []
    for endpoint in ENDPOINTS:
        params = api_params(endpoint, chatbot, 365)

        def client_run(_: int, path: str = f"{STATS}/{endpoint}", params: dict = params) -> None:
            with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as client:
                for _ in range(requests // CONCURRENT_CLIENTS + 1):
                    client.get(path, params=params).raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
            list(pool.map(client_run, range(CONCURRENT_CLIENTS)))
        seconds = time.perf_counter() - started
        total = CONCURRENT_CLIENTS * (requests // CONCURRENT_CLIENTS + 1)
        rows.append(
            {
                "endpoint": endpoint,
                "clients": CONCURRENT_CLIENTS,
                "requests_per_second": round(total / seconds, 1),
            }
        )
        print(f"API x16  {endpoint:22} 365: {rows[-1]['requests_per_second']:7.1f} req/s")
    return rows


def measure_baseline(baseline, label, chatbot, ab_test, repeats, api_answers) -> tuple[list, bool]:
    now = parse_timestamp(DATA_NOW)
    rows, equal = [], True
    for endpoint in ENDPOINTS:
        for timeframe in TIMEFRAMES:
            window = day_window(now, timeframe)
            samples = []
            for _ in range(repeats):
                answer, seconds = baseline.answer(endpoint, chatbot, window, now, ab_test)
                samples.append(seconds * 1000)
            agrees = same(api_answers[(endpoint, timeframe)], answer)
            equal = equal and agrees
            rows.append(
                {
                    "endpoint": endpoint,
                    "timeframe": timeframe,
                    "answer_equal": agrees,
                    **summary(samples),
                }
            )
            print(
                f"{label:8} {endpoint:22} {timeframe:>3}: {rows[-1]['median']:9.1f} ms median"
                + ("" if agrees else "  ANSWER DIFFERS")
            )
    return rows, equal


def load_folder(url: str, folder: Path) -> tuple[float, float]:
    """(seconds of the events load, peak RSS of the largest load)."""
    events_seconds, peak = 0.0, 0.0
    for kind in KINDS:
        seconds, rss, _ = measured(url, "load", kind, str(folder / f"{kind}.jsonl"))
        peak = max(peak, rss)
        if kind == "events":
            events_seconds = seconds
    return events_seconds, peak


def chart(path: Path, name: str, api: list, raw_sql: list, duck: list) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(ENDPOINTS), figsize=(18, 4), sharey=True)
    for axis, endpoint in zip(axes, ENDPOINTS):
        for rows, label in (
            (api, "API (marts)"),
            (raw_sql, "raw SQL (PostgreSQL)"),
            (duck, "DuckDB (Parquet)"),
        ):
            points = [row for row in rows if row["endpoint"] == endpoint]
            axis.plot(
                [row["timeframe"] for row in points],
                [row["median"] for row in points],
                marker="o",
                label=label,
            )
        axis.set_title(endpoint)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(TIMEFRAMES, [str(t) for t in TIMEFRAMES])
        axis.set_xlabel("timeframe (days)")
    axes[0].set_ylabel("median latency (ms)")
    axes[0].legend()
    figure.suptitle(f"Selzee Analytics, scale {name}: latency by timeframe, largest chatbot")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _require_baseline_packages() -> None:
    """The comparison's packages, checked before the load and the refresh rather than after."""
    missing = [name for name in ("duckdb", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(
            f"python -m bench: {', '.join(missing)} missing; install the bench extra "
            "(pip install -e '.[bench]') or run with --no-baselines"
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="load, refresh and API only (the raw-SQL and DuckDB comparison takes hours at large)",
    )
    args = parser.parse_args()
    if not args.no_baselines:
        _require_baseline_packages()
    scale = SCALES[args.scale]
    started = time.perf_counter()
    history, last_day = data_folder(args.scale, scale)
    history_events = lines(history / "events.jsonl")
    env = {"DAGSTER_HOME": os.environ.get("DAGSTER_HOME", str(BENCH / "data" / "dagster_home"))}
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    with warehouse_url() as server, fresh_database(server, f"bench_{args.scale}") as url:
        print(f"loading {history_events:,} events ...")
        load_seconds, load_rss = load_folder(url, history)
        full_seconds, full_rss, _ = measured(url, "refresh", env=env)
        print(f"full refresh {full_seconds:.1f} s")
        load_folder(url, last_day)
        day_seconds, day_rss, day_output = measured(url, "refresh", env=env)
        print(f"incremental refresh {day_seconds:.1f} s\n{day_output}", flush=True)
        idle_seconds, idle_rss, _ = measured(url, "refresh", env=env)
        print(f"refresh with nothing new {idle_seconds:.1f} s")
        with psycopg.connect(url) as conn:
            chatbot, account, ab_test, events = conn.execute(
                "select chatbot_id, account_id, ab_test_enabled, (select count(*) "
                "from raw.events where events.chatbot_id = chatbots.chatbot_id) as events "
                "from marts.chatbots order by events desc limit 1"
            ).fetchone()
        key = measured(url, "keys", "create", "--account", account)[2]
        api = ApiServer(url, DATA_NOW)
        try:
            api_rows, api_answers = measure_api(api.base, key, chatbot, scale.requests)
            concurrency = measure_concurrency(api.base, key, chatbot, scale.requests)
        finally:
            api.stop()
        raw_rows, raw_equal, duck_rows, duck_equal, parquet_seconds = [], True, [], True, 0.0
        if not args.no_baselines:
            postgres = PostgresBaseline(url)
            try:
                raw_rows, raw_equal = measure_baseline(
                    postgres, "raw SQL", chatbot, ab_test, scale.repeats, api_answers
                )
            finally:
                postgres.close()
            parquet_seconds = export_to_parquet(url, BENCH / "data" / f"{args.scale}-parquet")
            print(f"Parquet export {parquet_seconds:.1f} s")
    if not args.no_baselines:
        duck = DuckDbBaseline(BENCH / "data" / f"{args.scale}-parquet")
        try:
            duck_rows, duck_equal = measure_baseline(
                duck, "DuckDB", chatbot, ab_test, scale.repeats, api_answers
            )
        finally:
            duck.close()

    def median_at_365(rows: list, endpoint: str) -> float:
        return next(
            r["median"] for r in rows if r["endpoint"] == endpoint and r["timeframe"] == 365
        )

    ratios = (
        []
        if args.no_baselines
        else [
            {
                "endpoint": endpoint,
                "raw_sql_over_api": round(
                    median_at_365(raw_rows, endpoint) / median_at_365(api_rows, endpoint), 1
                ),
                "duckdb_over_api": round(
                    median_at_365(duck_rows, endpoint) / median_at_365(api_rows, endpoint), 1
                ),
            }
            for endpoint in ENDPOINTS
        ]
    )
    worst_p99 = max(r["p99"] for r in api_rows if r["timeframe"] == 365)
    ratio_targets = []
    if ratios:
        ratio_targets = [
            target(
                "raw SQL / API at 365 (worst endpoint)",
                min(r["raw_sql_over_api"] for r in ratios),
                200,
                "x",
                higher_is_better=True,
            ),
            target(
                "DuckDB / API at 365 (worst endpoint)",
                min(r["duckdb_over_api"] for r in ratios),
                20,
                "x",
                higher_is_better=True,
            ),
        ]
    rss = max(load_rss, full_rss, day_rss, idle_rss)
    report = {
        "scale": args.scale,
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "server": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
        "raw_events": history_events,
        "largest_chatbot_events": events,
        "answers_equal": None if args.no_baselines else raw_equal and duck_equal,
        "load": {
            "events_per_second": round(history_events / load_seconds),
            "peak_rss_mb": round(load_rss, 1),
        },
        "refresh": {
            "full_seconds": round(full_seconds, 2),
            "full_raw_events_per_second": round(history_events / full_seconds),
            "full_peak_rss_mb": round(full_rss, 1),
            "incremental_one_day_seconds": round(day_seconds, 2),
            "incremental_peak_rss_mb": round(day_rss, 1),
            "incremental_steps": day_output.splitlines(),
            "nothing_new_seconds": round(idle_seconds, 2),
        },
        "parquet_export_seconds": round(parquet_seconds, 1),
        "api_latency_ms": api_rows,
        "api_concurrency": concurrency,
        "raw_sql_latency_ms": raw_rows,
        "duckdb_latency_ms": duck_rows,
        "ratios_at_365": ratios,
        "targets": [
            target(
                "API p99 at timeframe 365 (worst endpoint)",
                worst_p99,
                25,
                "ms",
                higher_is_better=False,
            ),
            *ratio_targets,
            target(
                "load throughput",
                round(history_events / load_seconds),
                100_000,
                "events/s",
                higher_is_better=True,
            ),
            target(
                "full refresh throughput",
                round(history_events / full_seconds),
                300_000,
                "raw events/s",
                higher_is_better=True,
            ),
            target(
                "incremental refresh of one day",
                round(day_seconds, 2),
                5,
                "s",
                higher_is_better=False,
            ),
            target(
                "refresh with nothing new",
                round(idle_seconds, 2),
                2,
                "s",
                higher_is_better=False,
            ),
            target("peak RSS of any command", round(rss, 1), 400, "MB", higher_is_better=False),
        ],
        "wall_seconds": round(time.perf_counter() - started),
    }
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / f"{args.scale}.json").write_text(json.dumps(report, indent=2) + "\n")
    if not args.no_baselines:
        chart(results / f"{args.scale}.png", args.scale, api_rows, raw_rows, duck_rows)
    print(f"answers equal: {report['answers_equal']}; wrote {results / args.scale}.json and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
