-- marts.conversation_clicks: add the new click_through events that name a conversation.

insert into marts.conversation_clicks as known (chatbot_id, conversation_id, url, count_clicks)
select chatbot_id, conversation_id, coalesce(url, ''), count(*)
from raw.events
where event = 'click_through'
    and conversation_id is not null
    and load_id > %(low)s and load_id <= %(high)s
group by chatbot_id, conversation_id, coalesce(url, '')
on conflict (chatbot_id, conversation_id, url) do update set
    count_clicks = known.count_clicks + excluded.count_clicks;
