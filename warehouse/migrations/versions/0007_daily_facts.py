"""The daily facts behind the `daily` endpoint (SPEC 4): exact per-date distinct counts.

`marts.visitor_days` is maintained with the purchase marts (it needs their counted orders and
first chats), `marts.conversation_activity_days` with the conversations (it needs their
durations): each refresh recomputes the dates its batch can change (warehouse/transforms.py).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = """
create table marts.visitor_days (
    chatbot_id                text not null,
    day                       date not null,
    count_visitors            bigint not null,
    count_approached          bigint not null,
    count_opened              bigint not null,
    count_chatted             bigint not null,
    count_purchasers          bigint not null,
    count_chat_purchasers     bigint not null,
    count_orders              bigint not null,
    revenue_eur               numeric not null,
    count_chat_orders         bigint not null,
    chat_revenue_eur          numeric not null,
    primary key (chatbot_id, day)
);
comment on table marts.visitor_days is
    'One row per (chatbot, UTC date) with visitors: that date''s distinct visitors, their '
    'funnel steps and their counted purchases of that date. The table for per-day questions '
    'about users and orders (a window of one date: what the daily endpoint answers).';
comment on column marts.visitor_days.chatbot_id is 'The chatbot (tenant key).';
comment on column marts.visitor_days.day is 'The UTC date.';
comment on column marts.visitor_days.count_visitors is
    'Distinct tokens with a visitor event on the date.';
comment on column marts.visitor_days.count_approached is
    'Of those, the ones with a popup_displayed event on the date.';
comment on column marts.visitor_days.count_opened is
    'Of the visitors, the ones with a bot_open event on the date.';
comment on column marts.visitor_days.count_chatted is
    'Of the visitors, the ones with a convo_started event on the date.';
comment on column marts.visitor_days.count_purchasers is
    'Of the visitors, the ones with a counted purchase on the date.';
comment on column marts.visitor_days.count_chat_purchasers is
    'Of the visitors who chatted on the date, the ones with a chat purchase on the date '
    '(after their first chat ever).';
comment on column marts.visitor_days.count_orders is
    'Counted purchases of the date by the date''s visitors.';
comment on column marts.visitor_days.revenue_eur is
    'Their value in EUR (orders of unknown value add nothing).';
comment on column marts.visitor_days.count_chat_orders is
    'Chat purchases of the date by the visitors who chatted on the date.';
comment on column marts.visitor_days.chat_revenue_eur is 'Their value in EUR.';

-- visitor_days reads a date's counted orders.
create index orders_created_on_idx on marts.orders (chatbot_id, created_on);

create table marts.conversation_activity_days (
    chatbot_id           text not null,
    day                  date not null,
    count_conversations  bigint not null,
    capped_seconds       numeric not null,
    primary key (chatbot_id, day)
);
comment on table marts.conversation_activity_days is
    'One row per (chatbot, UTC date) with messages: the conversations active on the date (a '
    'message that date) and their whole durations, each capped at 1.5 h. A conversation '
    'active on two dates counts on both.';
comment on column marts.conversation_activity_days.chatbot_id is
    'The chatbot of the messages (tenant key).';
comment on column marts.conversation_activity_days.day is 'The UTC date.';
comment on column marts.conversation_activity_days.count_conversations is
    'Conversations with a message on the date.';
comment on column marts.conversation_activity_days.capped_seconds is
    'Sum of their durations (last - first message, all messages), each at most 5,400 s.';
"""

DOWNGRADE = """
drop table if exists marts.conversation_activity_days;
drop table if exists marts.visitor_days;
drop index if exists marts.orders_created_on_idx;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
