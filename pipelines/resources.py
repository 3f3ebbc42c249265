"""The warehouse as a Dagster resource, over the one connection module (`warehouse.connection`)."""

import contextlib
from collections.abc import Iterator

import psycopg
from dagster import ConfigurableResource

from warehouse.connection import connect, warehouse_url


class Warehouse(ConfigurableResource):
    """The PostgreSQL warehouse. `database_url` unset: `DATABASE_URL`, read when connecting, or
    the embedded server when that is unset too."""

    database_url: str | None = None

    @contextlib.contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        with contextlib.ExitStack() as stack:
            url = self.database_url or stack.enter_context(warehouse_url())
            conn = stack.enter_context(connect(url, autocommit=True))
            # The pipeline's queries are planned as expensive but run fast: JIT compiling them
            # costs more than it saves (docs/performance.md).
            conn.execute("set jit = off")
            yield conn
