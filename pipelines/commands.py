"""The pipeline's commands: `analytics refresh`, `analytics ingest`."""

import argparse

from warehouse.connection import warehouse_url
from warehouse.migrate import upgrade

EXIT_REFRESH_FAILED = 4
EXIT_FILE_SET_ASIDE = 1  # as `analytics load` with a file it cannot read


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "refresh", help="bring every mart up to date with all loaded records (through Dagster)"
    )
    parser.add_argument(
        "--full", action="store_true", help="rebuild every mart from raw instead of merging"
    )
    # Imported before the command runs, while `analytics` starts up (analytics/startup.py).
    parser.set_defaults(run=run_refresh, imports=("pipelines.refresh",))

    ingest = commands.add_parser(
        "ingest",
        help="load every complete file waiting in the landing folder once, then exit "
        "(what the landing_files sensor does; through Dagster)",
    )
    ingest.set_defaults(run=run_ingest, imports=("pipelines.ingest",))


def run_refresh(args: argparse.Namespace) -> int:
    # Imported here: Dagster takes a while to import, and other commands do not need it.
    from pipelines.refresh import refresh

    with warehouse_url() as url:
        upgrade(url)
        report = refresh(url, full=args.full)
    return 0 if report.ok else EXIT_REFRESH_FAILED


def run_ingest(args: argparse.Namespace) -> int:
    from pipelines.ingest import ingest_landing

    with warehouse_url() as url:
        upgrade(url)
        report = ingest_landing(url)
    if report.failed:
        return EXIT_REFRESH_FAILED
    return EXIT_FILE_SET_ASIDE if report.rejected else 0
