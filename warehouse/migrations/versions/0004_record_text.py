"""Raw tables keep the input line in a `text` column instead of `json`.

The loader stores a line only after parsing it as JSON (`warehouse.validation`), so PostgreSQL's
second parse of every line on input (the `json` type's check) bought nothing and cost about a
third of the server's time per loaded event. An analyst who wants the line as JSON casts it:
`record::jsonb`.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RAW_TABLES = ("events", "messages", "conversations", "analyses", "chatbots")
COMMENT = "The input line as given (valid JSON: the loader parsed it), unknown fields included."


def upgrade() -> None:
    for table in RAW_TABLES:
        op.execute(f"alter table raw.{table} alter column record type text")
        op.execute(f"comment on column raw.{table}.record is '{COMMENT}'")


def downgrade() -> None:
    for table in RAW_TABLES:
        op.execute(f"alter table raw.{table} alter column record type json using record::json")
