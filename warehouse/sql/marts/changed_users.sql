-- The affected users' rows after this batch, into pg_temp.changed_users (created by
-- purchases_batch.sql): what the new events say about each (pg_temp.affected_users; latest
-- days only grow, the first chat only moves earlier) merged with the user's old row
-- (pg_temp.known_users), and the order facts recomputed from the user's counted orders
-- (pg_temp.affected_orders, read after orders.sql). users.sql merges them into marts.users;
-- funnel_days.sql with sign +1 reads them instead of probing marts.users again.

insert into pg_temp.changed_users (
    chatbot_id, token, ab_group, last_visit_on, last_popup_displayed_on, last_bot_open_on,
    last_convo_started_on, first_chat_at, last_order_at, last_order_on, last_chat_order_on
)
with merged as not materialized (
    select
        affected.chatbot_id,
        affected.token,
        -- greatest() and least() skip nulls: a missing side keeps the other.
        greatest(known.last_visit_on, affected.last_visit_on) as last_visit_on,
        greatest(known.last_popup_displayed_on, affected.last_popup_displayed_on)
            as last_popup_displayed_on,
        greatest(known.last_bot_open_on, affected.last_bot_open_on) as last_bot_open_on,
        greatest(known.last_convo_started_on, affected.last_convo_started_on)
            as last_convo_started_on,
        least(known.first_chat_at, affected.first_chat_at) as first_chat_at,
        -- A known user keeps its group; a new one gets the group of its token.
        case when known.token is null then marts.ab_group(affected.token) else known.ab_group
        end as ab_group
    from pg_temp.affected_users as affected
    left join pg_temp.known_users as known using (chatbot_id, token)
),

order_facts as (
    select
        merged.chatbot_id,
        merged.token,
        max(orders.created_at) as last_order_at,
        max(orders.created_on) as last_order_on,
        max(orders.created_on) filter (
            where orders.created_at > merged.first_chat_at
        ) as last_chat_order_on
    from merged
    join pg_temp.affected_orders as orders using (chatbot_id, token)
    group by merged.chatbot_id, merged.token
)

select
    merged.chatbot_id,
    merged.token,
    merged.ab_group,
    merged.last_visit_on,
    merged.last_popup_displayed_on,
    merged.last_bot_open_on,
    merged.last_convo_started_on,
    merged.first_chat_at,
    order_facts.last_order_at,
    order_facts.last_order_on,
    order_facts.last_chat_order_on
from merged
left join order_facts using (chatbot_id, token);

analyze pg_temp.changed_users (chatbot_id, token);
