"""search and messages: tasks.title_fold, outbox.delivery_key

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

``tasks.title_fold`` is the title folded by domain.text.ascii_fold (lower case, no
diacritics, đ -> d): the dashboard's search compares the folded query with it in the
database, so "du lieu", "DỮ LIỆU" and "dư lieu" all find "dữ liệu" with a LIKE, however
many tasks there are. Existing rows are filled here, in batches.

``outbox.delivery_key`` ties a stored text to its delivery (deliveries.key), so the
message list shows each message once, with its channel, status and text.
"""
from alembic import op
import sqlalchemy as sa

from domain.text import ascii_fold


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_fold', sa.Text(), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_key', sa.String(length=400), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_delivery_key'), ['delivery_key'], unique=False)
    _fill_title_fold()


def _fill_title_fold() -> None:
    tasks = sa.table('tasks', sa.column('id', sa.String), sa.column('title', sa.Text),
                     sa.column('title_fold', sa.Text))
    conn = op.get_bind()
    last = ''
    while True:
        rows = conn.execute(sa.select(tasks.c.id, tasks.c.title).where(tasks.c.id > last)
                            .order_by(tasks.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(tasks.update().where(tasks.c.id == sa.bindparam('key')).values(title_fold=sa.bindparam('fold')),
                     [{'key': r.id, 'fold': ascii_fold(r.title or '')} for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_delivery_key'))
        batch_op.drop_column('delivery_key')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('title_fold')
