-- marts.users: merge the affected users' new rows (pg_temp.changed_users, changed_users.sql);
-- a row that would not change is not rewritten. MERGE rather than INSERT ... ON CONFLICT: it
-- joins the users instead of probing the key row by row, and refreshes of the purchase marts
-- never run at once (the asset lock of transforms.incremental), so no concurrent insert can
-- collide.

merge into marts.users as known
using pg_temp.changed_users as changed
on known.chatbot_id = changed.chatbot_id and known.token = changed.token
when matched and (
    known.last_visit_on, known.last_popup_displayed_on, known.last_bot_open_on,
    known.last_convo_started_on, known.first_chat_at, known.last_order_at, known.last_order_on,
    known.last_chat_order_on
) is distinct from (
    changed.last_visit_on, changed.last_popup_displayed_on, changed.last_bot_open_on,
    changed.last_convo_started_on, changed.first_chat_at, changed.last_order_at,
    changed.last_order_on, changed.last_chat_order_on
) then update set
    last_visit_on = changed.last_visit_on,
    last_popup_displayed_on = changed.last_popup_displayed_on,
    last_bot_open_on = changed.last_bot_open_on,
    last_convo_started_on = changed.last_convo_started_on,
    first_chat_at = changed.first_chat_at,
    last_order_at = changed.last_order_at,
    last_order_on = changed.last_order_on,
    last_chat_order_on = changed.last_chat_order_on
when not matched then insert (
    chatbot_id, token, ab_group, last_visit_on, last_popup_displayed_on, last_bot_open_on,
    last_convo_started_on, first_chat_at, last_order_at, last_order_on, last_chat_order_on
) values (
    changed.chatbot_id, changed.token, changed.ab_group, changed.last_visit_on,
    changed.last_popup_displayed_on, changed.last_bot_open_on, changed.last_convo_started_on,
    changed.first_chat_at, changed.last_order_at, changed.last_order_on,
    changed.last_chat_order_on
);
