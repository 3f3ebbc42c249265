-- The conversations a batch of new messages (load_id in (low, high]) touches, with what the
-- new messages say about each (the input of conversations.sql): raw.messages read once for
-- both.

create temp table affected_conversations on commit drop as
select
    chatbot_id,
    conversation_id,
    min(created_at) as first_message_at,
    max(created_at) as last_message_at,
    count(*) as count_messages,
    count(*) filter (where role = 'assistant') as count_assistant_messages
from raw.messages
where load_id > %(low)s and load_id <= %(high)s
group by chatbot_id, conversation_id;

analyze pg_temp.affected_conversations (chatbot_id, conversation_id);
