"""conversation-insights: the AI's verdicts on the 100 analysed conversations with the latest
last message among those active in [start, now]."""

from datetime import datetime, timedelta
from decimal import Decimal

from psycopg.rows import dict_row

from serving.models import (
    ChatConversion,
    ConversationInsights,
    Moods,
    Outcomes,
    RankedItem,
    Reactions,
)
from serving.numbers import percent, ratio
from serving.queries import Statement
from serving.ranking import rank_clicks, rank_mentions

MAX_REPORT_CONVERSATIONS = 100
DURATION_CAP = timedelta(minutes=60)

REPORT_SQL = """
select
    conversations.conversation_id,
    conversations.first_message_at,
    conversations.last_message_at,
    analyses.products,
    analyses.intents,
    analyses.complaints,
    analyses.missing_information,
    analyses.mood,
    analyses.outcome,
    analyses.human_intervention_needed,
    users.last_order_at >= conversations.first_message_at as is_converted
from marts.conversations
join marts.conversation_analyses as analyses using (chatbot_id, conversation_id)
left join marts.users
    on users.chatbot_id = conversations.chatbot_id and users.token = conversations.user_token
where conversations.chatbot_id = %(chatbot_id)s
    and conversations.last_message_at >= %(start)s
    and conversations.first_message_at <= %(now)s
order by conversations.last_message_at desc, conversations.conversation_id collate "C"
limit %(limit)s
"""

# The report's conversations again (the same index scan of at most 100 rows), so that the three
# statements go to the server together.
_REPORT_IDS = f"""
with report as (
    select conversation_id from ({REPORT_SQL}) as report
)
"""

CLICKS_SQL = (
    _REPORT_IDS
    + """
select clicks.conversation_id, clicks.url, clicks.count_clicks
from marts.conversation_clicks as clicks
join report using (conversation_id)
where clicks.chatbot_id = %(chatbot_id)s
"""
)

REACTIONS_SQL = (
    _REPORT_IDS
    + """
select coalesce(sum(reactions.count_likes), 0), coalesce(sum(reactions.count_dislikes), 0)
from marts.conversation_reactions as reactions
join report using (conversation_id)
where reactions.chatbot_id = %(chatbot_id)s
"""
)


def _seconds(span: timedelta) -> Decimal:
    return Decimal(span.days * 86_400 + span.seconds) + Decimal(span.microseconds) / 1_000_000


def _shares(values: list, names: tuple[str, ...]) -> dict[str, float]:
    valid = [value for value in values if value in names]
    return {name: percent(valid.count(name), len(valid)) for name in names}


def statements(chatbot_id: str, start: datetime, now: datetime) -> list[Statement]:
    """The report (dict rows), its clicks, and one row of likes and dislikes."""
    params = {
        "chatbot_id": chatbot_id,
        "start": start,
        "now": now,
        "limit": MAX_REPORT_CONVERSATIONS,
    }
    return [
        Statement(REPORT_SQL, params, dict_row),
        Statement(CLICKS_SQL, params),
        Statement(REACTIONS_SQL, params),
    ]


def insights_answer(
    chatbot_id: str,
    base_url: str,
    report: list[dict],
    clicks: list[tuple[str, str, int]],
    likes: int,
    dislikes: int,
) -> ConversationInsights:
    """`report`: the report's conversations newest first (conversation_id, first_message_at,
    last_message_at, the four lists, mood, outcome, human_intervention_needed, is_converted);
    `clicks`: (conversation id, url as given, clicks)."""
    ids = [row["conversation_id"] for row in report]
    prefix = f"{base_url.rstrip('/')}/app/{chatbot_id}/conversations/"

    def link(conversation_id: str) -> str:
        return prefix + conversation_id

    def ranked(field: str) -> list[RankedItem]:
        mentions = ((row["conversation_id"], row[field]) for row in report)
        return [RankedItem(**vars(item)) for item in rank_mentions(mentions, ids, link)]

    size = len(report)
    conversions = sum(1 for row in report if row["is_converted"])
    capped = sum(
        (
            _seconds(min(row["last_message_at"] - row["first_message_at"], DURATION_CAP))
            for row in report
        ),
        Decimal(0),
    )
    return ConversationInsights(
        most_clicked_products=[RankedItem(**vars(item)) for item in rank_clicks(clicks, ids, link)],
        most_talked_about_products=ranked("products"),
        most_frequent_intents=ranked("intents"),
        most_common_complaints=ranked("complaints"),
        mood_percentages=Moods(
            **_shares([row["mood"] for row in report], ("happy", "angry", "neutral"))
        ),
        outcome_percentages=Outcomes(
            **_shares([row["outcome"] for row in report], ("success", "fail", "neutral"))
        ),
        human_intervention_needed_percentage=percent(
            sum(1 for row in report if row["human_intervention_needed"]), size
        ),
        missing_information_overview=ranked("missing_information"),
        total_conversations_analyzed=size,
        total_click_throughs=sum(count for _, _, count in clicks),
        chat_conversion=ChatConversion(
            ratio=percent(conversions, size),
            total_conversions=conversions,
            total_conversations=size,
        ),
        reactions=Reactions(likes=likes, dislikes=dislikes),
        average_conversation_duration_minutes=ratio(capped / 60, size),
    )
