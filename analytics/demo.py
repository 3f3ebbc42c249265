"""`analytics demo`: the main job on a fresh machine.

For now (foundation): the warehouse, a generated data set loaded into `raw`, and the load summary.
"""

import argparse
import tempfile
from pathlib import Path

from warehouse.commands import format_summary, load_files
from warehouse.connection import warehouse_url
from warehouse.generate import GeneratorConfig, generate
from warehouse.migrate import upgrade

LOAD_ORDER = ("chatbots", "conversations", "messages", "analyses", "events")


def add_command(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="set up, generate and load a demo data set")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--chatbots", type=int, default=3)
    demo.add_argument("--visitors-per-day", type=int, default=300)
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    config = GeneratorConfig(
        seed=args.seed,
        days=args.days,
        chatbots=args.chatbots,
        visitors_per_day=args.visitors_per_day,
    )
    with tempfile.TemporaryDirectory(prefix="analytics-demo-") as folder, warehouse_url() as url:
        print(f"warehouse: {url} (revision {upgrade(url)})")
        counts = generate(Path(folder), config)
        print("generated: " + ", ".join(f"{count:,} {kind}" for kind, count in counts.items()))
        for kind in LOAD_ORDER:
            summaries, errors = load_files(url, kind, sorted(Path(folder).glob(f"{kind}.jsonl*")))
            for summary in summaries:
                print(format_summary(summary))
            if errors:
                raise SystemExit("\n".join(errors))
    return 0
