-- marts.visitor_days: the dates of pg_temp.affected_visitor_days (visitor_days_batch.sql), each
-- once; visitor_days_span.sql then recomputes them a span of dates at a time (after orders.sql
-- and users.sql).

create temp table visitor_days_affected on commit drop as
select distinct chatbot_id, day
from pg_temp.affected_visitor_days;

analyze pg_temp.visitor_days_affected;
