"""One module per endpoint: the statements it reads from `marts` and the pure function that
builds its answer from their rows (which the benchmark's baselines reuse). An endpoint's
statements are sent together with the chatbot lookup, in one round trip (serving/routes.py)."""

from dataclasses import dataclass, field
from typing import Any

from psycopg.rows import RowFactory, tuple_row


@dataclass(frozen=True)
class Statement:
    sql: str
    params: dict[str, Any]
    row_factory: RowFactory = field(default=tuple_row)


def window_params(chatbot_id: str, window) -> dict[str, Any]:
    return {"chatbot_id": chatbot_id, "start_date": window.start_date, "end_date": window.end_date}
