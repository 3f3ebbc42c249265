-- The counted orders of the affected users (pg_temp.affected_users), as marts.orders holds them
-- now, into pg_temp.affected_orders: read once for the statements that need them. Run before
-- orders.sql (for funnel_days.sql with sign -1) and again after it (for users.sql and
-- funnel_days.sql with sign +1).

drop table if exists pg_temp.affected_orders;

-- In an incremental batch, one bitmap scan of the orders' token index, as known_users in
-- purchases_batch.sql; a batch from load 0 joins them all. It searches only the tokens that can
-- have counted orders: the affected users marts.users held before the batch (every user with a
-- purchase event has a row there: users.sql merges every affected user) and the users of this
-- batch's order candidates. Most affected users of a day are new and have none: on the large
-- day, 7,008 + 1,589 tokens searched instead of 22,711 (docs/performance.md).
set local enable_indexscan = off;

create temp table affected_orders on commit drop as
select orders.chatbot_id, orders.token, orders.created_at, orders.created_on, orders.value_eur
from marts.orders
where (orders.chatbot_id, orders.token) in (select chatbot_id, token from pg_temp.affected_users)
    and (
        %(low)s = 0
        or orders.token = any(array(
            select token from pg_temp.known_users
            union all
            select token from pg_temp.new_orders
        ))
    );

reset enable_indexscan;

analyze pg_temp.affected_orders (chatbot_id, token);
