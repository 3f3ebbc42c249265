"""`analytics demo`: the main job on a fresh machine.

The warehouse (embedded PostgreSQL unless DATABASE_URL is set), a generated data set loaded into
`raw`, a refresh through Dagster, then the API (with its dashboard), the Dagster UI with its
daemon, the tracking collector and live traffic posting to it, running until Ctrl-C or SIGTERM:
the numbers move while one watches (the collector's files reach the marts through the landing
folder and the sensors). It prints the dashboard's URL signed in with a working API key, the
API's, the UI's and the collector's URLs, the key, and one ready-to-paste curl line per endpoint.
Every process it started is stopped on the way out, the embedded server included.
"""

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from pathlib import Path

from analytics.children import BIN, child, dagster_dev, dagster_env, wait_until_up
from collector.commands import DEFAULT_PORT
from serving.keys import create_key
from warehouse.commands import add_generator_flags, format_summary, generator_config, load_files
from warehouse.connection import connect, warehouse_url
from warehouse.generate import generate
from warehouse.migrate import upgrade
from warehouse.ports import free_port

TRACK = "/api/analytics/track"
LOAD_ORDER = ("chatbots", "conversations", "messages", "analyses", "events")
DEMO_ACCOUNT = "acme"
STATS = "/api/dashboard/analytics/stats"
CURLS = (
    "overview?chatbot_id={chatbot}&timeframe=7",
    "engagement?chatbot_id={chatbot}&timeframe=30",
    "popup-metrics?chatbot_id={chatbot}&timeframe=7",
    "purchases?chatbot_id={chatbot}&timeframe=30",
    "conversation-insights?chatbot_id={chatbot}&timeframe=week",
)


def add_command(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo", help="warehouse, generated data, refresh, API and Dagster UI, until Ctrl-C"
    )
    add_generator_flags(demo, visitors_per_day=300)
    demo.add_argument("--api-port", type=int, default=8000, help="(a free one if taken)")
    demo.add_argument("--dagster-port", type=int, default=3000, help="(a free one if taken)")
    demo.add_argument(
        "--collector-port", type=int, default=DEFAULT_PORT, help="(a free one if taken)"
    )
    demo.add_argument(
        "--live-visitors-per-minute",
        type=float,
        default=30,
        help="live traffic posted to the collector (0: none)",
    )
    demo.add_argument(
        "--no-wait", action="store_true", help="print the URLs and curl lines, then stop"
    )
    demo.set_defaults(run=run_demo)


def _prepare(url: str, args: argparse.Namespace) -> tuple[str, str]:
    """Generate, load and refresh; returns (an API key, the demo chatbot)."""
    from pipelines.refresh import refresh  # Dagster: imported only when the demo runs

    print(f"warehouse: {url} (revision {upgrade(url)})")
    with tempfile.TemporaryDirectory(prefix="analytics-demo-") as folder:
        counts = generate(Path(folder), generator_config(args))
        print("generated: " + ", ".join(f"{count:,} {kind}" for kind, count in counts.items()))
        for kind in LOAD_ORDER:
            summaries, errors = load_files(url, kind, sorted(Path(folder).glob(f"{kind}.jsonl*")))
            for summary in summaries:
                print(format_summary(summary))
            if errors:
                raise SystemExit("\n".join(errors))
    report = refresh(url)
    if not report.ok:
        raise SystemExit(f"refresh failed: {', '.join(report.failed)}")
    with connect(url, autocommit=True) as conn:
        chatbot = conn.execute(
            "select chatbot_id from marts.chatbots where account_id = %s order by chatbot_id",
            (DEMO_ACCOUNT,),
        ).fetchone()[0]
        key = create_key(conn, DEMO_ACCOUNT)
    return key, chatbot


def _live(args: argparse.Namespace, collector: str) -> list[str]:
    return [
        str(BIN / "analytics"),
        "simulate",
        "--collector",
        collector,
        "--visitors-per-minute",
        str(args.live_visitors_per_minute),
        "--seed",
        str(args.seed),
        "--chatbots",
        str(args.chatbots),
    ]


def run_demo(args: argparse.Namespace) -> int:
    with warehouse_url() as url:
        key, chatbot = _prepare(url, args)
        env = dagster_env(url)
        api_port, dagster_port = free_port(args.api_port), free_port(args.dagster_port)
        collector_port = free_port(args.collector_port)
        api = f"http://127.0.0.1:{api_port}"
        dagster = f"http://127.0.0.1:{dagster_port}"
        collector = f"http://127.0.0.1:{collector_port}"
        serve = [str(BIN / "analytics"), "serve", "--host", "127.0.0.1", "--port", str(api_port)]
        collect = [str(BIN / "analytics"), "collect", "--port", str(collector_port)]
        with contextlib.ExitStack() as processes:
            api_process = processes.enter_context(child(serve, env, signal.SIGTERM))
            dagster_process = processes.enter_context(
                child(dagster_dev(dagster_port), env, signal.SIGINT)
            )
            collector_process = processes.enter_context(child(collect, env, signal.SIGTERM))
            if not wait_until_up(f"{api}/openapi.json", api_process, 60):
                raise SystemExit("the API did not start")
            if not wait_until_up(f"{collector}/healthz", collector_process, 60):
                raise SystemExit("the collector did not start")
            running = [api_process, dagster_process, collector_process]
            if args.live_visitors_per_minute > 0 and not args.no_wait:
                running.append(
                    processes.enter_context(child(_live(args, collector), env, signal.SIGTERM))
                )
            dagster_up = wait_until_up(f"{dagster}/server_info", dagster_process, 120)
            print()
            # The key travels in the URL's fragment: a browser never sends it to a server.
            print(f"Dashboard:  {api}/#key={key}")
            print(f"API:        {api}/docs")
            print(f"Dagster UI: {dagster}" + ("" if dagster_up else " (still starting)"))
            print(
                f"Collector:  {collector}{TRACK} (live traffic: "
                f"{args.live_visitors_per_minute:g} visitors a minute)"
            )
            print(f"API key for account {DEMO_ACCOUNT}: {key}")
            print("Try:")
            for path in CURLS:
                print(
                    f"curl -s -H 'X-API-Key: {key}' '{api}{STATS}/{path.format(chatbot=chatbot)}'"
                )
            print(
                f'curl -s -X POST {collector}{TRACK} -d \'{{"event": "visitor", '
                f'"token": "user_demo0001", "data": {{"chatbot_id": "{chatbot}"}}}}\''
            )
            sys.stdout.flush()
            if args.no_wait:
                return 0
            print("Ctrl-C stops everything.", flush=True)
            while all(process.poll() is None for process in running):
                time.sleep(0.5)
            print("a demo process ended; stopping the rest", file=sys.stderr)
            return 1
