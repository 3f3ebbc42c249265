"""What the API needs: its keys, and a role that can read only `marts` (and its keys).

The API connects with the warehouse URL and switches to the role `analytics_api` for its whole
session, so "answers come only from materialized tables" is enforced by PostgreSQL: a query
that touches `raw` fails with "permission denied".

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = """
create schema if not exists api;

-- Keys belong to an account (the owner of chatbots), so this table leads with account_id.
create table api.keys (
    account_id  text not null,
    key_id      text primary key,
    key_sha256  text not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index keys_account_id_idx on api.keys (account_id);
comment on table api.keys is
    'One row per API key: the account it acts for and the SHA-256 of its secret (never the '
    'secret itself).';
comment on column api.keys.key_id is 'The public part of the key (sk_<key_id>_<secret>).';
comment on column api.keys.key_sha256 is 'SHA-256 of the secret part, hex.';
comment on column api.keys.revoked_at is 'When the key was revoked; null while it is valid.';

-- Roles are shared by every database of the server: create it once.
do $$
begin
    if not exists (select from pg_roles where rolname = 'analytics_api') then
        create role analytics_api nologin;
    end if;
end
$$;
grant usage on schema marts, api to analytics_api;
grant select on all tables in schema marts to analytics_api;
alter default privileges in schema marts grant select on tables to analytics_api;
grant select on api.keys to analytics_api;
"""

DOWNGRADE = """
revoke all on all tables in schema marts from analytics_api;
alter default privileges in schema marts revoke select on tables from analytics_api;
revoke usage on schema marts from analytics_api;
drop schema if exists api cascade;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
