"""`analytics dagster`: the Dagster UI with its daemon (schedules, sensors) on the project's
definitions and instance (pipelines/instance.py), the warehouse held while it runs."""

import argparse
import signal
import sys
import time

from analytics.children import child, dagster_dev, dagster_env, wait_until_up
from warehouse.connection import warehouse_url
from warehouse.migrate import upgrade
from warehouse.ports import free_port


def add_command(commands: argparse._SubParsersAction) -> None:
    ui = commands.add_parser(
        "dagster", help="the Dagster UI with its daemon (schedules, sensors), until Ctrl-C"
    )
    ui.add_argument("--port", type=int, default=3000, help="(a free one if taken)")
    ui.set_defaults(run=run_dagster)


def run_dagster(args: argparse.Namespace) -> int:
    with warehouse_url() as url:
        upgrade(url)
        env = dagster_env(url)
        port = free_port(args.port)
        with child(dagster_dev(port), env, signal.SIGINT, quiet=False) as process:
            up = wait_until_up(f"http://127.0.0.1:{port}/server_info", process, 120)
            print(f"Dagster UI: http://127.0.0.1:{port}" + ("" if up else " (still starting)"))
            print(f"instance: {env['DAGSTER_HOME']}/dagster.yaml; Ctrl-C stops it", flush=True)
            while process.poll() is None:
                time.sleep(0.5)
    print("dagster dev ended", file=sys.stderr)
    return 1
