"""SQL text kept in files under `warehouse/sql/`, read once."""

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


@cache
def read_sql(relative_path: str) -> str:
    return (SQL_DIR / relative_path).read_text()
