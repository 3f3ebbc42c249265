"""Create or migrate the warehouse to the newest schema (Alembic), safe to run on every start."""

from pathlib import Path

import psycopg
import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from warehouse.api_login import secure_api_login
from warehouse.connection import ensure_database, libpq_url, sqlalchemy_url

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works: concurrent upgrades queue on it instead of racing.
_UPGRADE_LOCK = 7_140_001


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str, revision: str = "head") -> str:
    """Bring the warehouse at `url` to the newest revision (or to `revision`); returns the
    revision it is at."""
    ensure_database(url)
    config = _alembic_config()
    engine = sqlalchemy.create_engine(sqlalchemy_url(url), poolclass=sqlalchemy.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                sqlalchemy.text("select pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK}
            )
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            current = MigrationContext.configure(connection).get_current_revision() or ""
        if current >= "0008":
            with psycopg.connect(libpq_url(url), autocommit=True) as conn:
                secure_api_login(conn)
        return current
    finally:
        engine.dispose()


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""
