-- marts.visitor_days over one span of pg_temp.visitor_days_affected (visitor_days.sql): its
-- dates from %(span_from)s (the span's first) to %(span_to)s (the day after its last) recomputed
-- whole, from their raw events through load %(high)s and their visitors' orders
-- (pg_temp.visitor_days_orders). A span at a time, so that the aggregation of the visitors of a
-- full refresh fits in memory (docs/performance.md).

create temp table visitor_days_span on commit drop as
select chatbot_id, day
from pg_temp.visitor_days_affected
where day >= %(span_from)s and day < %(span_to)s;

analyze pg_temp.visitor_days_span;

-- Every visitor of the span's dates, from raw.events, in a table of its own so that it can be
-- analyzed (below). The dates in between that no new record touched are left out further down.
create temp table visitor_days_visitors on commit drop as
select
    chatbot_id,
    (created_at at time zone 'UTC')::date as day,
    token,
    bool_or(event = 'popup_displayed') as is_approached,
    bool_or(event = 'bot_open') as is_opened,
    bool_or(event = 'convo_started') as is_chatted
from raw.events
where event in ('visitor', 'popup_displayed', 'bot_open', 'convo_started')
    and load_id <= %(high)s
    and created_at >= %(span_from)s::date::timestamp at time zone 'UTC'
    and created_at < %(span_to)s::date::timestamp at time zone 'UTC'
group by chatbot_id, (created_at at time zone 'UTC')::date, token
having bool_or(event = 'visitor');

-- So that the per-date sums below are hashed (a few dates), not sorted (every visitor)
-- (docs/performance.md).
analyze pg_temp.visitor_days_visitors (chatbot_id, day);

delete from marts.visitor_days as known
using pg_temp.visitor_days_span as affected
where known.chatbot_id = affected.chatbot_id and known.day = affected.day;

insert into marts.visitor_days (
    chatbot_id, day, count_visitors, count_approached, count_opened, count_chatted,
    count_purchasers, count_chat_purchasers, count_orders, revenue_eur, count_chat_orders,
    chat_revenue_eur
)
with visitors as (
    select
        visitors.chatbot_id,
        visitors.day,
        visitors.token,
        visitors.is_approached,
        visitors.is_opened,
        visitors.is_chatted
    from pg_temp.visitor_days_visitors as visitors
    join pg_temp.visitor_days_span as affected using (chatbot_id, day)
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

drop table pg_temp.visitor_days_span, pg_temp.visitor_days_visitors;
