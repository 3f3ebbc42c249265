-- The conversations a batch of new messages (load_id in (low, high]) touches.

create temp table affected_conversations on commit drop as
select distinct chatbot_id, conversation_id
from raw.messages
where load_id > %(low)s and load_id <= %(high)s;
