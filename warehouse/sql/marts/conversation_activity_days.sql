-- marts.conversation_activity_days: every date on which a conversation of the batch
-- (pg_temp.affected_conversations, conversations_batch.sql) has messages, recomputed whole
-- from that date's raw messages through load %(high)s and the conversations' durations (after
-- conversations.sql). A new message changes its conversation's duration, so every date the
-- conversation is active on changes with it.

-- Those dates: the dates with messages of the chatbot (raw.load_days) between the first and
-- the last message of a conversation of the batch.
create temp table activity_days_affected on commit drop as
with spans as (
    select distinct
        conversations.chatbot_id,
        (conversations.first_message_at at time zone 'UTC')::date as first_day,
        (conversations.last_message_at at time zone 'UTC')::date as last_day
    from marts.conversations
    join pg_temp.affected_conversations using (chatbot_id, conversation_id)
    where conversations.first_message_at is not null
),

message_dates as (
    select distinct chatbot_id, day
    from raw.load_days
    where kind = 'messages' and load_id <= %(high)s
)

select distinct message_dates.chatbot_id, message_dates.day
from message_dates
join spans
    on spans.chatbot_id = message_dates.chatbot_id
    and message_dates.day between spans.first_day and spans.last_day;

analyze pg_temp.activity_days_affected;

delete from marts.conversation_activity_days as known
using pg_temp.activity_days_affected as affected
where known.chatbot_id = affected.chatbot_id and known.day = affected.day;

-- The conversations active on each date of the span, from raw.messages, in a table of its own
-- so that it can be analyzed: without statistics the join below was estimated at a few rows and
-- probed the conversations' key once for each active conversation (docs/performance.md).
create temp table activity_days_active on commit drop as
with bounds as (
    -- The span of the dates, so that the scan of raw.messages can use its BRIN index.
    select
        min(day)::timestamp at time zone 'UTC' as lower,
        (max(day) + 1)::timestamp at time zone 'UTC' as upper
    from pg_temp.activity_days_affected
)

select distinct
    messages.chatbot_id,
    (messages.created_at at time zone 'UTC')::date as day,
    messages.conversation_id
from raw.messages
cross join bounds
where messages.load_id <= %(high)s
    and messages.created_at >= bounds.lower
    and messages.created_at < bounds.upper;

analyze pg_temp.activity_days_active;

-- In an incremental batch, the active conversations' durations are read by one bitmap scan of
-- the conversations' key, as known_users in purchases_batch.sql (one probe per conversation
-- read the key's pages one at a time; a batch from load 0 joins them all).
set local enable_indexscan = off;

insert into marts.conversation_activity_days (
    chatbot_id, day, count_conversations, capped_seconds
)
select
    active.chatbot_id,
    active.day,
    count(*) as count_conversations,
    sum(
        least(
            extract(epoch from conversations.last_message_at - conversations.first_message_at),
            5400
        )
    ) as capped_seconds
from pg_temp.activity_days_active as active
join pg_temp.activity_days_affected as affected using (chatbot_id, day)
join marts.conversations using (chatbot_id, conversation_id)
where %(low)s = 0
    or conversations.conversation_id = any(
        array(select conversation_id from pg_temp.activity_days_active)
    )
group by active.chatbot_id, active.day;

reset enable_indexscan;
