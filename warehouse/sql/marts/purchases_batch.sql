-- What a batch of new raw events (load_id in (low, high]) changes for the purchase marts.
-- Fills pg_temp.new_orders (order candidates that beat the counted purchase),
-- pg_temp.new_user_facts (per user, the new events' latest days and first chat) and
-- pg_temp.affected_users (users whose funnel contributions may move).

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

-- What the new events say about each user: the input of users.sql, and the users it touches.
create temp table new_user_facts on commit drop as
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

create temp table affected_users (
    chatbot_id  text not null,
    token       text not null,
    primary key (chatbot_id, token)
) on commit drop;

insert into pg_temp.affected_users
select chatbot_id, token
from pg_temp.new_user_facts;

-- The users who lose an order to an earlier duplicate.
insert into pg_temp.affected_users
select counted.chatbot_id, counted.token
from marts.orders as counted
join pg_temp.new_orders as candidate using (chatbot_id, order_key)
on conflict do nothing;

-- After a currency rate changed: every user whose order value moves.
insert into pg_temp.affected_users
select distinct chatbot_id, token
from marts.orders
where %(rates_changed)s and value_eur is distinct from marts.order_value_eur(items)
on conflict do nothing;
