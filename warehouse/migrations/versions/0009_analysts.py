"""The analysts' door (SPEC 7): a view with one row per item of a counted order, and a comment on
every column an analyst can read (`marts`, `staging`, `reference`): the ones earlier migrations
left without one. The analysts' login itself is made by `analytics db analyst`
(warehouse/analysts.py): its password is shown once, so it is not a migration's to set.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TENANT_KEY = "The chatbot (tenant key)."
DAY = "The UTC date."

ORDER_ITEMS = """
create view marts.order_items as
select
    orders.chatbot_id,
    orders.order_key,
    orders.token,
    orders.created_at,
    orders.created_on,
    item.position,
    item.line ->> 'currency' as currency,
    (item.line ->> 'value')::numeric as value,
    (item.line ->> 'quantity')::numeric as quantity,
    (item.line ->> 'value')::numeric * (item.line ->> 'quantity')::numeric * rates.eur_per_unit
        as value_eur
from marts.orders
cross join lateral jsonb_array_elements(coalesce(orders.items, '[]'))
    with ordinality as item (line, position)
left join reference.currency_rates as rates on rates.currency = item.line ->> 'currency';

comment on view marts.order_items is
    'One row per item of a counted order (marts.orders): revenue by currency or by item is a '
    'plain GROUP BY. An order''s value_eur in marts.orders is the sum of its items'' value_eur, '
    'or null when any item has no value or a currency without a rate (SPEC 3).';
"""

COLUMN_COMMENTS = {
    "marts.order_items": {
        "chatbot_id": TENANT_KEY,
        "order_key": "The order's key (marts.orders): its order number, else its event id.",
        "token": "The purchasing user.",
        "created_at": "When the order's counted purchase event happened.",
        "created_on": "Its UTC date.",
        "position": "The item's position in the order's items, from 1.",
        "currency": "The item's currency code, upper-cased (EUR when the event named none).",
        "value": "The item's unit value in its currency; null when the event gave none.",
        "quantity": "How many units.",
        "value_eur": "value x quantity x the currency's EUR rate; null without a value or "
        "a rate (reference.currency_rates).",
    },
    "marts.counted_purchases": {
        "chatbot_id": TENANT_KEY,
        "order_key": "The order's key: its order number, else its event id.",
        "event_id": "The purchase event that counts for the order (its earliest).",
        "token": "The purchasing user.",
        "created_at": "When the purchase happened.",
        "created_on": "Its UTC date.",
        "value_eur": "The order's value in EUR; null when it cannot be valued (SPEC 3).",
        "ab_group": "The user's A/B group: control or test (marts.ab_group(token)).",
        "is_after_first_chat": "Whether the purchase came strictly after the user's first "
        "chat: a chat purchase.",
    },
    "marts.chatbots": {"chatbot_id": TENANT_KEY, "name": "Its display name, if any."},
    "marts.chatbot_freshness": {"chatbot_id": TENANT_KEY},
    "marts.orders": {"chatbot_id": TENANT_KEY},
    "marts.users": {"chatbot_id": TENANT_KEY, "token": "The user (visitor token)."},
    "marts.funnel_days": {"chatbot_id": TENANT_KEY},
    "marts.popup_days": {"chatbot_id": TENANT_KEY, "day": DAY},
    "marts.convo_start_days": {"chatbot_id": TENANT_KEY, "day": DAY},
    "marts.message_days": {"chatbot_id": TENANT_KEY, "day": DAY},
    "marts.conversations": {"chatbot_id": TENANT_KEY, "conversation_id": "The conversation."},
    "marts.conversation_days": {
        "chatbot_id": TENANT_KEY,
        "day": "The UTC date of the conversations' last message.",
    },
    "marts.conversation_analyses": {
        "chatbot_id": TENANT_KEY,
        "conversation_id": "The analysed conversation.",
    },
    "marts.conversation_clicks": {
        "chatbot_id": TENANT_KEY,
        "conversation_id": "The conversation the click_through events name.",
    },
    "marts.conversation_reactions": {
        "chatbot_id": TENANT_KEY,
        "conversation_id": "The conversation the like / dislike events name.",
    },
    "staging.conversations": {
        "chatbot_id": TENANT_KEY,
        "conversation_id": "The conversation.",
        "user_token": "Its user, from its latest loaded record.",
        "started_at": "When it started, from its latest loaded record.",
        "load_id": "The load that brought that record (raw.loads).",
    },
    "staging.analyses": {
        "chatbot_id": TENANT_KEY,
        "conversation_id": "The analysed conversation.",
        "analyzed_at": "When the winning analysis was made (the newest; ties: latest loaded).",
        "products": "Products the conversation talked about (JSON list of strings).",
        "intents": "The visitor's intents (JSON list of strings).",
        "complaints": "The visitor's complaints (JSON list of strings).",
        "missing_information": "What the bot could not answer (JSON list of strings).",
        "mood": "happy, angry or neutral; anything else is not counted in mood shares.",
        "outcome": "success, fail or neutral; anything else is not counted in outcome shares.",
        "human_intervention_needed": "Whether the AI flagged the conversation for a human.",
        "load_id": "The load that brought the analysis (raw.loads).",
    },
    "staging.chatbots": {
        "chatbot_id": TENANT_KEY,
        "account_id": "The account (shop owner) the chatbot belongs to.",
        "name": "Its display name, if any.",
        "ab_test_enabled": "Whether its visitors are split into A/B groups.",
        "load_id": "The load that brought its latest record (raw.loads).",
    },
    "reference.currency_rates": {
        "currency": "Currency code (1 to 3 capital letters).",
        "eur_per_unit": "EUR per unit of the currency (SPEC 2.6, editable by an operator).",
        "updated_at": "When the rate was last set.",
    },
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upgrade() -> None:
    op.execute(ORDER_ITEMS)
    op.execute(
        "\n".join(
            f"comment on column {relation}.{column} is {_literal(comment)};"
            for relation, columns in COLUMN_COMMENTS.items()
            for column, comment in columns.items()
        )
    )


def downgrade() -> None:
    op.execute("drop view marts.order_items;")
