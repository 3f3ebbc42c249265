-- marts.users: merge what new events say about each user (pg_temp.affected_users from
-- purchases_batch.sql; latest days only grow, the first chat only moves earlier), then
-- recompute the order facts of every affected user.

insert into marts.users as known (
    chatbot_id, token, ab_group, last_visit_on, last_popup_displayed_on, last_bot_open_on,
    last_convo_started_on, first_chat_at
)
select
    chatbot_id,
    token,
    marts.ab_group(token),
    last_visit_on,
    last_popup_displayed_on,
    last_bot_open_on,
    last_convo_started_on,
    first_chat_at
from pg_temp.affected_users
on conflict (chatbot_id, token) do update set
    -- greatest() and least() skip nulls: a missing side keeps the other.
    last_visit_on = greatest(known.last_visit_on, excluded.last_visit_on),
    last_popup_displayed_on
        = greatest(known.last_popup_displayed_on, excluded.last_popup_displayed_on),
    last_bot_open_on = greatest(known.last_bot_open_on, excluded.last_bot_open_on),
    last_convo_started_on = greatest(known.last_convo_started_on, excluded.last_convo_started_on),
    first_chat_at = least(known.first_chat_at, excluded.first_chat_at);

with order_facts as (
    select
        users.chatbot_id,
        users.token,
        max(orders.created_at) as last_order_at,
        max(orders.created_on) as last_order_on,
        max(orders.created_on) filter (
            where orders.created_at > users.first_chat_at
        ) as last_chat_order_on
    from marts.orders
    join pg_temp.affected_users using (chatbot_id, token)
    join marts.users using (chatbot_id, token)
    group by users.chatbot_id, users.token
),

-- Affected users with orders now, or with orders before (an order can move to another user).
changed as (
    select
        users.chatbot_id,
        users.token,
        order_facts.last_order_at,
        order_facts.last_order_on,
        order_facts.last_chat_order_on
    from marts.users
    join pg_temp.affected_users using (chatbot_id, token)
    left join order_facts using (chatbot_id, token)
    where users.last_order_at is not null or order_facts.token is not null
)

update marts.users
set
    last_order_at = changed.last_order_at,
    last_order_on = changed.last_order_on,
    last_chat_order_on = changed.last_chat_order_on
from changed
where users.chatbot_id = changed.chatbot_id
    and users.token = changed.token
    and (users.last_order_at, users.last_order_on, users.last_chat_order_on)
        is distinct from
        (changed.last_order_at, changed.last_order_on, changed.last_chat_order_on);
