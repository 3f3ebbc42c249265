-- marts.conversation_reactions: add the new message_like / message_dislike events that name a
-- conversation.

merge into marts.conversation_reactions as known
using (
    select
        chatbot_id,
        conversation_id,
        count(*) filter (where event = 'message_like') as count_likes,
        count(*) filter (where event = 'message_dislike') as count_dislikes
    from raw.events
    where event in ('message_like', 'message_dislike')
        and conversation_id is not null
        and load_id > %(low)s and load_id <= %(high)s
    group by chatbot_id, conversation_id
) as changed
on known.chatbot_id = changed.chatbot_id and known.conversation_id = changed.conversation_id
when matched then update set
    count_likes = known.count_likes + changed.count_likes,
    count_dislikes = known.count_dislikes + changed.count_dislikes
when not matched then insert (chatbot_id, conversation_id, count_likes, count_dislikes)
    values (
        changed.chatbot_id, changed.conversation_id, changed.count_likes, changed.count_dislikes
    );
