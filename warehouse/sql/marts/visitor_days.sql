-- marts.visitor_days: the dates of pg_temp.affected_visitor_days (visitor_days_batch.sql), each
-- once, and their counted orders summed per visitor (with those after the visitor's first
-- chat), read once for all spans; visitor_days_span.sql then recomputes the dates a span at a
-- time (after orders.sql and users.sql).

create temp table visitor_days_affected on commit drop as
select distinct chatbot_id, day
from pg_temp.affected_visitor_days;

analyze pg_temp.visitor_days_affected;

-- Each visitor's counted orders of an affected date, summed per visitor so that the visitors
-- need no second aggregation. One pass over the orders and their users for every span: a first
-- refresh read marts.users whole once per span (docs/performance.md). In an incremental batch
-- the users of those orders are read by one bitmap scan, as known_users in purchases_batch.sql.
set local enable_indexscan = off;

create temp table visitor_days_orders on commit drop as
with date_orders as materialized (
    select orders.chatbot_id, orders.created_on, orders.token, orders.created_at, orders.value_eur
    from marts.orders
    join pg_temp.visitor_days_affected as affected
        on affected.chatbot_id = orders.chatbot_id and affected.day = orders.created_on
),

order_users as (
    select chatbot_id, token, first_chat_at
    from marts.users
    where %(low)s = 0 or token = any(array(select token from date_orders))
)

select
    orders.chatbot_id,
    orders.created_on as day,
    orders.token,
    count(*) as count_orders,
    sum(orders.value_eur) as revenue_eur,
    count(*) filter (where orders.created_at > users.first_chat_at) as count_after_chat,
    sum(orders.value_eur) filter (
        where orders.created_at > users.first_chat_at
    ) as revenue_after_chat
from date_orders as orders
left join order_users as users
    on users.chatbot_id = orders.chatbot_id and users.token = orders.token
group by orders.chatbot_id, orders.created_on, orders.token;

reset enable_indexscan;

analyze pg_temp.visitor_days_orders;
