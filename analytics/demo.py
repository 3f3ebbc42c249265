"""`analytics demo`: the main job on a fresh machine.

The warehouse (embedded PostgreSQL unless DATABASE_URL is set), a generated data set loaded into
`raw`, a refresh through Dagster, then the API (with its dashboard) and the Dagster UI running
until Ctrl-C or SIGTERM: it prints the dashboard's URL signed in with a working API key, the
API's and the UI's URLs, the key, and one ready-to-paste curl line per endpoint.
Every process it started is stopped on the way out, the embedded server included.
"""

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from analytics.children import BIN, child, dagster_dev, dagster_env, wait_until_up
from serving.keys import create_key
from warehouse.commands import add_generator_flags, format_summary, generator_config, load_files
from warehouse.connection import connect, warehouse_url
from warehouse.generate import generate
from warehouse.migrate import upgrade
from warehouse.ports import free_port

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


def run_demo(args: argparse.Namespace) -> int:
    with warehouse_url() as url:
        key, chatbot = _prepare(url, args)
        env = dagster_env(url)
        api_port, dagster_port = free_port(args.api_port), free_port(args.dagster_port)
        api = f"http://127.0.0.1:{api_port}"
        dagster = f"http://127.0.0.1:{dagster_port}"
        serve = [str(BIN / "analytics"), "serve", "--host", "127.0.0.1", "--port", str(api_port)]
        with (
            child(serve, env, signal.SIGTERM) as api_process,
            child(dagster_dev(dagster_port), env, signal.SIGINT) as dagster_process,
        ):
            if not wait_until_up(f"{api}/openapi.json", api_process, 60):
                raise SystemExit("the API did not start")
            dagster_up = wait_until_up(f"{dagster}/server_info", dagster_process, 120)
            print()
            # The key travels in the URL's fragment: a browser never sends it to a server.
            print(f"Dashboard:  {api}/#key={key}")
            print(f"API:        {api}/docs")
            print(f"Dagster UI: {dagster}" + ("" if dagster_up else " (still starting)"))
            print(f"API key for account {DEMO_ACCOUNT}: {key}")
            print("Try:")
            for path in CURLS:
                print(
                    f"curl -s -H 'X-API-Key: {key}' '{api}{STATS}/{path.format(chatbot=chatbot)}'"
                )
            sys.stdout.flush()
            if args.no_wait:
                return 0
            print("Ctrl-C stops everything.", flush=True)
            while api_process.poll() is None and dagster_process.poll() is None:
                time.sleep(0.5)
            print("a demo process ended; stopping the rest", file=sys.stderr)
            return 1
