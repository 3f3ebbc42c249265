-- marts.orders: merge the winning candidates of pg_temp.new_orders (purchases_batch.sql), and
-- revalue every order after a currency rate changed.

insert into marts.orders as counted (
    chatbot_id, order_key, event_id, token, created_at, created_on, items, value_eur
)
select
    candidate.chatbot_id,
    candidate.order_key,
    candidate.event_id,
    candidate.token,
    candidate.created_at,
    (candidate.created_at at time zone 'UTC')::date,
    candidate.items,
    valuation.value_eur
from pg_temp.new_orders as candidate
cross join lateral marts.order_valuation(candidate.items) as valuation
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
