-- marts.conversation_reactions: add the new message_like / message_dislike events that name a
-- conversation.

insert into marts.conversation_reactions as known (
    chatbot_id, conversation_id, count_likes, count_dislikes
)
select
    chatbot_id,
    conversation_id,
    count(*) filter (where event = 'message_like'),
    count(*) filter (where event = 'message_dislike')
from raw.events
where event in ('message_like', 'message_dislike')
    and conversation_id is not null
    and load_id > %(low)s and load_id <= %(high)s
group by chatbot_id, conversation_id
on conflict (chatbot_id, conversation_id) do update set
    count_likes = known.count_likes + excluded.count_likes,
    count_dislikes = known.count_dislikes + excluded.count_dislikes;
