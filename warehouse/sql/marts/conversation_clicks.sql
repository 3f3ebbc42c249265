-- marts.conversation_clicks: add the new click_through events that name a conversation.

merge into marts.conversation_clicks as known
using (
    select chatbot_id, conversation_id, coalesce(url, '') as url, count(*) as count_clicks
    from raw.events
    where event = 'click_through'
        and conversation_id is not null
        and load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id, conversation_id, coalesce(url, '')
) as changed
on known.chatbot_id = changed.chatbot_id
    and known.conversation_id = changed.conversation_id
    and known.url = changed.url
when matched then update set
    count_clicks = known.count_clicks + changed.count_clicks
when not matched then insert (chatbot_id, conversation_id, url, count_clicks)
    values (changed.chatbot_id, changed.conversation_id, changed.url, changed.count_clicks);
