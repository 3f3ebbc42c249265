"""The chatbot a request names: it must exist and belong to the caller's account."""

from dataclasses import dataclass
from datetime import UTC, datetime

from serving.queries import Statement


@dataclass(frozen=True)
class Chatbot:
    chatbot_id: str
    ab_test_enabled: bool
    data_as_of: datetime | None  # the newest record instant the marts reflect


def chatbot_statement(chatbot_id: str, account_id: str) -> Statement:
    """The account's chatbot: one row, none for an unknown chatbot and for another account's."""
    return Statement(
        """
        select chatbots.ab_test_enabled, chatbot_freshness.newest_record_at
        from marts.chatbots
        left join marts.chatbot_freshness using (chatbot_id)
        where chatbots.chatbot_id = %(chatbot_id)s and chatbots.account_id = %(account_id)s
        """,
        {"chatbot_id": chatbot_id, "account_id": account_id},
    )


def account_chatbots_statement(account_id: str) -> Statement:
    """The account's chatbots: id, name, A/B switch, by id in code-point order."""
    return Statement(
        """
        select chatbot_id, name, ab_test_enabled
        from marts.chatbots
        where account_id = %(account_id)s
        order by chatbot_id collate "C"
        """,
        {"account_id": account_id},
    )


def chatbot_from(chatbot_id: str, rows: list[tuple]) -> Chatbot | None:
    return Chatbot(chatbot_id, *rows[0]) if rows else None


def iso_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
