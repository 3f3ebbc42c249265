-- marts.orders: merge the winning candidates of pg_temp.new_orders (purchases_batch.sql), and
-- revalue every order after a currency rate changed.

insert into marts.orders as counted (
    chatbot_id, order_key, event_id, token, created_at, created_on, items, value_eur
)
select
    chatbot_id,
    order_key,
    event_id,
    token,
    created_at,
    (created_at at time zone 'UTC')::date,
    items,
    marts.order_value_eur(items)
from pg_temp.new_orders
on conflict (chatbot_id, order_key) do update set
    event_id = excluded.event_id,
    token = excluded.token,
    created_at = excluded.created_at,
    created_on = excluded.created_on,
    items = excluded.items,
    value_eur = excluded.value_eur;

update marts.orders
set value_eur = marts.order_value_eur(items)
where %(rates_changed)s and value_eur is distinct from marts.order_value_eur(items);
