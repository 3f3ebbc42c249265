"""The chatbot a request names: it must exist and belong to the caller's account."""

from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg


@dataclass(frozen=True)
class Chatbot:
    chatbot_id: str
    ab_test_enabled: bool
    data_as_of: datetime | None  # the newest record instant the marts reflect


async def find_chatbot(
    conn: psycopg.AsyncConnection, chatbot_id: str, account_id: str
) -> Chatbot | None:
    """The account's chatbot, or None for an unknown chatbot and for another account's."""
    if "\x00" in chatbot_id:  # never stored (quarantined at load), and not sendable as text
        return None
    cursor = await conn.execute(
        """
        select chatbots.ab_test_enabled, chatbot_freshness.newest_record_at
        from marts.chatbots
        left join marts.chatbot_freshness using (chatbot_id)
        where chatbots.chatbot_id = %s and chatbots.account_id = %s
        """,
        (chatbot_id, account_id),
    )
    row = await cursor.fetchone()
    return None if row is None else Chatbot(chatbot_id, *row)


def iso_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
