-- marts.convo_start_days for the UTC days in [%(lower)s, %(upper)s), rebuilt from raw.events.

delete from marts.convo_start_days
where day >= %(lower)s::date and day < %(upper)s::date;

insert into marts.convo_start_days (chatbot_id, day, open_way, count_convo_started)
select
    chatbot_id,
    (created_at at time zone 'UTC')::date,
    coalesce(open_way, ''),
    count(*)
from raw.events
where event = 'convo_started'
    and created_at >= (%(lower)s::date::timestamp at time zone 'UTC')
    and created_at < (%(upper)s::date::timestamp at time zone 'UTC')
group by 1, 2, 3;
