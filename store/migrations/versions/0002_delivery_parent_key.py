"""deliveries.parent_key: a channel's attempt row names the message it belongs to

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Before, whether a row was a message (subject|cycle|step|recipient) or one channel's
attempts at it (the same key + "|zalo", "|email", ...) was read from the number of
"|" in its key. The column says it: NULL for a message, the message's key for an
attempt. Existing rows are filled from their keys, the one time that is read.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_MESSAGE_SEPARATORS = 3  # subject|cycle|step|recipient


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_key', sa.String(length=400), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliveries_parent_key'), ['parent_key'], unique=False)
    bind = op.get_bind()
    deliveries = sa.table('deliveries', sa.column('id', sa.Integer), sa.column('key', sa.String),
                          sa.column('parent_key', sa.String))
    rows = bind.execute(sa.select(deliveries.c.id, deliveries.c.key)).all()
    for row_id, key in rows:
        if key.count("|") > _MESSAGE_SEPARATORS:
            bind.execute(deliveries.update().where(deliveries.c.id == row_id)
                         .values(parent_key=key.rsplit("|", 1)[0]))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_parent_key'))
        batch_op.drop_column('parent_key')
