"""popup-metrics: displays and opens per popup version, conversation sources."""

import psycopg

from serving.models import ConversationSources, PopupMetric, PopupMetrics
from serving.numbers import percent
from serving.timeframes import DayWindow

VERSIONS_SQL = """
select popup_version, sum(count_displayed), sum(count_opened)
from marts.popup_days
where chatbot_id = %(chatbot_id)s and day between %(start_date)s and %(end_date)s
group by popup_version
"""

SOURCES_SQL = """
select
    coalesce(sum(count_convo_started), 0),
    coalesce(sum(count_convo_started) filter (where open_way = 'popup'), 0),
    coalesce(sum(count_convo_started) filter (where open_way = 'chat_button'), 0)
from marts.convo_start_days
where chatbot_id = %(chatbot_id)s and day between %(start_date)s and %(end_date)s
"""


def popup_metrics(conn: psycopg.Connection, chatbot_id: str, window: DayWindow) -> PopupMetrics:
    params = {
        "chatbot_id": chatbot_id,
        "start_date": window.start_date,
        "end_date": window.end_date,
    }
    versions = sorted(conn.execute(VERSIONS_SQL, params).fetchall())  # code-point order
    total, from_popup, from_chat_button = conn.execute(SOURCES_SQL, params).fetchone()
    return PopupMetrics(
        timeframe_days=window.timeframe_days,
        start_date=window.start_date,
        end_date=window.end_date,
        metrics=[
            PopupMetric(
                popup_version=version,
                popup_displayed_count=displayed,
                popup_opened_count=opened,
                open_rate=percent(opened, displayed),
            )
            for version, displayed, opened in versions
        ],
        conversations=ConversationSources(
            total=total,
            from_popup=from_popup,
            from_chat_button=from_chat_button,
            popup_ratio=percent(from_popup, total),
        ),
    )
