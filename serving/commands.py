"""The API's commands: `analytics serve` and `analytics keys create|list|revoke`."""

import argparse
import os
import sys

from warehouse.connection import connect, warehouse_url
from warehouse.migrate import upgrade

# One API process per core: on 2 cores, with PostgreSQL and the clients beside them, two
# processes served more requests than one at a lower p99 (docs/performance.md). At most
# four by default, so that workers x ANALYTICS_API_POOL_SIZE stays far below max_connections.
MAX_DEFAULT_WORKERS = 4
DEFAULT_WORKERS = min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS)


def add_commands(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help="API processes sharing the port, each with its own warehouse connections "
        f"(default: one per core, at most {MAX_DEFAULT_WORKERS})",
    )
    # Imported while `analytics` starts up, then frozen out of the collector's way
    # (analytics/startup.py): the app's framework objects are never walked again under load.
    imports = ("uvicorn", "serving.main", "serving.processes", "psycopg_pool", "orjson")
    serve.set_defaults(run=run_serve, imports=imports)

    keys = commands.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key; prints the key alone")
    create.add_argument("--account", required=True)
    create.set_defaults(run=run_keys_create)
    listing = key_commands.add_parser("list", help="list keys (ids, never secrets)")
    listing.add_argument("--account")
    listing.set_defaults(run=run_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key by its id (or the whole key)")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=run_keys_revoke)


def run_serve(args: argparse.Namespace) -> int:
    from serving.processes import serve

    with warehouse_url() as url:
        upgrade(url)
        serve(url, args.host, args.port, args.workers)
    return 0


def run_keys_create(args: argparse.Namespace) -> int:
    from serving.keys import create_key

    with warehouse_url() as url:
        upgrade(url)
        with connect(url, autocommit=True) as conn:
            print(create_key(conn, args.account))
    return 0


def run_keys_list(args: argparse.Namespace) -> int:
    from serving.keys import list_keys

    with warehouse_url() as url:
        upgrade(url)
        with connect(url) as conn:
            for key in list_keys(conn, args.account):
                created = f"created {key.created_at:%Y-%m-%d %H:%M}"
                state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "valid"
                print(f"{key.key_id}  {key.account_id}  {created}  {state}")
    return 0


def run_keys_revoke(args: argparse.Namespace) -> int:
    from serving.keys import key_id_of, revoke_key

    # Only the key's id is ever printed: a whole key given here must not be echoed.
    key_id = key_id_of(args.key_id)
    with warehouse_url() as url:
        upgrade(url)
        with connect(url, autocommit=True) as conn:
            if not revoke_key(conn, key_id):
                print(f"error: no valid key {key_id!r}", file=sys.stderr)
                return 1
    print(f"revoked {key_id}")
    return 0
