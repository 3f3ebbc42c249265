"""The screenshots of docs/dagster-ui.md, taken as an operator would see the UI:
`.venv/bin/python docs/screenshots/dagster_ui.py` (needs Chromium from the OS packages and the
`playwright` pip package).

It builds a warehouse of its own (database `selzee_screenshots` on `DATABASE_URL`'s server, or
the embedded one) and a Dagster instance of its own (a temporary DAGSTER_HOME), loads a generated
data set, refreshes it with a process per step, starts `analytics dagster`, launches a range
backfill of the daily facts through the UI's GraphQL API (the daemon runs it as one run), makes
the blocking check `orders_counted_once` fail in the run the stale-marts sensor starts after a
load, and photographs each.
"""

import contextlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from analytics.children import child, dagster_dev, dagster_env, wait_until_up
from tests.faults import COUNT_ORDERS_LATE
from warehouse.commands import load_files
from warehouse.connection import connect, warehouse_url, with_database
from warehouse.generate import GeneratorConfig, generate
from warehouse.migrate import upgrade
from warehouse.ports import free_port

OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
DATABASE = "selzee_screenshots"
BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""


def fresh_warehouse(server_url: str) -> str:
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        for name in (DATABASE, DATABASE + "_dagster"):
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
    url = with_database(server_url, DATABASE)
    upgrade(url)
    return url


def load_generated(url: str, folder: Path, now: str, days: int, seed: int) -> None:
    generate(
        folder, GeneratorConfig(seed=seed, days=days, chatbots=2, visitors_per_day=150, now=now)
    )
    for kind in ("chatbots", "conversations", "messages", "analyses", "events"):
        load_files(url, kind, sorted(folder.glob(f"{kind}.jsonl")))


def wait_for_run(instance, tag: str, value: str | None = None, seconds: float = 300):
    """The newest finished run with the tag (and value)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for run in instance.get_runs():
            if tag in run.tags and value in (None, run.tags[tag]) and run.is_finished:
                return run
        time.sleep(1)
    raise SystemExit(f"no finished run tagged {tag}")


def main() -> int:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from pipelines.instance import open_instance
    from pipelines.refresh import refresh

    os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="selzee-screenshots-home-")
    with warehouse_url() as server_url, tempfile.TemporaryDirectory() as folder:
        url = fresh_warehouse(server_url)
        load_generated(url, Path(folder) / "first", "2026-02-24T12:00:00Z", 75, seed=7)
        refresh(url, processes=True)  # run 1: a step per group, in processes
        instance = open_instance(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with child(dagster_dev(port), dagster_env(url), signal.SIGINT) as ui:
            if not wait_until_up(f"{base}/server_info", ui, 180):
                raise SystemExit("the Dagster UI did not start")
            params = {
                "assetSelection": [
                    {"path": [name]} for name in ("popup_days", "convo_start_days", "message_days")
                ],
                "partitionNames": ["2025-12-01", "2026-01-01", "2026-02-01"],
            }
            answer = httpx.post(
                f"{base}/graphql", json={"query": BACKFILL, "variables": {"params": params}}
            ).json()
            print("backfill:", answer["data"]["launchPartitionBackfill"])
            backfill = wait_for_run(instance, "dagster/backfill")  # one run for the range
            # A faulty orders transform counts the next load's purchases a day late: the
            # blocking check fails (run 3).
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(COUNT_ORDERS_LATE)
            # A load nobody refreshes, with new purchases (another seed: the first one's event
            # ids again would be duplicates): the stale-marts sensor starts the run within a
            # minute.
            load_generated(url, Path(folder) / "later", "2026-02-25T12:00:00Z", 1, seed=8)
            failed = wait_for_run(instance, "dagster/sensor_name", "stale_marts")
            first = instance.get_runs()[-1]  # the oldest: the refresh
            for run in (first, backfill, failed):
                print("run:", run.run_id[:8], run.status.value)
            pages = {
                "asset-graph": "/asset-groups",
                "run-steps": f"/runs/{first.run_id}",
                "backfill-run": f"/runs/{backfill.run_id}",
                "blocking-check": f"/runs/{failed.run_id}",
                "monthly-partitions": "/assets/popup_days?view=partitions",
                "mart-metadata": "/assets/orders?view=definition",
                "checks": "/assets/orders?view=checks",
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                )
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(base)
                skip = page.get_by_role("button", name="Skip")  # the community invitation
                with contextlib.suppress(PlaywrightTimeout):
                    skip.click(timeout=10_000)
                for name, path in pages.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    time.sleep(3)  # the graph and the Gantt chart lay themselves out
                    page.screenshot(path=str(OUT / f"{name}.png"))
                    print("wrote", OUT / f"{name}.png")
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
