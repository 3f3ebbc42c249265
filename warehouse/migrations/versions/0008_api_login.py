"""The API logs in as its own role, `analytics_api`, which holds only its grants.

Until 0007 the API connected as the warehouse's user and switched to `analytics_api` for the
session (`-c role=...`), which `SET ROLE NONE` undid. Now the role can log in and the API's pool
connects as it: no statement on such a connection can read `raw` or write anything, because the
session user itself has nothing more. It gets a statement timeout (a request blocked on a lock
fails after it instead of hanging) and read-only transactions by default; temporary tables and
objects in `public` are not its to create. Its password, where the server asks for one, is set
by `analytics db upgrade` from ANALYTICS_API_PASSWORD (warehouse/api_login.py).

Roles belong to the server, not to a database: the role's settings hold in every database of
the server; the grants are per database.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = """
do $$
begin
    if not exists (select from pg_roles where rolname = 'analytics_api') then
        create role analytics_api;
    end if;
end
$$;
alter role analytics_api with login nosuperuser nocreatedb nocreaterole noinherit
    noreplication nobypassrls;
alter role analytics_api set statement_timeout = '5s';
alter role analytics_api set lock_timeout = '4s';
alter role analytics_api set idle_in_transaction_session_timeout = '10s';
alter role analytics_api set default_transaction_read_only = on;

-- What PUBLIC may do by default beyond reading the catalog: not for the API. (Temporary
-- tables are a right on the database, which a copy of it does not inherit: revoked by
-- `analytics db upgrade` each time, warehouse/api_login.py.)
revoke create on schema public from public;
"""

DOWNGRADE = """
alter role analytics_api with nologin;
alter role analytics_api reset all;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
