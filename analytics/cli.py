"""The `analytics` command: one entry point over the warehouse, pipeline and serving layers."""

import argparse
import gc
import os
import signal
import sys

from analytics import startup


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="analytics", description="Selzee Analytics")
    commands = parser.add_subparsers(dest="command", required=True)
    from warehouse import commands as warehouse_commands

    warehouse_commands.add_commands(commands)
    from pipelines import commands as pipeline_commands

    pipeline_commands.add_commands(commands)
    from serving import commands as serving_commands

    serving_commands.add_commands(commands)
    from collector import commands as collector_commands

    collector_commands.add_commands(commands)
    from analytics import dagster_ui, demo

    demo.add_command(commands)
    dagster_ui.add_command(commands)
    return parser


def _exit_on_sigterm(signum, frame) -> None:
    # Unwind normally, so that servers this command started are stopped on the way out.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with startup.collector_off():
        args = _parser().parse_args(argv)
        # Modules a command imports only when it runs (`imports`), imported with the others.
        startup.preload(getattr(args, "imports", ()))
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        # The interpreter's last garbage collection at exit walks every object still alive:
        # after a Dagster run, 0.5 s of `analytics refresh` here. Nothing needs it (resources
        # are closed by then), so exempt what is alive from it.
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
