"""Python's cyclic garbage collector stays off while an `analytics` command starts up.

Importing Dagster, SQLAlchemy, Alembic and the project creates a few hundred thousand objects
that live as long as the process, and each collection during the imports walked all of them
again (what that costs a refresh: docs/performance.md). When the command has imported what it
needs, everything alive is moved into the permanent generation (`gc.freeze`: never walked
again) and the collector is turned back on, so what the command itself creates is collected
as usual: a long load or a server does not keep its garbage cycles.
"""

import contextlib
import gc
import importlib
from collections.abc import Iterable, Iterator


@contextlib.contextmanager
def collector_off() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def preload(modules: Iterable[str]) -> None:
    """Import the modules a command will import when it runs (inside `collector_off`)."""
    for module in modules:
        importlib.import_module(module)
