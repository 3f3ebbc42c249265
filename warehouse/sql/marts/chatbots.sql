-- marts.chatbots: the latest loaded record of each chatbot.

insert into marts.chatbots as known (
    chatbot_id, account_id, name, ab_test_enabled, load_id, line_number
)
select distinct on (chatbot_id)
    chatbot_id, account_id, name, ab_test_enabled, load_id, line_number
from raw.chatbots
where load_id > %(low)s and load_id <= %(high)s
order by chatbot_id, load_id desc, line_number desc
on conflict (chatbot_id) do update set
    account_id = excluded.account_id,
    name = excluded.name,
    ab_test_enabled = excluded.ab_test_enabled,
    load_id = excluded.load_id,
    line_number = excluded.line_number
where (excluded.load_id, excluded.line_number) > (known.load_id, known.line_number);
