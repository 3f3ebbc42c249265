-- marts.popup_days for the UTC days in [%(lower)s, %(upper)s), rebuilt from raw.events. The
-- edge partitions reach to -infinity / infinity, so no event is ever outside a partition.

delete from marts.popup_days
where day >= %(lower)s::date and day < %(upper)s::date;

insert into marts.popup_days (chatbot_id, day, popup_version, count_displayed, count_opened)
select
    chatbot_id,
    (created_at at time zone 'UTC')::date,
    popup_version,
    count(*) filter (where event = 'popup_displayed'),
    count(*) filter (where event = 'popup_opened')
from raw.events
where event in ('popup_displayed', 'popup_opened')
    and created_at >= (%(lower)s::date::timestamp at time zone 'UTC')
    and created_at < (%(upper)s::date::timestamp at time zone 'UTC')
group by 1, 2, 3;
