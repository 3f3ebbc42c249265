-- The partition days of %(asset_name)s that loads of %(kind)s reached after it was last built,
-- and the days never built (an empty day is built once, so that no partition stays missing).
-- A day outside [edge_first, edge_last] belongs to the nearest edge.
with changed as (
    select
        greatest(least(day, %(edge_last)s::date), %(edge_first)s::date) as partition_day,
        load_id
    from raw.load_days
    where kind = %(kind)s and load_id <= %(high)s
),

built as (
    select partition_key::date as partition_day, through_load_id
    from pipeline.watermarks
    where asset_name = %(asset_name)s and partition_key <> ''
)

select changed.partition_day
from changed
left join built using (partition_day)
where changed.load_id > coalesce(built.through_load_id, 0)
union
select series.day::date
from generate_series(%(edge_first)s::date, %(edge_last)s::date, interval '1 day') as series (day)
where not exists (select from built where built.partition_day = series.day::date)
order by 1
