-- The counted orders of the affected users (pg_temp.affected_users), as marts.orders holds them
-- now, into pg_temp.affected_orders: read once (one probe of the orders' token index per user)
-- for the statements that need them. Run before orders.sql (for funnel_days.sql with sign -1)
-- and again after it (for users.sql and funnel_days.sql with sign +1).

drop table if exists pg_temp.affected_orders;

create temp table affected_orders on commit drop as
select orders.chatbot_id, orders.token, orders.created_at, orders.created_on, orders.value_eur
from pg_temp.affected_users
join marts.orders using (chatbot_id, token);

analyze pg_temp.affected_orders (chatbot_id, token);
