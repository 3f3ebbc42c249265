"""The GET endpoints of SPEC 4, under /api/dashboard/analytics/stats/.

Each endpoint sends its statements (serving/queries/) with the lookup of the caller's chatbot in
one round trip on the request's one connection, gives the connection back, then builds the
answer from the rows."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    status,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from serving.auth import CurrentAccount
from serving.caching import CACHE_CONTROL
from serving.chatbots import (
    Chatbot,
    account_chatbots_statement,
    chatbot_from,
    chatbot_statement,
    iso_instant,
)
from serving.database import RequestConnection, request_connection
from serving.models import (
    ChatbotListing,
    ConversationInsights,
    Daily,
    Engagement,
    ErrorDetail,
    Overview,
    PopupMetrics,
    Purchases,
)
from serving.queries import (
    Statement,
    conversation_insights,
    daily,
    engagement,
    overview,
    popup_metrics,
    purchases,
)
from serving.queries.funnel import funnel_groups
from serving.settings import ServingSettings
from serving.timeframes import InvalidTimeframe, day_window, insights_start

# The headers of a 200 (serving/caching.py adds ETag and Cache-Control).
CACHING = {
    "ETag": {
        "description": "A weak tag of this answer; send it back in If-None-Match to get a 304 "
        "while the answer is unchanged.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": f"`{CACHE_CONTROL}`",
        "schema": {"type": "string"},
    },
}
DATA_AS_OF = {
    "X-Data-As-Of": {
        "description": "The newest record instant the marts reflect for the chatbot (ISO "
        "8601); absent while it has no records.",
        "schema": {"type": "string", "format": "date-time"},
    },
    **CACHING,
}
_NOT_MODIFIED = {
    "description": "Not Modified: the answer's ETag is one of If-None-Match's (no body)",
    "headers": DATA_AS_OF,
}
_ERRORS = {
    401: {"model": ErrorDetail, "description": "Missing, invalid or revoked credentials"},
    503: {
        "model": ErrorDetail,
        "description": "The warehouse cannot be reached, or the API is overloaded "
        "(with Retry-After)",
    },
}


async def if_none_match(
    if_none_match: Annotated[
        str | None,
        Header(description="ETags of answers the client holds: 304 when one still holds"),
    ] = None,
) -> None:
    """Declares the header in the OpenAPI; serving/caching.py answers it."""


def _operation_id(route: APIRoute) -> str:
    """Short operation ids for generated clients: the path's last part (`popup_metrics`)."""
    return route.path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")


router = APIRouter(
    prefix="/api/dashboard/analytics/stats",
    tags=["Analytics Stats"],
    responses={
        200: {"description": "The answer", "headers": DATA_AS_OF},
        304: _NOT_MODIFIED,
        404: {"model": ErrorDetail, "description": "Unknown chatbot, or another account's"},
        **_ERRORS,
    },
    generate_unique_id_function=_operation_id,
    dependencies=[Depends(if_none_match)],
)
dashboard = APIRouter(
    prefix="/api/dashboard",
    tags=["Dashboard"],
    responses={
        200: {"description": "The answer", "headers": CACHING},
        304: {**_NOT_MODIFIED, "headers": CACHING},
        **_ERRORS,
    },
    generate_unique_id_function=_operation_id,
    dependencies=[Depends(if_none_match)],
)


# Dependencies are coroutines: FastAPI runs a plain function in a worker thread, a hop that
# cost more than the whole function.
async def settings(request: Request) -> ServingSettings:
    return request.app.state.settings


Warehouse = Annotated[RequestConnection, Depends(request_connection)]
Settings = Annotated[ServingSettings, Depends(settings)]


