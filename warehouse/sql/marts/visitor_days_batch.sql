-- The dates of marts.visitor_days that a batch of new raw events (load_id in (low, high]) can
-- change, into pg_temp.affected_visitor_days. Runs after purchases_batch.sql and before
-- orders.sql and users.sql change the orders and first chats it compares with.

-- Dates with new events (also the date a new order moves to), from the load log: a date
-- whose new events are none of the funnel's is recomputed to what it was.
create temp table affected_visitor_days on commit drop as
select chatbot_id, day
from raw.load_days
where kind = 'events' and load_id > %(low)s and load_id <= %(high)s;

-- The date an order leaves when an earlier duplicate wins.
insert into pg_temp.affected_visitor_days (chatbot_id, day)
select counted.chatbot_id, counted.created_on
from marts.orders as counted
join pg_temp.new_orders as candidate using (chatbot_id, order_key);

-- The dates of the orders that an edited currency rate revalues.
insert into pg_temp.affected_visitor_days (chatbot_id, day)
select chatbot_id, created_on
from marts.orders
where %(rates_changed)s and value_eur is distinct from marts.order_value_eur(items);

-- A first chat that moves earlier makes the user's orders between the new and the old first
-- chat chat purchases: their dates change too.
insert into pg_temp.affected_visitor_days (chatbot_id, day)
select orders.chatbot_id, orders.created_on
from pg_temp.affected_users as affected
join pg_temp.known_users as known using (chatbot_id, token)
join marts.orders using (chatbot_id, token)
where affected.first_chat_at < known.first_chat_at
    and orders.created_at > affected.first_chat_at
    and orders.created_at <= known.first_chat_at;
