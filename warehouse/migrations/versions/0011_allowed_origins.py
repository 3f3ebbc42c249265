"""The collector's origin check (SPEC 6): a chatbot record may list `allowed_origins`, kept
normalized in raw.chatbots and carried to marts.chatbots (latest record wins) and
staging.chatbots. Null: any origin.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COMMENT = (
    "The origins (scheme, host and port if not the default, in lower case) the collector "
    "accepts events from for this chatbot; null: any origin."
)


def upgrade() -> None:
    op.execute(
        f"""
        alter table raw.chatbots add column allowed_origins text[];
        alter table marts.chatbots add column allowed_origins text[];
        comment on column marts.chatbots.allowed_origins is '{COMMENT}';
        create or replace view staging.chatbots as
        select distinct on (chatbot_id)
            chatbot_id, account_id, name, ab_test_enabled, load_id, allowed_origins
        from raw.chatbots
        order by chatbot_id, load_id desc, line_number desc;
        comment on column staging.chatbots.allowed_origins is '{COMMENT}';
        """
    )


def downgrade() -> None:
    # A view loses a column only by being made again (its comments with it).
    op.execute(
        """
        drop view staging.chatbots;
        create view staging.chatbots as
        select distinct on (chatbot_id)
            chatbot_id, account_id, name, ab_test_enabled, load_id
        from raw.chatbots
        order by chatbot_id, load_id desc, line_number desc;
        comment on view staging.chatbots is 'One row per chatbot: its latest loaded record.';
        alter table marts.chatbots drop column allowed_origins;
        alter table raw.chatbots drop column allowed_origins;
        """
    )
