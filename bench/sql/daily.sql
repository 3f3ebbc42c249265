-- daily straight from raw: for each date of the window with any activity, what the other
-- queries give for a window of that date alone (dates without activity are zeros, added by
-- the caller). Users, funnel steps and counted purchases per date as funnel.sql; conversations
-- with a message that date, their whole capped duration, and AI messages as overview.sql.
with events as (
    select event_id, event, token, created_at, order_num, items,
        cast(created_at at time zone 'UTC' as date) as created_on
    from raw.events
    where chatbot_id = :chatbot_id
),

day_users as (
    select
        created_on as day,
        token,
        max(case when event = 'visitor' then 1 else 0 end) as visited,
        max(case when event = 'popup_displayed' then 1 else 0 end) as approached,
        max(case when event = 'bot_open' then 1 else 0 end) as opened,
        max(case when event = 'convo_started' then 1 else 0 end) as chatted
    from events
    where created_on between :start_date and :end_date
    group by created_on, token
),

{{include(counted_orders)}},

day_orders as (
    select
        counted.created_on as day,
        counted.token,
        order_values.value_eur,
        coalesce(counted.created_at > first_chats.first_chat_at, false) as after_first_chat
    from counted
    left join order_values using (event_id)
    left join first_chats using (token)
    where counted.created_on between :start_date and :end_date
),

-- Each user's orders of a date, summed before the one join with that date's users.
day_user_orders as (
    select
        day,
        token,
        count(*) as orders,
        coalesce(sum(value_eur), 0) as revenue,
        count(*) filter (where after_first_chat) as after_chat_orders,
        coalesce(sum(value_eur) filter (where after_first_chat), 0) as after_chat_revenue
    from day_orders
    group by day, token
),

per_user as (
    select
        day_users.day,
        day_users.approached,
        day_users.opened,
        day_users.chatted,
        coalesce(user_orders.orders, 0) as orders,
        coalesce(user_orders.revenue, 0) as revenue,
        case when day_users.chatted = 1 then coalesce(user_orders.after_chat_orders, 0) else 0 end
            as chat_orders,
        case when day_users.chatted = 1 then coalesce(user_orders.after_chat_revenue, 0) else 0 end
            as chat_revenue
    from day_users
    left join day_user_orders as user_orders using (day, token)
    where day_users.visited = 1
),

visitors as (
    select
        day,
        count(*) as visitors,
        sum(approached) as approached,
        sum(opened) as opened,
        sum(chatted) as chatted,
        count(*) filter (where orders > 0) as purchasers,
        count(*) filter (where chat_orders > 0) as chat_purchasers,
        sum(revenue) as revenue_eur,
        sum(chat_revenue) as chat_revenue_eur,
        sum(orders) as orders
    from per_user
    group by day
),

chatbot_messages as (
    select conversation_id, role, created_at,
        cast(created_at at time zone 'UTC' as date) as created_on
    from raw.messages
    where chatbot_id = :chatbot_id
),

spans as (
    select conversation_id, min(created_at) as first_at, max(created_at) as last_at
    from chatbot_messages
    group by conversation_id
),

active as (
    select distinct conversation_id, created_on as day
    from chatbot_messages
    where created_on between :start_date and :end_date
),

activity as (
    select
        active.day,
        count(*) as conversations,
        sum(least({{micros(spans.first_at, spans.last_at)}}, 5400000000)) as capped_micros
    from active
    join spans using (conversation_id)
    group by active.day
),

ai as (
    select created_on as day, count(*) as ai_messages
    from chatbot_messages
    where role = 'assistant' and created_on between :start_date and :end_date
    group by created_on
),

days as (
    select day from visitors
    union
    select day from activity
    union
    select day from ai
)

select
    days.day,
    coalesce(visitors.visitors, 0) as visitors,
    coalesce(visitors.approached, 0) as approached,
    coalesce(visitors.opened, 0) as opened,
    coalesce(visitors.chatted, 0) as chatted,
    coalesce(visitors.purchasers, 0) as purchasers,
    coalesce(visitors.chat_purchasers, 0) as chat_purchasers,
    coalesce(visitors.revenue_eur, 0) as revenue_eur,
    coalesce(visitors.chat_revenue_eur, 0) as chat_revenue_eur,
    coalesce(visitors.orders, 0) as orders,
    coalesce(activity.conversations, 0) as conversations,
    coalesce(ai.ai_messages, 0) as ai_messages,
    coalesce(activity.capped_micros, 0) as capped_micros
from days
left join visitors using (day)
left join activity using (day)
left join ai using (day)
order by days.day
