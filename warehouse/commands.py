"""The warehouse's commands: `analytics db upgrade`, `analytics load`, `analytics generate`."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from warehouse.analysts import ANALYST_ROLE, DEFAULT_STATEMENT_TIMEOUT, prepare_analyst
from warehouse.chunks import UnreadableFileError, ValidationFailedError
from warehouse.connection import connect, warehouse_url
from warehouse.generate import GeneratorConfig, generate
from warehouse.loader import LoadSummary, load_file
from warehouse.migrate import upgrade
from warehouse.validation import KINDS, parse_timestamp

EXIT_UNREADABLE_FILE = 1
EXIT_STRICT_QUARANTINE = 3


def add_commands(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="manage the warehouse schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser(
        "upgrade",
        help="create or migrate the warehouse and the Dagster instance's database (idempotent)",
    )
    analyst = db_commands.add_parser(
        "analyst",
        help="create or update the analysts' read-only login; prints its connection string",
    )
    analyst.add_argument("--role", default=ANALYST_ROLE, help=f"(default {ANALYST_ROLE})")
    analyst.add_argument(
        "--statement-timeout",
        default=DEFAULT_STATEMENT_TIMEOUT,
        help=f"longest query, as PostgreSQL reads it (default {DEFAULT_STATEMENT_TIMEOUT})",
    )
    db.set_defaults(run=run_db)

    load = commands.add_parser("load", help="load JSONL files (.jsonl or .jsonl.gz) into raw")
    load.add_argument("kind", choices=KINDS)
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {EXIT_STRICT_QUARANTINE} when any line was quarantined",
    )
    load.set_defaults(run=run_load)

    generate = commands.add_parser("generate", help="write a synthetic data set (5 JSONL files)")
    generate.add_argument("--out", type=Path, required=True)
    add_generator_flags(generate)
    generate.set_defaults(run=run_generate)


def add_generator_flags(parser: argparse.ArgumentParser, visitors_per_day: int = 200) -> None:
    """The flags that size a generated data set (`generate` and `demo` share them)."""
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=_positive, default=30)
    parser.add_argument("--chatbots", type=_positive, default=3)
    parser.add_argument("--visitors-per-day", type=_positive, default=visitors_per_day)
    parser.add_argument(
        "--now", type=_timestamp, default=None, help="ISO timestamp the data ends at (default: now)"
    )
    parser.add_argument("--gzip", action="store_true", help="write .jsonl.gz files")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _timestamp(text: str) -> str:
    try:
        parse_timestamp(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 timestamp, got {text!r}") from None
    return text


def generator_config(args: argparse.Namespace) -> GeneratorConfig:
    return GeneratorConfig(
        seed=args.seed,
        days=args.days,
        chatbots=args.chatbots,
        visitors_per_day=args.visitors_per_day,
        now=args.now,
        gzip=args.gzip,
    )


def run_db(args: argparse.Namespace) -> int:
    # The Dagster instance's database and config come with the warehouse (pipelines/instance.py;
    # no Dagster import).
    from pipelines.instance import dagster_home, instance_database_url, prepare_instance

    with warehouse_url() as url:
        revision = upgrade(url)
        if args.db_command == "analyst":
            print(prepare_analyst(url, args.role, args.statement_timeout))
            print(
                "read-only: marts, staging, reference (docs/warehouse.md, For analysts); "
                "a password in it is shown only now",
                file=sys.stderr,
            )
            return 0
        prepare_instance(url)
    print(f"warehouse at revision {revision}")
    print(f"Dagster instance: {dagster_home() / 'dagster.yaml'} ({instance_database_url(url)})")
    return 0


def format_summary(summary: LoadSummary) -> str:
    line = (
        f"{summary.source} ({summary.kind}): {summary.lines_read:,} lines, "
        f"{summary.loaded:,} loaded, {summary.duplicates:,} duplicates skipped, "
        f"{summary.quarantined_total:,} quarantined"
    )
    if summary.already_quarantined:
        line += f" ({summary.already_quarantined:,} already quarantined by an earlier load)"
    reasons = ", ".join(
        f"{reason} {count:,}"
        for reason, count in sorted(
            summary.quarantined.items(), key=lambda item: (-item[1], item[0])
        )
    )
    return line + (f"\n    quarantined by reason: {reasons}" if reasons else "")


def _progress(path: Path):
    if not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(desc=path.name, unit=" lines", unit_scale=True, leave=False, file=sys.stderr)

    def advance(line_number: int) -> None:
        bar.update(line_number - bar.n)

    return bar, advance


def load_files(
    url: str,
    kind: str,
    files: list[Path],
    on_summary: Callable[[LoadSummary], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> tuple[list[LoadSummary], list[str]]:
    """Load each file in its own transaction; returns the summaries and the files that could
    not be loaded (unreadable, or their validation failed), each told to the callbacks as soon
    as it is known."""
    summaries, errors = [], []
    with connect(url) as conn:
        for path in files:
            bar, advance = _progress(path)
            try:
                summary = load_file(conn, kind, path, on_progress=advance)
            except (UnreadableFileError, ValidationFailedError) as error:
                errors.append(str(error))
                if on_error:
                    on_error(str(error))
                continue
            finally:
                if bar is not None:
                    bar.close()
            summaries.append(summary)
            if on_summary:
                on_summary(summary)
    return summaries, errors


def run_load(args: argparse.Namespace) -> int:
    with warehouse_url() as url:
        upgrade(url)
        summaries, errors = load_files(
            url,
            args.kind,
            args.files,
            on_summary=lambda summary: print(format_summary(summary), flush=True),
            on_error=lambda error: print(f"error: {error}", file=sys.stderr, flush=True),
        )
    if errors:
        return EXIT_UNREADABLE_FILE
    if args.strict and any(
        summary.quarantined_total or summary.already_quarantined for summary in summaries
    ):
        return EXIT_STRICT_QUARANTINE
    return 0


def run_generate(args: argparse.Namespace) -> int:
    counts = generate(args.out, generator_config(args))
    for kind, count in counts.items():
        print(f"{kind}: {count:,} records")
    return 0
