-- Shared by funnel.sql and daily.sql (included by their include fragment): each user's
-- first chat, the counted purchases (the earliest event per order key over all history) and
-- their EUR values (SPEC 3), over the chatbot's `events`.
first_chats as (
    select token, min(created_at) as first_chat_at
    from events
    where event = 'convo_started'
    group by token
),

counted as (
    select distinct on (coalesce(order_num, event_id))
        event_id, token, created_at, created_on, items
    from events
    where event = 'purchase'
    order by coalesce(order_num, event_id), created_at, event_id
),

item_rows as (
    {{item_rows(counted)}}
),

order_values as (
    select
        item_rows.event_id,
        case
            when count(*) = 0 or count(*) filter (
                where item_rows.value is null or rates.eur_per_unit is null
            ) > 0 then null
            else sum(item_rows.value * item_rows.quantity * rates.eur_per_unit)
        end as value_eur
    from item_rows
    left join reference.currency_rates as rates on rates.currency = item_rows.currency
    group by item_rows.event_id
)
