"""The collector's command: `analytics collect --host H --port P`."""

import argparse
from pathlib import Path

DEFAULT_PORT = 8100


def add_commands(commands: argparse._SubParsersAction) -> None:
    collect = commands.add_parser(
        "collect",
        help="serve the widget's tracking endpoints; events go to the landing folder (SPEC 6)",
    )
    collect.add_argument("--host", default="127.0.0.1")
    collect.add_argument("--port", type=int, default=DEFAULT_PORT)
    collect.set_defaults(run=run_collect, imports=("uvicorn", "collector.app"))

    simulate = commands.add_parser(
        "simulate",
        help="live traffic for the demo: generated visitors posting events to a collector",
    )
    simulate.add_argument("--collector", required=True, help="its base URL")
    simulate.add_argument("--visitors-per-minute", type=float, default=30)
    simulate.add_argument("--seed", type=int, default=1, help="as the data set was generated")
    simulate.add_argument("--chatbots", type=int, default=3, help="as the data set was generated")
    simulate.set_defaults(run=run_simulate)


def run_collect(args: argparse.Namespace) -> int:
    import uvicorn

    from collector.app import create_app
    from collector.origins import OriginPolicy
    from collector.settings import get_settings
    from collector.spool import Spool
    from warehouse.connection import warehouse_url
    from warehouse.landing import Landing, is_remote, landing_dir
    from warehouse.migrate import upgrade
    from warehouse.settings import get_settings as warehouse_settings

    settings = get_settings()
    landing = Landing(landing_dir())
    landing.prepare()
    if is_remote(landing.location):  # an object store: spool locally, upload each file
        folder = warehouse_settings().analytics_data_dir / "spool" / "events"

        def deliver(path: Path) -> None:
            landing.fs.put_file(str(path), landing.path("events", path.name))
            path.unlink()

        spool = Spool(folder, settings.analytics_landing_rotate_s, deliver)
    else:
        spool = Spool(Path(landing.path("events")), settings.analytics_landing_rotate_s)
    with warehouse_url() as url:
        upgrade(url)  # the allowed origins are read from marts.chatbots
        app = create_app(
            spool, OriginPolicy(url, settings.analytics_collect_origins_refresh_s), settings
        )
        target = landing.shown(landing.path("events"))
        print(f"collecting on http://{args.host}:{args.port} into {target}", flush=True)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
        )
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from collector.simulate import simulate
    from warehouse.generate import GeneratorConfig
    from warehouse.landing import Landing, landing_dir

    config = GeneratorConfig(seed=args.seed, chatbots=args.chatbots)
    simulate(args.collector.rstrip("/"), Landing(landing_dir()), config, args.visitors_per_minute)
    return 0
