-- marts.conversation_analyses: per conversation the analysis with the newest analyzed_at, ties
-- the latest loaded (load, then line).

insert into marts.conversation_analyses as known (
    chatbot_id, conversation_id, analyzed_at, products, intents, complaints,
    missing_information, mood, outcome, human_intervention_needed, load_id, line_number
)
select distinct on (chatbot_id, conversation_id)
    chatbot_id, conversation_id, analyzed_at, products, intents, complaints,
    missing_information, mood, outcome, human_intervention_needed, load_id, line_number
from raw.analyses
where load_id > %(low)s and load_id <= %(high)s
order by chatbot_id, conversation_id, analyzed_at desc, load_id desc, line_number desc
on conflict (chatbot_id, conversation_id) do update set
    analyzed_at = excluded.analyzed_at,
    products = excluded.products,
    intents = excluded.intents,
    complaints = excluded.complaints,
    missing_information = excluded.missing_information,
    mood = excluded.mood,
    outcome = excluded.outcome,
    human_intervention_needed = excluded.human_intervention_needed,
    load_id = excluded.load_id,
    line_number = excluded.line_number
where (excluded.analyzed_at, excluded.load_id, excluded.line_number)
    > (known.analyzed_at, known.load_id, known.line_number);
