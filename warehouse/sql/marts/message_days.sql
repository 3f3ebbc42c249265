-- marts.message_days for the UTC days in [%(lower)s, %(upper)s), rebuilt from raw.messages.

delete from marts.message_days
where day >= %(lower)s::date and day < %(upper)s::date;

insert into marts.message_days (chatbot_id, day, count_messages, count_assistant_messages)
select
    chatbot_id,
    (created_at at time zone 'UTC')::date,
    count(*),
    count(*) filter (where role = 'assistant')
from raw.messages
where created_at >= (%(lower)s::date::timestamp at time zone 'UTC')
    and created_at < (%(upper)s::date::timestamp at time zone 'UTC')
group by 1, 2;
