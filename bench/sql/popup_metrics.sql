-- popup-metrics straight from raw: popup events per version, conversation sources.
select
    popup_version as bucket,
    count(*) filter (where event = 'popup_displayed') as displayed,
    count(*) filter (where event = 'popup_opened') as opened
from raw.events
where chatbot_id = :chatbot_id
    and event in ('popup_displayed', 'popup_opened')
    and cast(created_at at time zone 'UTC' as date) between :start_date and :end_date
group by popup_version
union all
select
    '~conversations' as bucket,
    count(*) filter (where open_way = 'popup'),
    count(*) filter (where open_way = 'chat_button')
from raw.events
where chatbot_id = :chatbot_id
    and event = 'convo_started'
    and cast(created_at at time zone 'UTC' as date) between :start_date and :end_date
union all
select '~total', count(*), 0
from raw.events
where chatbot_id = :chatbot_id
    and event = 'convo_started'
    and cast(created_at at time zone 'UTC' as date) between :start_date and :end_date
