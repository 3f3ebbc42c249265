"""A purchase event counts for at most one order: a unique index on marts.orders (chatbot_id,
event_id) says so, instead of a check that grouped every order after each refresh (a cost that
grew with history: docs/performance.md). The partial index of all purchases by order key goes:
nothing reads it any more, and the planner combined it with the load-id BRIN index to read a
batch's purchases, a scan of every purchase ever loaded.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        drop index if exists raw.events_purchase_order_key_idx;
        create unique index orders_event_key on marts.orders (chatbot_id, event_id);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop index marts.orders_event_key;
        create index events_purchase_order_key_idx
            on raw.events (chatbot_id, (coalesce(order_num, event_id))) where event = 'purchase';
        """
    )
