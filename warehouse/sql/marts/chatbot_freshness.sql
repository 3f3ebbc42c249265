-- marts.chatbot_freshness: the newest record instant per chatbot (X-Data-As-Of). Each
-- chatbot's newest instant lies on the newest day the new loads touched (raw.load_days), so
-- each table is read only from the earliest of those days on (BRIN indexes on the time
-- columns of events and messages).

merge into marts.chatbot_freshness as known
using (
    with newest_days as (
        select kind, min(newest_day)::timestamp at time zone 'UTC' as read_from
        from (
            select chatbot_id, kind, max(day) as newest_day
            from raw.load_days
            where load_id > %(low)s and load_id <= %(high)s
            group by chatbot_id, kind
        ) as per_chatbot
        group by kind
    ),

    new_record_times as (
        select chatbot_id, max(created_at) as newest_at
        from raw.events
        where created_at >= (select read_from from newest_days where kind = 'events')
            and load_id > %(low)s and load_id <= %(high)s
        group by chatbot_id
        union all
        select chatbot_id, max(created_at)
        from raw.messages
        where created_at >= (select read_from from newest_days where kind = 'messages')
            and load_id > %(low)s and load_id <= %(high)s
        group by chatbot_id
        union all
        select chatbot_id, max(started_at)
        from raw.conversations
        where started_at >= (select read_from from newest_days where kind = 'conversations')
            and load_id > %(low)s and load_id <= %(high)s
        group by chatbot_id
        union all
        select chatbot_id, max(analyzed_at)
        from raw.analyses
        where analyzed_at >= (select read_from from newest_days where kind = 'analyses')
            and load_id > %(low)s and load_id <= %(high)s
        group by chatbot_id
    )

    select chatbot_id, max(newest_at) as newest_record_at
    from new_record_times
    group by chatbot_id
) as changed
on known.chatbot_id = changed.chatbot_id
when matched then update set
    newest_record_at = greatest(known.newest_record_at, changed.newest_record_at)
when not matched then insert (chatbot_id, newest_record_at)
    values (changed.chatbot_id, changed.newest_record_at);
