"""`analytics demo`: the main job on a fresh machine.

For now (foundation): the warehouse, a generated data set loaded into `raw`, and the load summary.
"""

import argparse
import tempfile
from pathlib import Path

from warehouse.commands import add_generator_flags, format_summary, generator_config, load_files
from warehouse.connection import warehouse_url
from warehouse.generate import generate
from warehouse.migrate import upgrade

LOAD_ORDER = ("chatbots", "conversations", "messages", "analyses", "events")


def add_command(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="set up, generate and load a demo data set")
    add_generator_flags(demo, visitors_per_day=300)
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    config = generator_config(args)
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
