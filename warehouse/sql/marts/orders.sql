-- marts.orders: merge the winning candidates of pg_temp.new_orders (purchases_batch.sql), and
-- revalue every order after a currency rate changed.

merge into marts.orders as counted
using (
    select
        candidate.chatbot_id,
        candidate.order_key,
        candidate.event_id,
        candidate.token,
        candidate.created_at,
        (candidate.created_at at time zone 'UTC')::date as created_on,
        candidate.items,
        valuation.value_eur
    from pg_temp.new_orders as candidate
    cross join lateral marts.order_valuation(candidate.items) as valuation
) as winner
on counted.chatbot_id = winner.chatbot_id and counted.order_key = winner.order_key
when matched then update set
    event_id = winner.event_id,
    token = winner.token,
    created_at = winner.created_at,
    created_on = winner.created_on,
    items = winner.items,
    value_eur = winner.value_eur
when not matched then insert (
    chatbot_id, order_key, event_id, token, created_at, created_on, items, value_eur
) values (
    winner.chatbot_id, winner.order_key, winner.event_id, winner.token, winner.created_at,
    winner.created_on, winner.items, winner.value_eur
);

update marts.orders
set value_eur = marts.order_value_eur(items)
where %(rates_changed)s and value_eur is distinct from marts.order_value_eur(items);
