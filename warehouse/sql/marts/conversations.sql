-- marts.conversations: merge new messages (first/last only widen, counts add up) and new
-- conversation records in one pass. A new record always replaces the known one: its load is
-- newer than every load merged before (the latest loaded record wins; within the batch, the
-- latest load and line).

insert into marts.conversations as known (
    chatbot_id, conversation_id, user_token, started_at, record_load_id, record_line_number,
    first_message_at, last_message_at, count_messages, count_assistant_messages
)
with new_messages as (
    select
        chatbot_id,
        conversation_id,
        min(created_at) as first_message_at,
        max(created_at) as last_message_at,
        count(*) as count_messages,
        count(*) filter (where role = 'assistant') as count_assistant_messages
    from raw.messages
    where load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id, conversation_id
),

new_records as (
    select distinct on (chatbot_id, conversation_id)
        chatbot_id, conversation_id, user_token, started_at, load_id, line_number
    from raw.conversations
    where load_id > %(low)s and load_id <= %(high)s
    order by chatbot_id, conversation_id, load_id desc, line_number desc
)

select
    chatbot_id,
    conversation_id,
    new_records.user_token,
    new_records.started_at,
    new_records.load_id,
    new_records.line_number,
    new_messages.first_message_at,
    new_messages.last_message_at,
    coalesce(new_messages.count_messages, 0),
    coalesce(new_messages.count_assistant_messages, 0)
from new_messages
full join new_records using (chatbot_id, conversation_id)
on conflict (chatbot_id, conversation_id) do update set
    user_token = coalesce(excluded.user_token, known.user_token),
    started_at = coalesce(excluded.started_at, known.started_at),
    record_load_id = coalesce(excluded.record_load_id, known.record_load_id),
    record_line_number = coalesce(excluded.record_line_number, known.record_line_number),
    first_message_at = least(known.first_message_at, excluded.first_message_at),
    last_message_at = greatest(known.last_message_at, excluded.last_message_at),
    count_messages = known.count_messages + excluded.count_messages,
    count_assistant_messages = known.count_assistant_messages + excluded.count_assistant_messages;
