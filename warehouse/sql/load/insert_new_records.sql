-- Move one staged chunk of validated records into its raw table.
-- Staged rows go in input order, so within a chunk the first line wins; rows whose identity is
-- already stored are skipped (ON CONFLICT DO NOTHING). The days that received new rows are
-- recorded in raw.load_days for the pipeline. Returns the number of rows added.
with inserted as (
    insert into {raw_table} ({columns}, record, load_id{extra_columns})
    select {columns}, record, %(load_id)s{extra_columns}
    from pg_temp.stage
    order by line_number
    on conflict do nothing
    returning chatbot_id, {day}
),

added_days as (
    insert into raw.load_days as load_days (chatbot_id, load_id, kind, day, row_count)
    select chatbot_id, %(load_id)s, %(kind)s, day, count(*)
    from inserted
    group by chatbot_id, day
    on conflict (chatbot_id, load_id, kind, day)
        do update set row_count = load_days.row_count + excluded.row_count
)

select count(*) from inserted
