-- marts.chatbot_freshness: the newest record instant per chatbot (X-Data-As-Of).

insert into marts.chatbot_freshness as known (chatbot_id, newest_record_at)
with new_record_times as (
    select chatbot_id, max(created_at) as newest_at
    from raw.events
    where load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id
    union all
    select chatbot_id, max(created_at)
    from raw.messages
    where load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id
    union all
    select chatbot_id, max(started_at)
    from raw.conversations
    where load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id
    union all
    select chatbot_id, max(analyzed_at)
    from raw.analyses
    where load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id
)

select chatbot_id, max(newest_at)
from new_record_times
group by chatbot_id
on conflict (chatbot_id) do update set
    newest_record_at = greatest(known.newest_record_at, excluded.newest_record_at);
