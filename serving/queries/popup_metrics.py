"""popup-metrics: displays and opens per popup version, conversation sources."""

from serving.models import ConversationSources, PopupMetric, PopupMetrics
from serving.numbers import percent
from serving.queries import Statement, window_params
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


def statements(chatbot_id: str, window: DayWindow) -> list[Statement]:
    """The versions, then one row of sources."""
    params = window_params(chatbot_id, window)
    return [Statement(VERSIONS_SQL, params), Statement(SOURCES_SQL, params)]


def popup_metrics_answer(
    window: DayWindow, versions: list[tuple[str, int, int]], sources: tuple[int, int, int]
) -> PopupMetrics:
    """`versions`: (version, displayed, opened); `sources`: (total, from popup, from button)."""
    total, from_popup, from_chat_button = sources
    return PopupMetrics(
        **window.fields,
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
