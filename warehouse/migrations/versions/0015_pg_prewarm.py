"""The pg_prewarm extension (PostgreSQL's contrib), where the server has it and the migrating
role may create it: a group's transaction that filled marts from nothing reads them once more
with it at its end (warehouse/transforms.py, `incremental`), so that the OS keeps them cached
for the refreshes that follow. Without it that read is skipped; nothing else changes.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        do $$
        begin
            create extension if not exists pg_prewarm;
        exception when undefined_file or insufficient_privilege or feature_not_supported then
            raise notice using message = 'pg_prewarm is not available (' || sqlerrm
                || '): marts are not read again after a first refresh';
        end
        $$;
        """
    )


def downgrade() -> None:
    op.execute("drop extension if exists pg_prewarm")
