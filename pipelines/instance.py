"""Where Dagster keeps its runs, event log, schedules, sensors and backfills: by default in
PostgreSQL (dagster-postgres), on the warehouse's server, in a database of its own named
`<warehouse database>_dagster`.

`DAGSTER_HOME` (unset: `.dagster_home` in the project) holds the instance's `dagster.yaml`.
`analytics db upgrade` creates the database and writes that file pointing at it, unless the
file there is a user's own: a `dagster.yaml` you put in `DAGSTER_HOME` wins, and is never
rewritten. `analytics refresh`, `analytics demo` and `analytics dagster` (the UI and its
daemon) all read the same file, so their runs are in one history.
"""

import os
from pathlib import Path

from warehouse.connection import (
    database_name,
    ensure_database,
    psycopg2_url,
    socket_url,
    with_database,
)
from warehouse.settings import PROJECT_ROOT

DEFAULT_HOME = PROJECT_ROOT / ".dagster_home"
SUFFIX = "_dagster"
_MARK = "# Written by `analytics db upgrade`"
# What earlier versions wrote there (SQLite storage): replaced, as our own.
_EARLIER_MARK = "# Written by `analytics refresh`"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or DEFAULT_HOME)


def instance_database_url(warehouse_url: str) -> str:
    """The instance's database on the warehouse's server, as dagster-postgres needs it (through
    the embedded server's Unix socket: dagster-postgres connects for each event it writes)."""
    name = database_name(warehouse_url) + SUFFIX
    return psycopg2_url(socket_url(with_database(warehouse_url, name)))


def instance_config(warehouse_url: str) -> str:
    return f"""{_MARK} for the warehouse it names: the Dagster
# instance in PostgreSQL, beside the warehouse. Replace this file with your own (without this
# first line) and it is left alone.
storage:
  postgres:
    postgres_url: "{instance_database_url(warehouse_url)}"
telemetry:
  enabled: false
"""


def prepare_instance(warehouse_url: str) -> Path:
    """Create the instance's database and write its dagster.yaml, unless DAGSTER_HOME holds a
    config of the user's own; returns the home."""
    home = dagster_home()
    config = home / "dagster.yaml"
    if config.exists() and not config.read_text().startswith((_MARK, _EARLIER_MARK)):
        return home
    ensure_database(instance_database_url(warehouse_url))
    wanted = instance_config(warehouse_url)
    if not config.exists() or config.read_text() != wanted:
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(wanted)
        config.chmod(0o600)  # the URL may carry a password
    return home


def open_instance(warehouse_url: str):
    """The Dagster instance of the warehouse (prepared first)."""
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(prepare_instance(warehouse_url)))
