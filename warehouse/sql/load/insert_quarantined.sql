-- Move one staged chunk of rejected lines into raw.quarantine; a line quarantined before
-- (same file name, line number and content) is not added again. Returns the reasons of the
-- lines added.
insert into raw.quarantine
    (chatbot_id, kind, source_name, line_number, reason, detail, raw_line, line_sha, load_id)
select chatbot_id, %(kind)s, %(source_name)s, line_number, reason, detail, raw_line, line_sha,
       %(load_id)s
from pg_temp.stage_quarantine
order by line_number
on conflict do nothing
returning reason
