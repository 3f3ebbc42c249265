-- marts.users: merge what new events say about each affected user (pg_temp.affected_users from
-- purchases_batch.sql; latest days only grow, the first chat only moves earlier) and recompute
-- the user's order facts from marts.orders (after orders.sql), in one statement. A row that
-- would not change is not rewritten. MERGE rather than INSERT ... ON CONFLICT: it joins the
-- users instead of probing the key row by row, and refreshes of the purchase marts never run
-- at once (the asset lock of transforms.incremental), so no concurrent insert can collide.

with merged as (
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
        least(known.first_chat_at, affected.first_chat_at) as first_chat_at
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
    join marts.orders using (chatbot_id, token)
    group by merged.chatbot_id, merged.token
)

merge into marts.users as known
using (
    select
        merged.*,
        marts.ab_group(merged.token) as ab_group,
        order_facts.last_order_at,
        order_facts.last_order_on,
        order_facts.last_chat_order_on
    from merged
    left join order_facts using (chatbot_id, token)
) as changed
on known.chatbot_id = changed.chatbot_id and known.token = changed.token
when matched and (
    known.last_visit_on, known.last_popup_displayed_on, known.last_bot_open_on,
    known.last_convo_started_on, known.first_chat_at, known.last_order_at, known.last_order_on,
    known.last_chat_order_on
) is distinct from (
    changed.last_visit_on, changed.last_popup_displayed_on, changed.last_bot_open_on,
    changed.last_convo_started_on, changed.first_chat_at, changed.last_order_at,
    changed.last_order_on, changed.last_chat_order_on
) then update set
    last_visit_on = changed.last_visit_on,
    last_popup_displayed_on = changed.last_popup_displayed_on,
    last_bot_open_on = changed.last_bot_open_on,
    last_convo_started_on = changed.last_convo_started_on,
    first_chat_at = changed.first_chat_at,
    last_order_at = changed.last_order_at,
    last_order_on = changed.last_order_on,
    last_chat_order_on = changed.last_chat_order_on
when not matched then insert (
    chatbot_id, token, ab_group, last_visit_on, last_popup_displayed_on, last_bot_open_on,
    last_convo_started_on, first_chat_at, last_order_at, last_order_on, last_chat_order_on
) values (
    changed.chatbot_id, changed.token, changed.ab_group, changed.last_visit_on,
    changed.last_popup_displayed_on, changed.last_bot_open_on, changed.last_convo_started_on,
    changed.first_chat_at, changed.last_order_at, changed.last_order_on,
    changed.last_chat_order_on
);
