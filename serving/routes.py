"""The GET endpoints of SPEC 4, under /api/dashboard/analytics/stats/."""

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError

from serving.auth import CurrentAccount
from serving.chatbots import Chatbot, find_chatbot, iso_instant
from serving.models import (
    ConversationInsights,
    Daily,
    Engagement,
    ErrorDetail,
    Overview,
    PopupMetrics,
    Purchases,
)
from serving.queries.conversation_insights import conversation_insights
from serving.queries.daily import daily
from serving.queries.engagement import engagement
from serving.queries.overview import overview
from serving.queries.popup_metrics import popup_metrics
from serving.queries.purchases import purchases
from serving.settings import ServingSettings
from serving.timeframes import InvalidTimeframe, day_window, insights_start

router = APIRouter(
    prefix="/api/dashboard/analytics/stats",
    tags=["Analytics Stats"],
    responses={
        401: {"model": ErrorDetail, "description": "Missing, invalid or revoked credentials"},
        404: {"model": ErrorDetail, "description": "Unknown chatbot, or another account's"},
        503: {"model": ErrorDetail, "description": "The warehouse cannot be reached"},
    },
)


def warehouse_connection(request: Request) -> Iterator[psycopg.Connection]:
    with request.app.state.pool.connection() as conn:
        yield conn


def settings(request: Request) -> ServingSettings:
    return request.app.state.settings


Conn = Annotated[psycopg.Connection, Depends(warehouse_connection)]
Settings = Annotated[ServingSettings, Depends(settings)]


def owned_chatbot(
    account: CurrentAccount,
    conn: Conn,
    response: Response,
    chatbot_id: Annotated[str, Query(min_length=1, max_length=255)],
) -> Chatbot:
    """The requested chatbot; 404 when it is unknown or another account's. Sets X-Data-As-Of."""
    chatbot = find_chatbot(conn, chatbot_id, account)
    if chatbot is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="chatbot not found")
    if chatbot.data_as_of is not None:
        response.headers["X-Data-As-Of"] = iso_instant(chatbot.data_as_of)
    return chatbot


OwnedChatbot = Annotated[Chatbot, Depends(owned_chatbot)]
Timeframe = Annotated[int, Query(ge=1, le=365, description="Days to look back")]


@router.get("/overview", response_model=Overview)
def get_overview(chatbot: OwnedChatbot, conn: Conn, config: Settings, timeframe: Timeframe = 7):
    """High-level conversation statistics."""
    return overview(conn, chatbot.chatbot_id, day_window(config.now(), timeframe))


@router.get("/engagement", response_model=Engagement)
def get_engagement(chatbot: OwnedChatbot, conn: Conn, config: Settings, timeframe: Timeframe = 7):
    """Visitor funnel: visitors, approached, opened, chatted."""
    return engagement(conn, chatbot.chatbot_id, day_window(config.now(), timeframe))


@router.get("/popup-metrics", response_model=PopupMetrics)
def get_popup_metrics(
    chatbot: OwnedChatbot, conn: Conn, config: Settings, timeframe: Timeframe = 7
):
    """Popup performance by version, plus conversation sources."""
    return popup_metrics(conn, chatbot.chatbot_id, day_window(config.now(), timeframe))


@router.get("/purchases", response_model=Purchases, response_model_exclude_none=True)
def get_purchases(chatbot: OwnedChatbot, conn: Conn, config: Settings, timeframe: Timeframe = 7):
    """Purchases and revenue, chat vs. no chat; the A/B split when enabled for the chatbot."""
    window = day_window(config.now(), timeframe)
    return purchases(conn, chatbot.chatbot_id, window, chatbot.ab_test_enabled)


@router.get("/daily", response_model=Daily)
def get_daily(chatbot: OwnedChatbot, conn: Conn, config: Settings, timeframe: Timeframe = 7):
    """One row per date of the window, each as a window of that date alone (for charts)."""
    return daily(conn, chatbot.chatbot_id, day_window(config.now(), timeframe))


@router.get("/conversation-insights", response_model=ConversationInsights)
def get_conversation_insights(
    chatbot: OwnedChatbot,
    conn: Conn,
    config: Settings,
    timeframe: Annotated[
        str,
        Query(
            max_length=50,
            description="day, week, month, a month name, N (days), or N minutes/hours/days/"
            "weeks/months",
        ),
    ],
):
    """The AI's analysis of up to 100 recent conversations."""
    now = config.now()
    try:
        start = insights_start(timeframe, now)
    except InvalidTimeframe as error:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "timeframe"),
                    "msg": f"Value error, {error}",
                    "input": timeframe,
                }
            ]
        ) from None
    return conversation_insights(conn, chatbot.chatbot_id, start, now, config.app_base_url)
