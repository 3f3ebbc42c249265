-- conversation-insights straight from raw: the winning analyses, the 100 latest conversations
-- active in [start, now], each with its conversion, reactions and clicked urls. (Ranking the
-- items of 100 conversations is then the same Python as the API's.)
with winning_analyses as (
    select distinct on (conversation_id)
        conversation_id, products, intents, complaints, missing_information, mood, outcome,
        human_intervention_needed
    from raw.analyses
    where chatbot_id = :chatbot_id
    order by conversation_id, analyzed_at desc, load_id desc, line_number desc
),

conversation_messages as (
    select
        conversation_id,
        min(created_at) as first_message_at,
        max(created_at) as last_message_at,
        max(case when created_at >= :start and created_at <= :now then 1 else 0 end) as active
    from raw.messages
    where chatbot_id = :chatbot_id
    group by conversation_id
),

report as (
    select
        winning_analyses.*,
        conversation_messages.first_message_at,
        conversation_messages.last_message_at
    from winning_analyses
    join conversation_messages using (conversation_id)
    where conversation_messages.active = 1
    order by conversation_messages.last_message_at desc, conversation_id
    limit 100
),

conversation_users as (
    select distinct on (conversation_id) conversation_id, user_token
    from raw.conversations
    where chatbot_id = :chatbot_id
    order by conversation_id, load_id desc, line_number desc
),

counted as (
    select distinct on (coalesce(order_num, event_id)) token, created_at
    from raw.events
    where chatbot_id = :chatbot_id and event = 'purchase'
    order by coalesce(order_num, event_id), created_at, event_id
),

last_orders as (
    select token, max(created_at) as last_order_at from counted group by token
),

conversation_events as (
    select
        events.conversation_id,
        count(*) filter (where events.event = 'message_like') as likes,
        count(*) filter (where events.event = 'message_dislike') as dislikes,
        array_agg(coalesce(events.url, '')) filter (where events.event = 'click_through')
            as clicked_urls
    from raw.events
    join report using (conversation_id)
    where events.chatbot_id = :chatbot_id
        and events.event in ('message_like', 'message_dislike', 'click_through')
    group by events.conversation_id
)

select
    report.conversation_id,
    report.first_message_at,
    report.last_message_at,
    report.products,
    report.intents,
    report.complaints,
    report.missing_information,
    report.mood,
    report.outcome,
    report.human_intervention_needed,
    coalesce(last_orders.last_order_at >= report.first_message_at, false) as is_converted,
    coalesce(conversation_events.likes, 0) as likes,
    coalesce(conversation_events.dislikes, 0) as dislikes,
    conversation_events.clicked_urls
from report
left join conversation_users using (conversation_id)
left join last_orders on last_orders.token = conversation_users.user_token
left join conversation_events using (conversation_id)
order by report.last_message_at desc, report.conversation_id
