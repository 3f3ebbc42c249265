-- marts.conversations: merge new messages (first/last only widen, counts add up) and new
-- conversation records in one pass. A new record always replaces the known one: its load is
-- newer than every load merged before (the latest loaded record wins; within the batch, the
-- latest load and line).

merge into marts.conversations as known
using (
    with new_messages as (
        -- What the batch's messages say about each conversation (conversations_batch.sql).
        select
            chatbot_id,
            conversation_id,
            first_message_at,
            last_message_at,
            count_messages,
            count_assistant_messages
        from pg_temp.affected_conversations
    ),

    new_records as (
        select distinct on (chatbot_id, conversation_id)
            chatbot_id, conversation_id, user_token, started_at, load_id, line_number
        from raw.conversations
        where load_id > %(low)s and load_id <= %(high)s
        order by chatbot_id, conversation_id, load_id desc, line_number desc
    )

    select
        chatbot_id,
        conversation_id,
        new_records.user_token,
        new_records.started_at,
        new_records.load_id as record_load_id,
        new_records.line_number as record_line_number,
        new_messages.first_message_at,
        new_messages.last_message_at,
        coalesce(new_messages.count_messages, 0) as count_messages,
        coalesce(new_messages.count_assistant_messages, 0) as count_assistant_messages
    from new_messages
    full join new_records using (chatbot_id, conversation_id)
) as changed
on known.chatbot_id = changed.chatbot_id and known.conversation_id = changed.conversation_id
when matched then update set
    user_token = coalesce(changed.user_token, known.user_token),
    started_at = coalesce(changed.started_at, known.started_at),
    record_load_id = coalesce(changed.record_load_id, known.record_load_id),
    record_line_number = coalesce(changed.record_line_number, known.record_line_number),
    first_message_at = least(known.first_message_at, changed.first_message_at),
    last_message_at = greatest(known.last_message_at, changed.last_message_at),
    count_messages = known.count_messages + changed.count_messages,
    count_assistant_messages = known.count_assistant_messages + changed.count_assistant_messages
when not matched then insert (
    chatbot_id, conversation_id, user_token, started_at, record_load_id, record_line_number,
    first_message_at, last_message_at, count_messages, count_assistant_messages
) values (
    changed.chatbot_id, changed.conversation_id, changed.user_token, changed.started_at,
    changed.record_load_id, changed.record_line_number, changed.first_message_at,
    changed.last_message_at, changed.count_messages, changed.count_assistant_messages
);
