-- marts.conversations: merge new messages (first/last only widen, counts add up) and new
-- conversation records (the latest loaded record wins).

insert into marts.conversations as known (
    chatbot_id, conversation_id, first_message_at, last_message_at, count_messages,
    count_assistant_messages
)
select
    chatbot_id,
    conversation_id,
    min(created_at),
    max(created_at),
    count(*),
    count(*) filter (where role = 'assistant')
from raw.messages
where load_id > %(low)s and load_id <= %(high)s
group by chatbot_id, conversation_id
on conflict (chatbot_id, conversation_id) do update set
    first_message_at = least(known.first_message_at, excluded.first_message_at),
    last_message_at = greatest(known.last_message_at, excluded.last_message_at),
    count_messages = known.count_messages + excluded.count_messages,
    count_assistant_messages = known.count_assistant_messages + excluded.count_assistant_messages;

insert into marts.conversations as known (
    chatbot_id, conversation_id, user_token, started_at, record_load_id, record_line_number,
    count_messages, count_assistant_messages
)
select distinct on (chatbot_id, conversation_id)
    chatbot_id, conversation_id, user_token, started_at, load_id, line_number, 0, 0
from raw.conversations
where load_id > %(low)s and load_id <= %(high)s
order by chatbot_id, conversation_id, load_id desc, line_number desc
on conflict (chatbot_id, conversation_id) do update set
    user_token = excluded.user_token,
    started_at = excluded.started_at,
    record_load_id = excluded.record_load_id,
    record_line_number = excluded.record_line_number
where known.record_load_id is null
    or (excluded.record_load_id, excluded.record_line_number)
        > (known.record_load_id, known.record_line_number);
