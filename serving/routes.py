"""The GET endpoints of SPEC 4, under /api/dashboard/analytics/stats/.

Each endpoint finds the caller's chatbot and reads its marts on the request's one connection,
gives the connection back, then builds the answer (serving/queries/: I/O and answer apart)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError

from serving.auth import CurrentAccount
from serving.chatbots import Chatbot, find_chatbot, iso_instant
from serving.database import RequestConnection, request_connection
from serving.models import (
    ConversationInsights,
    Daily,
    Engagement,
    ErrorDetail,
    Overview,
    PopupMetrics,
    Purchases,
)
from serving.queries.conversation_insights import conversation_insights, insights_answer
from serving.queries.daily import daily, daily_answer
from serving.queries.engagement import engagement, engagement_answer
from serving.queries.overview import overview, overview_answer
from serving.queries.popup_metrics import popup_metrics, popup_metrics_answer
from serving.queries.purchases import purchases, purchases_answer
from serving.settings import ServingSettings
from serving.timeframes import InvalidTimeframe, day_window, insights_start

router = APIRouter(
    prefix="/api/dashboard/analytics/stats",
    tags=["Analytics Stats"],
    responses={
        401: {"model": ErrorDetail, "description": "Missing, invalid or revoked credentials"},
        404: {"model": ErrorDetail, "description": "Unknown chatbot, or another account's"},
        503: {
            "model": ErrorDetail,
            "description": "The warehouse cannot be reached, or the API is overloaded "
            "(with Retry-After)",
        },
    },
)


def settings(request: Request) -> ServingSettings:
    return request.app.state.settings


Warehouse = Annotated[RequestConnection, Depends(request_connection)]
Settings = Annotated[ServingSettings, Depends(settings)]


async def owned_chatbot(
    account: CurrentAccount,
    warehouse: Warehouse,
    response: Response,
    chatbot_id: Annotated[str, Query(min_length=1, max_length=255)],
) -> Chatbot:
    """The requested chatbot; 404 when it is unknown or another account's. Sets X-Data-As-Of."""
    chatbot = await find_chatbot(await warehouse.get(), chatbot_id, account)
    if chatbot is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="chatbot not found")
    if chatbot.data_as_of is not None:
        response.headers["X-Data-As-Of"] = iso_instant(chatbot.data_as_of)
    return chatbot


OwnedChatbot = Annotated[Chatbot, Depends(owned_chatbot)]
Timeframe = Annotated[int, Query(ge=1, le=365, description="Days to look back")]


@router.get("/overview", response_model=Overview)
async def get_overview(
    chatbot: OwnedChatbot, warehouse: Warehouse, config: Settings, timeframe: Timeframe = 7
):
    """High-level conversation statistics."""
    window = day_window(config.now(), timeframe)
    totals = await warehouse.read(overview, chatbot.chatbot_id, window)
    return overview_answer(window, *totals)


@router.get("/engagement", response_model=Engagement)
async def get_engagement(
    chatbot: OwnedChatbot, warehouse: Warehouse, config: Settings, timeframe: Timeframe = 7
):
    """Visitor funnel: visitors, approached, opened, chatted."""
    window = day_window(config.now(), timeframe)
    return engagement_answer(window, await warehouse.read(engagement, chatbot.chatbot_id, window))


@router.get("/popup-metrics", response_model=PopupMetrics)
async def get_popup_metrics(
    chatbot: OwnedChatbot, warehouse: Warehouse, config: Settings, timeframe: Timeframe = 7
):
    """Popup performance by version, plus conversation sources."""
    window = day_window(config.now(), timeframe)
    versions, sources = await warehouse.read(popup_metrics, chatbot.chatbot_id, window)
    return popup_metrics_answer(window, versions, sources)


@router.get("/purchases", response_model=Purchases, response_model_exclude_none=True)
async def get_purchases(
    chatbot: OwnedChatbot, warehouse: Warehouse, config: Settings, timeframe: Timeframe = 7
):
    """Purchases and revenue, chat vs. no chat; the A/B split when enabled for the chatbot."""
    window = day_window(config.now(), timeframe)
    groups = await warehouse.read(purchases, chatbot.chatbot_id, window)
    return purchases_answer(window, groups, chatbot.ab_test_enabled)


@router.get("/daily", response_model=Daily)
async def get_daily(
    chatbot: OwnedChatbot, warehouse: Warehouse, config: Settings, timeframe: Timeframe = 7
):
    """One row per date of the window, each as a window of that date alone (for charts)."""
    window = day_window(config.now(), timeframe)
    return daily_answer(window, await warehouse.read(daily, chatbot.chatbot_id, window))


@router.get("/conversation-insights", response_model=ConversationInsights)
async def get_conversation_insights(
    chatbot: OwnedChatbot,
    warehouse: Warehouse,
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
    report = await warehouse.read(conversation_insights, chatbot.chatbot_id, start, now)
    return insights_answer(chatbot.chatbot_id, config.app_base_url, *report)
