"""The orders whose EUR value is unknown (no rate for their currency), indexed on their own: the
check orders_with_unknown_value counts them after every purchase merge, and counting them by a
scan of all orders was a cost that grew with history, most of it reading the orders from disk
at the large scale (docs/performance.md). Such orders are few; the index stays small.

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
        "create index orders_unknown_value on marts.orders (chatbot_id) where value_eur is null"
    )


def downgrade() -> None:
    op.execute("drop index marts.orders_unknown_value")
