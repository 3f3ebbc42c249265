"""The landing folder (SPEC 6): each load remembers the SHA-256 of its file's bytes, so that a
file delivered to the landing folder again, or found again after a restart, is not loaded twice
(warehouse/landing.py).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table raw.loads add column source_sha256 text;
        create index loads_source_sha256_idx on raw.loads (kind, source_sha256)
            where source_sha256 is not null;
        comment on column raw.loads.source_sha256 is
            'SHA-256 of the file''s bytes, for files taken from the landing folder: a file '
            'with the same bytes is not loaded again.';
        """
    )


def downgrade() -> None:
    op.execute("alter table raw.loads drop column source_sha256;")
