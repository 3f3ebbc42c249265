-- The partition days of %(asset_name)s that loads of %(kind)s reached after it was last built
-- (or never built). A day outside [edge_first, edge_last] belongs to the nearest edge.
with changed as (
    select
        greatest(least(day, %(edge_last)s::date), %(edge_first)s::date) as partition_day,
        load_id
    from raw.load_days
    where kind = %(kind)s and load_id <= %(high)s
)

select distinct changed.partition_day
from changed
left join pipeline.watermarks
    on watermarks.asset_name = %(asset_name)s
    and watermarks.partition_key = to_char(changed.partition_day, 'YYYY-MM-DD')
where changed.load_id > coalesce(watermarks.through_load_id, 0)
order by changed.partition_day
