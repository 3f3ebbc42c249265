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


async def popup_metrics(
    conn: psycopg.AsyncConnection, chatbot_id: str, window: DayWindow
) -> tuple[list[tuple[str, int, int]], tuple[int, int, int]]:
    """What popup_metrics_answer needs: the versions and the sources."""
    params = {
        "chatbot_id": chatbot_id,
        "start_date": window.start_date,
        "end_date": window.end_date,
    }
    versions = await (await conn.execute(VERSIONS_SQL, params)).fetchall()
    sources = await (await conn.execute(SOURCES_SQL, params)).fetchone()
    return versions, sources


def popup_metrics_answer(
    window: DayWindow, versions: list[tuple[str, int, int]], sources: tuple[int, int, int]
) -> PopupMetrics:
    """`versions`: (version, displayed, opened); `sources`: (total, from popup, from button)."""
    total, from_popup, from_chat_button = sources
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
            for version, displayed, opened in sorted(versions)  # code-point order
        ],
        conversations=ConversationSources(
            total=total,
            from_popup=from_popup,
            from_chat_button=from_chat_button,
            popup_ratio=percent(from_popup, total),
        ),
    )
