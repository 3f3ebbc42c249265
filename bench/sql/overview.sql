-- overview straight from raw (the baseline the marts are compared with).
with chatbot_messages as (
    select conversation_id, role, created_at, cast(created_at at time zone 'UTC' as date) as created_on
    from raw.messages
    where chatbot_id = :chatbot_id
),

conversations as (
    select
        conversation_id,
        max(case when created_on between :start_date and :end_date then 1 else 0 end) as is_active,
        min(created_at) as first_at,
        max(created_at) as last_at
    from chatbot_messages
    group by conversation_id
)

select
    (select count(*) from conversations where is_active = 1) as total_conversations,
    (
        select coalesce(sum(least({{micros(first_at, last_at)}}, 5400000000)), 0)
        from conversations
        where is_active = 1
    ) as capped_micros,
    (
        select count(*) from chatbot_messages
        where role = 'assistant' and created_on between :start_date and :end_date
    ) as total_ai_messages
