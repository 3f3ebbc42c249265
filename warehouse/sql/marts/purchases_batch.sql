-- What a batch of new raw events (load_id in (low, high]) changes for the purchase marts.
-- Fills pg_temp.new_orders (order candidates that beat the counted purchase),
-- pg_temp.affected_users (the users whose funnel contributions may move, with what the new
-- events say about each: latest days, first chat) and pg_temp.known_users (their rows of
-- marts.users before the batch); creates pg_temp.changed_users (their rows after it, filled by
-- changed_users.sql).

create temp table new_orders on commit drop as
with new_purchases as (
    select
        chatbot_id,
        coalesce(order_num, event_id) as order_key,
        event_id,
        token,
        created_at,
        items
    from raw.events
    where event = 'purchase'
        and load_id > %(low)s and load_id <= %(high)s
)

select distinct on (chatbot_id, order_key)
    chatbot_id, order_key, event_id, token, created_at, items
from new_purchases
order by chatbot_id, order_key, created_at, event_id collate "C";

-- A candidate only counts when it is earlier than the purchase counted so far (ties: the
-- smaller event_id).
delete from pg_temp.new_orders as candidate
using marts.orders as counted
where counted.chatbot_id = candidate.chatbot_id
    and counted.order_key = candidate.order_key
    and (counted.created_at, counted.event_id collate "C")
        <= (candidate.created_at, candidate.event_id collate "C");

-- What the new events say about each user they touch (the input of users.sql).
create temp table affected_users on commit drop as
select
    chatbot_id,
    token,
    max(created_on) filter (where event = 'visitor') as last_visit_on,
    max(created_on) filter (where event = 'popup_displayed') as last_popup_displayed_on,
    max(created_on) filter (where event = 'bot_open') as last_bot_open_on,
    max(created_on) filter (where event = 'convo_started') as last_convo_started_on,
    min(created_at) filter (where event = 'convo_started') as first_chat_at
from (
    select chatbot_id, token, event, created_at, (created_at at time zone 'UTC')::date as created_on
    from raw.events
    where event in ('visitor', 'popup_displayed', 'bot_open', 'convo_started', 'purchase')
        and load_id > %(low)s and load_id <= %(high)s
) as new_events
group by chatbot_id, token;

-- Also affected: the users who lose an order to an earlier duplicate, and after a currency
-- rate changed every user whose order value moves. Their facts stay null: merging them
-- changes nothing.
insert into pg_temp.affected_users (chatbot_id, token)
select distinct counted.chatbot_id, counted.token
from marts.orders as counted
join pg_temp.new_orders as candidate using (chatbot_id, order_key)
where not exists (
    select from pg_temp.affected_users as known
    where known.chatbot_id = counted.chatbot_id and known.token = counted.token
);

insert into pg_temp.affected_users (chatbot_id, token)
select distinct chatbot_id, token
from marts.orders
where %(rates_changed)s
    and value_eur is distinct from marts.order_value_eur(items)
    and not exists (
        select from pg_temp.affected_users as known
        where known.chatbot_id = orders.chatbot_id and known.token = orders.token
    );

-- Statistics for the joins that follow (on these columns; the others cost time, not plans).
analyze pg_temp.affected_users (chatbot_id, token);

-- The affected users as marts.users holds them before this batch, read once for the
-- statements that need that old state: visitor_days_batch.sql, funnel_days.sql with sign -1,
-- users.sql. In an incremental batch, read as one bitmap scan: the users' key walked once, in
-- key order, for all their tokens, then the heap pages of the users found, read ahead. One
-- index probe per user reads the key's pages one at a time in random order instead, which on
-- a cold cache costs several times as much (docs/performance.md). The planner cannot see how
-- many tokens the array holds (it guesses ten), hence the switch. A batch from load 0 (a
-- first or full refresh: every user is affected) joins instead; the array is not built.
set local enable_indexscan = off;

create temp table known_users on commit drop as
select users.*
from marts.users
where (users.chatbot_id, users.token) in (select chatbot_id, token from pg_temp.affected_users)
    and (%(low)s = 0 or users.token = any(array(select token from pg_temp.affected_users)));

reset enable_indexscan;

analyze pg_temp.known_users (chatbot_id, token);

create temp table changed_users (like marts.users) on commit drop;
