-- marts.visitor_days over one span of pg_temp.visitor_days_affected (visitor_days.sql),
-- [%(span_from)s, %(span_to)s): those dates recomputed whole, from their raw events through load
-- %(high)s and their visitors' orders (pg_temp.visitor_days_orders). A span at a time, so that
-- the sort of the visitors of a full refresh fits in memory (docs/performance.md).

create temp table visitor_days_span on commit drop as
select chatbot_id, day
from pg_temp.visitor_days_affected
where day >= %(span_from)s and day < %(span_to)s;

analyze pg_temp.visitor_days_span;

delete from marts.visitor_days as known
using pg_temp.visitor_days_span as affected
where known.chatbot_id = affected.chatbot_id and known.day = affected.day;

insert into marts.visitor_days (
    chatbot_id, day, count_visitors, count_approached, count_opened, count_chatted,
    count_purchasers, count_chat_purchasers, count_orders, revenue_eur, count_chat_orders,
    chat_revenue_eur
)
with bounds as (
    -- The span of the dates, so that the scan of raw.events can use its BRIN index.
    select
        min(day)::timestamp at time zone 'UTC' as lower,
        (max(day) + 1)::timestamp at time zone 'UTC' as upper
    from pg_temp.visitor_days_span
),

day_events as (
    select
        events.chatbot_id,
        (events.created_at at time zone 'UTC')::date as day,
        events.token,
        events.event
    from raw.events
    cross join bounds
    where events.event in ('visitor', 'popup_displayed', 'bot_open', 'convo_started')
        and events.load_id <= %(high)s
        and events.created_at >= bounds.lower
        and events.created_at < bounds.upper
),

visitors as (
    select
        day_events.chatbot_id,
        day_events.day,
        day_events.token,
        bool_or(day_events.event = 'popup_displayed') as is_approached,
        bool_or(day_events.event = 'bot_open') as is_opened,
        bool_or(day_events.event = 'convo_started') as is_chatted
    from day_events
    join pg_temp.visitor_days_span as affected using (chatbot_id, day)
    group by day_events.chatbot_id, day_events.day, day_events.token
    having bool_or(day_events.event = 'visitor')
),

-- Each visitor's counted orders of the span's dates (visitor_days.sql).
day_orders as (
    select chatbot_id, day, token, count_orders, revenue_eur, count_after_chat, revenue_after_chat
    from pg_temp.visitor_days_orders
    where day >= %(span_from)s and day < %(span_to)s
)

-- A visitor's orders after the first chat are chat orders when the visitor chatted that date.
select
    visitors.chatbot_id,
    visitors.day,
    count(*) as count_visitors,
    count(*) filter (where visitors.is_approached) as count_approached,
    count(*) filter (where visitors.is_opened) as count_opened,
    count(*) filter (where visitors.is_chatted) as count_chatted,
    count(day_orders.token) as count_purchasers,
    count(*) filter (
        where visitors.is_chatted and day_orders.count_after_chat > 0
    ) as count_chat_purchasers,
    coalesce(sum(day_orders.count_orders), 0) as count_orders,
    coalesce(sum(day_orders.revenue_eur), 0) as revenue_eur,
    coalesce(sum(day_orders.count_after_chat) filter (where visitors.is_chatted), 0)
        as count_chat_orders,
    coalesce(sum(day_orders.revenue_after_chat) filter (where visitors.is_chatted), 0)
        as chat_revenue_eur
from visitors
left join day_orders using (chatbot_id, day, token)
group by visitors.chatbot_id, visitors.day;

drop table pg_temp.visitor_days_span;
