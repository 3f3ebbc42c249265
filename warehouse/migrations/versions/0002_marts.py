"""The `marts` tables the API reads, the pipeline's bookkeeping, and raw indexes for the pipeline.

Grain and meaning of every table: docs/warehouse.md and the COMMENTs below.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
create schema if not exists pipeline;

-- The pipeline finds new raw rows by load id; loads append in load id order, so BRIN indexes
-- cost the loader next to nothing.
create index events_load_id_brin on raw.events using brin (load_id);
create index events_created_at_brin on raw.events using brin (created_at);
create index messages_load_id_brin on raw.messages using brin (load_id);
create index messages_created_at_brin on raw.messages using brin (created_at);
-- Purchases by order key (a few percent of events): what the orders check reads.
create index events_purchase_order_key_idx
    on raw.events (chatbot_id, (coalesce(order_num, event_id))) where event = 'purchase';
create index conversations_load_id_idx on raw.conversations (load_id);
create index analyses_load_id_idx on raw.analyses (load_id);
create index chatbots_load_id_idx on raw.chatbots (load_id);

-- Bookkeeping, not tenant data (so it does not lead with chatbot_id).
create table pipeline.watermarks (
    asset_name       text not null,
    partition_key    text not null,
    through_load_id  bigint not null,
    refreshed_at     timestamptz not null default now(),
    primary key (asset_name, partition_key)
);
comment on table pipeline.watermarks is
    'One row per asset (partition_key '''' when unpartitioned) or asset partition: every raw '
    'row with load_id <= through_load_id is reflected in it.';

-- SPEC 3: the A/B group of a user token.
create function marts.ab_group(token text) returns text
language sql immutable parallel safe
return case right(token, 1) when '0' then 'control' when '1' then 'test' end;
comment on function marts.ab_group(text) is
    'SPEC 3 A/B group: last character 0 is control, 1 is test, anything else none (null).';

-- SPEC 3: the value of an order in EUR, from its normalised items (raw.events.items).
create function marts.order_value_eur(items jsonb) returns numeric
language sql stable parallel safe
return (
    select
        case
            when count(*) = 0
                or bool_or(item ->> 'value' is null or rates.eur_per_unit is null) then null
            else sum(
                (item ->> 'value')::numeric * (item ->> 'quantity')::numeric * rates.eur_per_unit
            )
        end
    from jsonb_array_elements(coalesce(items, '[]')) as item
    left join reference.currency_rates as rates on rates.currency = item ->> 'currency'
);
comment on function marts.order_value_eur(jsonb) is
    'SPEC 3 order value: sum of value x quantity x rate; null without items, or when an item '
    'has no value or a currency without a rate.';

-- An edited rate tells the pipeline to revalue orders (a deleted one: analytics refresh --full).
create function reference.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;
create trigger currency_rates_touch_updated_at
    before update on reference.currency_rates
    for each row execute function reference.touch_updated_at();

-- SPEC 2.5 ------------------------------------------------------------------------------------
create table marts.chatbots (
    chatbot_id       text primary key,
    account_id       text not null,
    name             text,
    ab_test_enabled  boolean not null,
    load_id          bigint not null,
    line_number      bigint not null
);
create index chatbots_account_id_idx on marts.chatbots (account_id);
comment on table marts.chatbots is 'One row per chatbot: its latest loaded record.';
comment on column marts.chatbots.account_id is 'The account that owns the chatbot.';
comment on column marts.chatbots.ab_test_enabled is
    'Whether the purchases report shows the A/B split.';
comment on column marts.chatbots.load_id is 'The load that brought the current record.';
comment on column marts.chatbots.line_number is 'Its line in that load''s file.';

create table marts.chatbot_freshness (
    chatbot_id        text primary key,
    newest_record_at  timestamptz not null
);
comment on table marts.chatbot_freshness is
    'One row per chatbot with records: the newest event/message created_at, conversation '
    'started_at or analysis analyzed_at reflected in the marts (the X-Data-As-Of header).';
comment on column marts.chatbot_freshness.newest_record_at is 'The newest record instant.';

-- SPEC 3: purchases and users -----------------------------------------------------------------
create table marts.orders (
    chatbot_id  text not null,
    order_key   text not null,
    event_id    text not null,
    token       text not null,
    created_at  timestamptz not null,
    created_on  date not null,
    items       jsonb,
    value_eur   numeric,
    primary key (chatbot_id, order_key)
);
create index orders_token_idx on marts.orders (chatbot_id, token);
comment on table marts.orders is
    'One row per counted purchase: per (chatbot, order key) the earliest purchase event over '
    'all loaded history, ties the smallest event_id.';
comment on column marts.orders.order_key is 'orderNum, or the event_id when orderNum is missing.';
comment on column marts.orders.event_id is 'The counted purchase event.';
comment on column marts.orders.token is 'The purchasing user.';
comment on column marts.orders.created_at is 'When the counted purchase happened.';
comment on column marts.orders.created_on is 'Its UTC date.';
comment on column marts.orders.items is 'Its normalised items (raw.events.items).';
comment on column marts.orders.value_eur is
    'Order value in EUR (sum of value x quantity x rate); null when unknown.';

create table marts.users (
    chatbot_id               text not null,
    token                    text not null,
    ab_group                 text,
    last_visit_on            date,
    last_popup_displayed_on  date,
    last_bot_open_on         date,
    last_convo_started_on    date,
    first_chat_at            timestamptz,
    last_order_at            timestamptz,
    last_order_on            date,
    last_chat_order_on       date,
    primary key (chatbot_id, token)
);
comment on table marts.users is 'One row per (chatbot, user token) with tracking events.';
comment on column marts.users.ab_group is 'control, test or null (SPEC 3).';
comment on column marts.users.last_visit_on is 'UTC date of the latest visitor event.';
comment on column marts.users.last_popup_displayed_on is
    'UTC date of the latest popup_displayed event.';
comment on column marts.users.last_bot_open_on is 'UTC date of the latest bot_open event.';
comment on column marts.users.last_convo_started_on is
    'UTC date of the latest convo_started event.';
comment on column marts.users.first_chat_at is 'The earliest convo_started (the first chat).';
comment on column marts.users.last_order_at is 'When the latest counted purchase happened.';
comment on column marts.users.last_order_on is 'Its UTC date.';
comment on column marts.users.last_chat_order_on is
    'UTC date of the latest counted purchase strictly after the first chat.';

create view marts.counted_purchases as
select
    orders.chatbot_id,
    orders.order_key,
    orders.event_id,
    orders.token,
    orders.created_at,
    orders.created_on,
    orders.value_eur,
    marts.ab_group(orders.token) as ab_group,
    coalesce(orders.created_at > users.first_chat_at, false) as is_after_first_chat
from marts.orders
left join marts.users using (chatbot_id, token);
comment on view marts.counted_purchases is
    'One row per counted purchase with its A/B group and whether it came after the user''s '
    'first chat (a chat purchase when the user also chatted in the window).';

create table marts.funnel_days (
    chatbot_id                text not null,
    day                       date not null,
    ab_group                  text not null,
    count_visitors            bigint not null,
    count_approached          bigint not null,
    count_opened              bigint not null,
    count_chatted             bigint not null,
    count_purchasers          bigint not null,
    count_chat_purchasers     bigint not null,
    count_orders              bigint not null,
    count_valued_orders       bigint not null,
    revenue_eur               numeric not null,
    count_chat_orders         bigint not null,
    count_valued_chat_orders  bigint not null,
    chat_revenue_eur          numeric not null,
    primary key (chatbot_id, day, ab_group)
);
comment on table marts.funnel_days is
    'One row per (chatbot, day, A/B group): the users and counted purchases that belong to '
    'every window [start, today] with start <= day. Summing the rows with day >= start gives '
    'the distinct counts of that window (docs/warehouse.md, "suffix sums").';
comment on column marts.funnel_days.day is
    'The entry day: the latest day on which all of the row''s conditions hold.';
comment on column marts.funnel_days.ab_group is 'control, test or none.';
comment on column marts.funnel_days.count_visitors is 'Users whose last visit is on day.';
comment on column marts.funnel_days.count_approached is
    'Visitors also shown a popup: entry day = least(last visit, last popup_displayed).';
comment on column marts.funnel_days.count_opened is 'Visitors who also opened the bot.';
comment on column marts.funnel_days.count_chatted is 'Visitors who also started a conversation.';
comment on column marts.funnel_days.count_purchasers is
    'Visitors who also made a counted purchase.';
comment on column marts.funnel_days.count_chat_purchasers is
    'Visitors who chatted and made a counted purchase after their first chat.';
comment on column marts.funnel_days.count_orders is 'Counted purchases by visitors.';
comment on column marts.funnel_days.count_valued_orders is
    'Of those, the ones with a known value.';
comment on column marts.funnel_days.revenue_eur is 'Their value in EUR.';
comment on column marts.funnel_days.count_chat_orders is
    'Chat purchases: counted purchases by visitors who chatted, after the first chat.';
comment on column marts.funnel_days.count_valued_chat_orders is
    'Of those, the ones with a known value.';
comment on column marts.funnel_days.chat_revenue_eur is 'Their value in EUR.';

-- Daily event counts (partitioned by UTC day) ---------------------------------------------------
create table marts.popup_days (
    chatbot_id       text not null,
    day              date not null,
    popup_version    text not null,
    count_displayed  bigint not null,
    count_opened     bigint not null,
    primary key (chatbot_id, day, popup_version)
);
comment on table marts.popup_days is
    'One row per (chatbot, UTC day, popup version) with popup events.';
comment on column marts.popup_days.popup_version is 'Trimmed, case kept; unknown when missing.';
comment on column marts.popup_days.count_displayed is 'popup_displayed events.';
comment on column marts.popup_days.count_opened is 'popup_opened events.';

create table marts.convo_start_days (
    chatbot_id            text not null,
    day                   date not null,
    open_way              text not null,
    count_convo_started   bigint not null,
    primary key (chatbot_id, day, open_way)
);
comment on table marts.convo_start_days is
    'One row per (chatbot, UTC day, open_way) with convo_started events.';
comment on column marts.convo_start_days.open_way is
    'data.open_way as given (popup, chat_button, ...); empty string when missing.';
comment on column marts.convo_start_days.count_convo_started is 'convo_started events.';

create table marts.message_days (
    chatbot_id                text not null,
    day                       date not null,
    count_messages            bigint not null,
    count_assistant_messages  bigint not null,
    primary key (chatbot_id, day)
);
comment on table marts.message_days is 'One row per (chatbot, UTC day) with messages.';
comment on column marts.message_days.count_messages is 'Messages of any role.';
comment on column marts.message_days.count_assistant_messages is 'Messages by the AI.';

-- Conversations -----------------------------------------------------------------------------------
create table marts.conversations (
    chatbot_id                text not null,
    conversation_id           text not null,
    user_token                text,
    started_at                timestamptz,
    record_load_id            bigint,
    record_line_number        bigint,
    first_message_at          timestamptz,
    last_message_at           timestamptz,
    count_messages            bigint not null,
    count_assistant_messages  bigint not null,
    primary key (chatbot_id, conversation_id)
);
-- The insights report: a chatbot's conversations, latest last message first, ties by id in
-- code-point order.
create index conversations_latest_idx
    on marts.conversations (chatbot_id, last_message_at desc, conversation_id collate "C");
comment on table marts.conversations is
    'One row per conversation known from its messages or its record (the message''s or '
    'record''s chatbot_id).';
comment on column marts.conversations.user_token is
    'From the latest loaded conversation record; null until one arrives.';
comment on column marts.conversations.started_at is 'From the same record.';
comment on column marts.conversations.record_load_id is 'Load of that record.';
comment on column marts.conversations.record_line_number is 'Its line in that load''s file.';
comment on column marts.conversations.first_message_at is 'Earliest message, any role.';
comment on column marts.conversations.last_message_at is 'Latest message, any role.';
comment on column marts.conversations.count_messages is 'Messages, any role.';
comment on column marts.conversations.count_assistant_messages is 'Messages by the AI.';

create table marts.conversation_days (
    chatbot_id           text not null,
    day                  date not null,
    count_conversations  bigint not null,
    capped_seconds       numeric not null,
    primary key (chatbot_id, day)
);
comment on table marts.conversation_days is
    'One row per (chatbot, UTC day): conversations whose last message is on that day. A '
    'conversation is active in every window [start, today] with start <= day.';
comment on column marts.conversation_days.count_conversations is 'Conversations.';
comment on column marts.conversation_days.capped_seconds is
    'Sum of their durations (last - first message), each capped at 1.5 h, in seconds.';

create table marts.conversation_analyses (
    chatbot_id                 text not null,
    conversation_id            text not null,
    analyzed_at                timestamptz not null,
    products                   jsonb not null,
    intents                    jsonb not null,
    complaints                 jsonb not null,
    missing_information        jsonb not null,
    mood                       text,
    outcome                    text,
    human_intervention_needed  boolean not null,
    load_id                    bigint not null,
    line_number                bigint not null,
    primary key (chatbot_id, conversation_id)
);
comment on table marts.conversation_analyses is
    'One row per analysed conversation: the analysis with the newest analyzed_at (ties: the '
    'latest loaded).';
comment on column marts.conversation_analyses.analyzed_at is 'When the AI analysed it.';
comment on column marts.conversation_analyses.products is 'Products named (string entries).';
comment on column marts.conversation_analyses.intents is 'User intents.';
comment on column marts.conversation_analyses.complaints is 'Complaints.';
comment on column marts.conversation_analyses.missing_information is 'Knowledge gaps.';
comment on column marts.conversation_analyses.mood is 'happy, angry, neutral or null.';
comment on column marts.conversation_analyses.outcome is 'success, fail, neutral or null.';
comment on column marts.conversation_analyses.human_intervention_needed is 'Flagged by the AI.';
comment on column marts.conversation_analyses.load_id is 'Load of the winning record.';
comment on column marts.conversation_analyses.line_number is 'Its line in that load''s file.';

create table marts.conversation_clicks (
    chatbot_id       text not null,
    conversation_id  text not null,
    url              text not null,
    count_clicks     bigint not null,
    primary key (chatbot_id, conversation_id, url)
);
comment on table marts.conversation_clicks is
    'One row per (chatbot, conversation, url as given) with click_through events naming the '
    'conversation (the event''s chatbot_id).';
comment on column marts.conversation_clicks.url is 'data.url as given; empty when missing.';
comment on column marts.conversation_clicks.count_clicks is 'click_through events.';

create table marts.conversation_reactions (
    chatbot_id       text not null,
    conversation_id  text not null,
    count_likes      bigint not null,
    count_dislikes   bigint not null,
    primary key (chatbot_id, conversation_id)
);
comment on table marts.conversation_reactions is
    'One row per (chatbot, conversation) named by message_like / message_dislike events.';
comment on column marts.conversation_reactions.count_likes is 'message_like events.';
comment on column marts.conversation_reactions.count_dislikes is 'message_dislike events.';
"""

DOWNGRADE = """
drop schema if exists pipeline cascade;
drop view if exists marts.counted_purchases;
drop table if exists marts.chatbots, marts.chatbot_freshness, marts.orders, marts.users,
    marts.funnel_days, marts.popup_days, marts.convo_start_days, marts.message_days,
    marts.conversations, marts.conversation_days, marts.conversation_analyses,
    marts.conversation_clicks, marts.conversation_reactions;
drop function if exists marts.ab_group(text), marts.order_value_eur(jsonb);
drop trigger if exists currency_rates_touch_updated_at on reference.currency_rates;
drop function if exists reference.touch_updated_at();
drop index if exists raw.events_purchase_order_key_idx, raw.events_load_id_brin,
    raw.events_created_at_brin,
    raw.messages_load_id_brin, raw.messages_created_at_brin, raw.conversations_load_id_idx,
    raw.analyses_load_id_idx, raw.chatbots_load_id_idx;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
