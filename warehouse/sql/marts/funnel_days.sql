-- The rows the affected users (pg_temp.affected_users) and their counted purchases
-- (pg_temp.affected_orders) add to marts.funnel_days, times %(sign)s: -1 before their facts
-- change, +1 after. Each user (or order) is counted on its entry day: the latest day from which
-- it meets every condition of the measure, so every window [start, today] with start <= entry
-- day contains it.

insert into pg_temp.funnel_days_delta (
    chatbot_id, day, ab_group, count_visitors, count_approached, count_opened, count_chatted,
    count_purchasers, count_chat_purchasers, count_orders, count_valued_orders, revenue_eur,
    count_chat_orders, count_valued_chat_orders, chat_revenue_eur
)
with affected as not materialized (
    -- Before the merge, their old rows (read once by purchases_batch.sql); after it, their new
    -- rows (pg_temp.changed_users). Every measure is about visitors.
    select
        chatbot_id, token, ab_group, last_visit_on, last_popup_displayed_on, last_bot_open_on,
        last_convo_started_on, first_chat_at, last_order_on, last_chat_order_on
    from pg_temp.known_users
    where %(sign)s = -1 and last_visit_on is not null
    union all
    select
        chatbot_id, token, ab_group, last_visit_on, last_popup_displayed_on, last_bot_open_on,
        last_convo_started_on, first_chat_at, last_order_on, last_chat_order_on
    from pg_temp.changed_users
    where %(sign)s = 1 and last_visit_on is not null
),

user_entry_days as (
    select
        chatbot_id,
        coalesce(ab_group, 'none') as ab_group,
        last_visit_on as visitor_on,
        case when last_popup_displayed_on is not null
            then least(last_visit_on, last_popup_displayed_on) end as approached_on,
        case when last_bot_open_on is not null
            then least(last_visit_on, last_bot_open_on) end as opened_on,
        case when last_convo_started_on is not null
            then least(last_visit_on, last_convo_started_on) end as chatted_on,
        case when last_order_on is not null
            then least(last_visit_on, last_order_on) end as purchaser_on,
        case when last_convo_started_on is not null and last_chat_order_on is not null
            then least(last_visit_on, last_convo_started_on, last_chat_order_on)
        end as chat_purchaser_on
    from affected
),

order_entry_days as (
    select
        orders.chatbot_id,
        coalesce(affected.ab_group, 'none') as ab_group,
        orders.value_eur,
        least(orders.created_on, affected.last_visit_on) as order_on,
        case when affected.last_convo_started_on is not null
                and orders.created_at > affected.first_chat_at
            then least(orders.created_on, affected.last_visit_on, affected.last_convo_started_on)
        end as chat_order_on
    from pg_temp.affected_orders as orders
    join affected using (chatbot_id, token)
),

-- Users with the same entry days are counted together: fewer rows to spread over measures
-- (sums of none are null, taken as 0 below).
user_groups as (
    select
        chatbot_id, ab_group, visitor_on, approached_on, opened_on, chatted_on, purchaser_on,
        chat_purchaser_on, count(*)::integer as users
    from user_entry_days
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

user_counts as (
    select
        user_groups.chatbot_id,
        entry.day,
        user_groups.ab_group,
        sum(users) filter (where entry.measure = 'visitors') as count_visitors,
        sum(users) filter (where entry.measure = 'approached') as count_approached,
        sum(users) filter (where entry.measure = 'opened') as count_opened,
        sum(users) filter (where entry.measure = 'chatted') as count_chatted,
        sum(users) filter (where entry.measure = 'purchasers') as count_purchasers,
        sum(users) filter (where entry.measure = 'chat_purchasers') as count_chat_purchasers
    from user_groups
    cross join lateral (
        values
            ('visitors', visitor_on),
            ('approached', approached_on),
            ('opened', opened_on),
            ('chatted', chatted_on),
            ('purchasers', purchaser_on),
            ('chat_purchasers', chat_purchaser_on)
    ) as entry (measure, day)
    where entry.day is not null
    group by 1, 2, 3
),

order_counts as (
    select
        order_entry_days.chatbot_id,
        entry.day,
        order_entry_days.ab_group,
        count(*) filter (where entry.measure = 'orders') as count_orders,
        count(value_eur) filter (where entry.measure = 'orders') as count_valued_orders,
        coalesce(sum(value_eur) filter (where entry.measure = 'orders'), 0) as revenue_eur,
        count(*) filter (where entry.measure = 'chat_orders') as count_chat_orders,
        count(value_eur) filter (where entry.measure = 'chat_orders') as count_valued_chat_orders,
        coalesce(sum(value_eur) filter (where entry.measure = 'chat_orders'), 0)
            as chat_revenue_eur
    from order_entry_days
    cross join lateral (
        values ('orders', order_on), ('chat_orders', chat_order_on)
    ) as entry (measure, day)
    where entry.day is not null
    group by 1, 2, 3
)

select
    chatbot_id,
    day,
    ab_group,
    %(sign)s * coalesce(user_counts.count_visitors, 0),
    %(sign)s * coalesce(user_counts.count_approached, 0),
    %(sign)s * coalesce(user_counts.count_opened, 0),
    %(sign)s * coalesce(user_counts.count_chatted, 0),
    %(sign)s * coalesce(user_counts.count_purchasers, 0),
    %(sign)s * coalesce(user_counts.count_chat_purchasers, 0),
    %(sign)s * coalesce(order_counts.count_orders, 0),
    %(sign)s * coalesce(order_counts.count_valued_orders, 0),
    %(sign)s * coalesce(order_counts.revenue_eur, 0),
    %(sign)s * coalesce(order_counts.count_chat_orders, 0),
    %(sign)s * coalesce(order_counts.count_valued_chat_orders, 0),
    %(sign)s * coalesce(order_counts.chat_revenue_eur, 0)
from user_counts
full join order_counts using (chatbot_id, day, ab_group);
