-- marts.chatbots: the latest loaded record of each chatbot.

merge into marts.chatbots as known
using (
    select distinct on (chatbot_id)
        chatbot_id, account_id, name, ab_test_enabled, allowed_origins, load_id, line_number
    from raw.chatbots
    where load_id > %(low)s and load_id <= %(high)s
    order by chatbot_id, load_id desc, line_number desc
) as changed
on known.chatbot_id = changed.chatbot_id
when matched and (changed.load_id, changed.line_number) > (known.load_id, known.line_number)
    then update set
        account_id = changed.account_id,
        name = changed.name,
        ab_test_enabled = changed.ab_test_enabled,
        allowed_origins = changed.allowed_origins,
        load_id = changed.load_id,
        line_number = changed.line_number
when not matched then insert (
    chatbot_id, account_id, name, ab_test_enabled, allowed_origins, load_id, line_number
) values (
    changed.chatbot_id, changed.account_id, changed.name, changed.ab_test_enabled,
    changed.allowed_origins, changed.load_id, changed.line_number
);
