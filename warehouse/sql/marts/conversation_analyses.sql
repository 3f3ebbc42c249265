-- marts.conversation_analyses: per conversation the analysis with the newest analyzed_at, ties
-- the latest loaded (load, then line).

merge into marts.conversation_analyses as known
using (
    select distinct on (chatbot_id, conversation_id)
        chatbot_id, conversation_id, analyzed_at, products, intents, complaints,
        missing_information, mood, outcome, human_intervention_needed, load_id, line_number
    from raw.analyses
    where load_id > %(low)s and load_id <= %(high)s
    order by chatbot_id, conversation_id, analyzed_at desc, load_id desc, line_number desc
) as changed
on known.chatbot_id = changed.chatbot_id and known.conversation_id = changed.conversation_id
when matched and (changed.analyzed_at, changed.load_id, changed.line_number)
    > (known.analyzed_at, known.load_id, known.line_number) then update set
    analyzed_at = changed.analyzed_at,
    products = changed.products,
    intents = changed.intents,
    complaints = changed.complaints,
    missing_information = changed.missing_information,
    mood = changed.mood,
    outcome = changed.outcome,
    human_intervention_needed = changed.human_intervention_needed,
    load_id = changed.load_id,
    line_number = changed.line_number
when not matched then insert (
    chatbot_id, conversation_id, analyzed_at, products, intents, complaints,
    missing_information, mood, outcome, human_intervention_needed, load_id, line_number
) values (
    changed.chatbot_id, changed.conversation_id, changed.analyzed_at, changed.products,
    changed.intents, changed.complaints, changed.missing_information, changed.mood,
    changed.outcome, changed.human_intervention_needed, changed.load_id, changed.line_number
);
