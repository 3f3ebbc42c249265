-- The careful path for one staged chunk whose COPY met records already stored: insert the
-- chunk's records whose identity is not stored yet, skip the others. Returns the identities
-- of the rows it added.
insert into {raw_table} ({columns})
select {columns}
from pg_temp.stage
on conflict do nothing
returning {identity}
