-- The rows the affected conversations (pg_temp.affected_conversations) add to
-- marts.conversation_days, times %(sign)s: -1 before their messages change, +1 after. A
-- conversation counts on the day of its last message, with its duration capped at 1.5 h.

insert into pg_temp.conversation_days_delta (chatbot_id, day, count_conversations, capped_seconds)
select
    conversations.chatbot_id,
    (conversations.last_message_at at time zone 'UTC')::date,
    %(sign)s * count(*),
    %(sign)s * sum(
        least(extract(epoch from conversations.last_message_at - conversations.first_message_at),
              5400)
    )
from marts.conversations
join pg_temp.affected_conversations using (chatbot_id, conversation_id)
where conversations.last_message_at is not null
group by 1, 2;
