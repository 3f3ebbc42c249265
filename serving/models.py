"""Response models: SPEC 4's JSON, field for field and in its order, with the public API page's
examples for /docs."""

from datetime import date

from pydantic import BaseModel, ConfigDict


def _example(**fields) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [fields]})


_WINDOW = {"timeframe_days": 7, "start_date": "2026-02-17", "end_date": "2026-02-24"}


class ErrorDetail(BaseModel):
    detail: str


class ChatbotListing(BaseModel):
    model_config = _example(
        chatbot_id="550e8400-e29b-41d4-a716-446655440000",
        name="Acme shop bot",
        ab_test_enabled=True,
    )

    chatbot_id: str
    name: str | None
    ab_test_enabled: bool


class DayWindowFields(BaseModel):
    timeframe_days: int
    start_date: date
    end_date: date


class Overview(DayWindowFields):
    model_config = _example(
        **_WINDOW, total_conversations=150, total_ai_messages=500, saved_hours="25.5"
    )

    total_conversations: int
    total_ai_messages: int
    saved_hours: str


class Engagement(DayWindowFields):
    model_config = _example(
        **_WINDOW,
        total_users=1250,
        total_users_approached=1050,
        total_users_opened=950,
        total_users_chatted=800,
        approached_ratio=84.0,
        opened_ratio=76.0,
        chatted_ratio=64.0,
    )

    total_users: int
    total_users_approached: int
    total_users_opened: int
    total_users_chatted: int
    approached_ratio: float
    opened_ratio: float
    chatted_ratio: float


class PopupMetric(BaseModel):
    popup_version: str
    popup_displayed_count: int
    popup_opened_count: int
    open_rate: float


class ConversationSources(BaseModel):
    total: int
    from_popup: int
    from_chat_button: int
    popup_ratio: float


class PopupMetrics(DayWindowFields):
    model_config = _example(
        **_WINDOW,
        metrics=[
            {
                "popup_version": "v1",
                "popup_displayed_count": 1000,
                "popup_opened_count": 250,
                "open_rate": 25.0,
            },
            {
                "popup_version": "v2",
                "popup_displayed_count": 800,
                "popup_opened_count": 300,
                "open_rate": 37.5,
            },
        ],
        conversations={
            "total": 450,
            "from_popup": 300,
            "from_chat_button": 150,
            "popup_ratio": 66.67,
        },
    )

    metrics: list[PopupMetric]
    conversations: ConversationSources


class AbGroup(BaseModel):
    visitors: int
    orders: int
    conversion_rate: float
    aov: float
    arpu: float


class AbTest(BaseModel):
    control: AbGroup
    test: AbGroup


class Purchases(DayWindowFields):
    model_config = _example(
        **_WINDOW,
        total_users=500,
        total_users_chatted=200,
        total_users_purchased=100,
        total_users_chatted_purchased=80,
        total_revenue_purchased=25000.0,
        total_revenue_chatted_purchased=20000.0,
        conversion_rate_with_chat=40.0,
        conversion_rate_without_chat=4.0,
        aov_with_chat=250.0,
        aov_without_chat=250.0,
        ab_test={
            "control": {
                "visitors": 250,
                "orders": 50,
                "conversion_rate": 8.0,
                "aov": 250.0,
                "arpu": 50.0,
            },
            "test": {
                "visitors": 250,
                "orders": 60,
                "conversion_rate": 10.0,
                "aov": 260.0,
                "arpu": 62.4,
            },
        },
    )

    total_users: int
    total_users_chatted: int
    total_users_purchased: int
    total_users_chatted_purchased: int
    total_revenue_purchased: float
    total_revenue_chatted_purchased: float
    conversion_rate_with_chat: float
    conversion_rate_without_chat: float
    aov_with_chat: float
    aov_without_chat: float
    # Present only when the chatbot's ab_test_enabled is true.
    ab_test: AbTest | None = None


class Day(BaseModel):
    date: date
    total_users: int
    total_users_approached: int
    total_users_opened: int
    total_users_chatted: int
    total_users_purchased: int
    total_users_chatted_purchased: int
    total_revenue_purchased: float
    total_revenue_chatted_purchased: float
    orders: int
    total_conversations: int
    total_ai_messages: int
    saved_hours: str


class Daily(DayWindowFields):
    model_config = _example(
        timeframe_days=1,
        start_date="2026-02-23",
        end_date="2026-02-24",
        days=[
            {
                "date": "2026-02-23",
                "total_users": 180,
                "total_users_approached": 150,
                "total_users_opened": 40,
                "total_users_chatted": 30,
                "total_users_purchased": 9,
                "total_users_chatted_purchased": 5,
                "total_revenue_purchased": 812.4,
                "total_revenue_chatted_purchased": 501.1,
                "orders": 10,
                "total_conversations": 32,
                "total_ai_messages": 140,
                "saved_hours": "6.25",
            },
            {
                "date": "2026-02-24",
                "total_users": 95,
                "total_users_approached": 80,
                "total_users_opened": 21,
                "total_users_chatted": 17,
                "total_users_purchased": 4,
                "total_users_chatted_purchased": 2,
                "total_revenue_purchased": 210.0,
                "total_revenue_chatted_purchased": 120.0,
                "orders": 4,
                "total_conversations": 18,
                "total_ai_messages": 77,
                "saved_hours": "3.4",
            },
        ],
    )

    days: list[Day]


class RankedItem(BaseModel):
    item: str
    count: int
    conversations: list[str]


class Moods(BaseModel):
    happy: float
    angry: float
    neutral: float


class Outcomes(BaseModel):
    success: float
    fail: float
    neutral: float


class ChatConversion(BaseModel):
    ratio: float
    total_conversions: int
    total_conversations: int


class Reactions(BaseModel):
    likes: int
    dislikes: int


_LINK = "https://app.selzee.com/app/{chatbot_id}/conversations/{conv_id}"


class ConversationInsights(BaseModel):
    model_config = _example(
        most_clicked_products=[
            {"item": "https://example.com/product/123", "count": 45, "conversations": [_LINK]}
        ],
        most_talked_about_products=[
            {"item": "Nike Air Max 90", "count": 30, "conversations": [_LINK]}
        ],
        most_frequent_intents=[
            {"item": "Product availability question", "count": 25, "conversations": [_LINK]}
        ],
        most_common_complaints=[{"item": "Shipping delays", "count": 8, "conversations": [_LINK]}],
        mood_percentages={"happy": 65.5, "angry": 10.2, "neutral": 24.3},
        outcome_percentages={"success": 75.0, "fail": 10.0, "neutral": 15.0},
        human_intervention_needed_percentage=12.5,
        missing_information_overview=[
            {"item": "Product availability in size L", "count": 8, "conversations": [_LINK]}
        ],
        total_conversations_analyzed=100,
        total_click_throughs=145,
        chat_conversion={"ratio": 35.0, "total_conversions": 35, "total_conversations": 100},
        reactions={"likes": 200, "dislikes": 15},
        average_conversation_duration_minutes=3.5,
    )

    most_clicked_products: list[RankedItem]
    most_talked_about_products: list[RankedItem]
    most_frequent_intents: list[RankedItem]
    most_common_complaints: list[RankedItem]
    mood_percentages: Moods
    outcome_percentages: Outcomes
    human_intervention_needed_percentage: float
    missing_information_overview: list[RankedItem]
    total_conversations_analyzed: int
    total_click_throughs: int
    chat_conversion: ChatConversion
    reactions: Reactions
    average_conversation_duration_minutes: float
