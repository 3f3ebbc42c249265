"""The pipeline's command: `analytics refresh`."""

import argparse

from warehouse.connection import warehouse_url
from warehouse.migrate import upgrade

EXIT_REFRESH_FAILED = 4


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "refresh", help="bring every mart up to date with all loaded records (through Dagster)"
    )
    parser.add_argument(
        "--full", action="store_true", help="rebuild every mart from raw instead of merging"
    )
    # Imported before the command runs, while `analytics` starts up (analytics/startup.py).
    parser.set_defaults(run=run_refresh, imports=("pipelines.refresh",))


def run_refresh(args: argparse.Namespace) -> int:
    # Imported here: Dagster takes a while to import, and other commands do not need it.
    from pipelines.refresh import refresh

    with warehouse_url() as url:
        upgrade(url)
        report = refresh(url, full=args.full)
    return 0 if report.ok else EXIT_REFRESH_FAILED