@dataclass(frozen=True)
class ChatbotReader:
    """Reads marts for the requested chatbot of the caller's account."""

    account: str
    chatbot_id: str
    warehouse: RequestConnection
    response: Response

    async def read(self, statements: Sequence[Statement]) -> tuple[Chatbot, list[list]]:
        """The chatbot and the rows of `statements`, in one round trip with its lookup; 404
        when it is unknown or another account's. Sets X-Data-As-Of."""
        if "\x00" in self.chatbot_id:  # never stored (quarantined at load), not sendable
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="chatbot not found")
        lookup = chatbot_statement(self.chatbot_id, self.account)
        found, *rows = await self.warehouse.fetch([lookup, *statements])
        chatbot = chatbot_from(self.chatbot_id, found)
        if chatbot is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="chatbot not found")
        if chatbot.data_as_of is not None:
            self.response.headers["X-Data-As-Of"] = iso_instant(chatbot.data_as_of)
        return chatbot, rows


async def chatbot_reader(
    account: CurrentAccount,
    warehouse: Warehouse,
    response: Response,
    chatbot_id: Annotated[str, Query(min_length=1, max_length=255)],
) -> ChatbotReader:
    return ChatbotReader(account, chatbot_id, warehouse, response)


Reader = Annotated[ChatbotReader, Depends(chatbot_reader)]
Timeframe = Annotated[int, Query(ge=1, le=365, description="Days to look back")]


@router.get("/overview", response_model=Overview)
async def get_overview(reader: Reader, config: Settings, timeframe: Timeframe = 7):
    """High-level conversation statistics."""
    window = day_window(config.now(), timeframe)
    _, [[totals]] = await reader.read(overview.statements(reader.chatbot_id, window))
    return overview.overview_answer(window, *totals)


@router.get("/engagement", response_model=Engagement)
async def get_engagement(reader: Reader, config: Settings, timeframe: Timeframe = 7):
    """Visitor funnel: visitors, approached, opened, chatted."""
    window = day_window(config.now(), timeframe)
    _, [rows] = await reader.read(engagement.statements(reader.chatbot_id, window))
    return engagement.engagement_answer(window, funnel_groups(rows))


@router.get("/popup-metrics", response_model=PopupMetrics)
async def get_popup_metrics(reader: Reader, config: Settings, timeframe: Timeframe = 7):
    """Popup performance by version, plus conversation sources."""
    window = day_window(config.now(), timeframe)
    _, [versions, [sources]] = await reader.read(
        popup_metrics.statements(reader.chatbot_id, window)
    )
    return popup_metrics.popup_metrics_answer(window, versions, sources)


@router.get("/purchases", response_model=Purchases, response_model_exclude_none=True)
async def get_purchases(reader: Reader, config: Settings, timeframe: Timeframe = 7):
    """Purchases and revenue, chat vs. no chat; the A/B split when enabled for the chatbot."""
    window = day_window(config.now(), timeframe)
    chatbot, [rows] = await reader.read(purchases.statements(reader.chatbot_id, window))
    return purchases.purchases_answer(window, funnel_groups(rows), chatbot.ab_test_enabled)


@router.get("/daily", response_model=Daily)
async def get_daily(reader: Reader, config: Settings, timeframe: Timeframe = 7):
    """One row per date of the window, each as a window of that date alone (for charts)."""
    window = day_window(config.now(), timeframe)
    _, [days] = await reader.read(daily.statements(reader.chatbot_id, window))
    return daily.daily_answer(window, days)


@router.get("/conversation-insights", response_model=ConversationInsights)
async def get_conversation_insights(
    reader: Reader,
    config: Settings,
    timeframe: Annotated[
        str,
        Query(
            min_length=1,
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
        await reader.read([])  # an unknown chatbot is a 404 first, as on the other endpoints
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
    _, [report, clicks, [(likes, dislikes)]] = await reader.read(
        conversation_insights.statements(reader.chatbot_id, start, now)
    )
    return conversation_insights.insights_answer(
        reader.chatbot_id, config.app_base_url, report, clicks, likes, dislikes
    )


@dashboard.get("/chatbots", response_model=list[ChatbotListing])
async def list_chatbots(account: CurrentAccount, warehouse: Warehouse):
    """The caller's chatbots, by id."""
    [rows] = await warehouse.fetch([account_chatbots_statement(account)])
    return [ChatbotListing(chatbot_id=row[0], name=row[1], ab_test_enabled=row[2]) for row in rows]
