-- engagement and purchases straight from raw: distinct users per condition over the window,
-- counted purchases (earliest event per order key over all history), first chats, EUR values.
with events as (
    select event_id, event, token, created_at, order_num, items,
        cast(created_at at time zone 'UTC' as date) as created_on
    from raw.events
    where chatbot_id = :chatbot_id
),

window_users as (
    select
        token,
        max(case when event = 'visitor' then 1 else 0 end) as visited,
        max(case when event = 'popup_displayed' then 1 else 0 end) as approached,
        max(case when event = 'bot_open' then 1 else 0 end) as opened,
        max(case when event = 'convo_started' then 1 else 0 end) as chatted
    from events
    where created_on between :start_date and :end_date
    group by token
),

{{include(counted_orders)}},

window_orders as (
    select
        counted.token,
        order_values.value_eur,
        coalesce(counted.created_at > first_chats.first_chat_at, false) as after_first_chat
    from counted
    left join order_values using (event_id)
    left join first_chats using (token)
    where counted.created_on between :start_date and :end_date
),

visitor_orders as (
    select window_orders.*, window_users.chatted = 1 and window_orders.after_first_chat as is_chat
    from window_orders
    join window_users using (token)
    where window_users.visited = 1
),

per_user as (
    select
        window_users.token,
        case right(window_users.token, 1) when '0' then 'control' when '1' then 'test' end
            as ab_group,
        window_users.approached,
        window_users.opened,
        window_users.chatted,
        max(case when visitor_orders.token is not null then 1 else 0 end) as purchased,
        max(case when visitor_orders.is_chat then 1 else 0 end) as chat_purchased,
        count(visitor_orders.token) as orders,
        count(visitor_orders.value_eur) as valued_orders,
        coalesce(sum(visitor_orders.value_eur), 0) as revenue,
        count(*) filter (where visitor_orders.is_chat) as chat_orders,
        count(visitor_orders.value_eur) filter (where visitor_orders.is_chat) as valued_chat_orders,
        coalesce(sum(visitor_orders.value_eur) filter (where visitor_orders.is_chat), 0)
            as chat_revenue
    from window_users
    left join visitor_orders using (token)
    where window_users.visited = 1
    group by 1, 2, 3, 4, 5
)

select
    coalesce(ab_group, 'none') as ab_group,
    count(*) as visitors,
    sum(approached) as approached,
    sum(opened) as opened,
    sum(chatted) as chatted,
    sum(purchased) as purchasers,
    sum(chat_purchased) as chat_purchasers,
    sum(orders) as orders,
    sum(valued_orders) as valued_orders,
    sum(revenue) as revenue_eur,
    sum(chat_orders) as chat_orders,
    sum(valued_chat_orders) as valued_chat_orders,
    sum(chat_revenue) as chat_revenue_eur
from per_user
group by 1
