"""indicators followed: indicators.workflow_id, the indicator_values table

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Each imported indicator is followed by a workflow (``indicators.workflow_id``, what its
links name) and collects the values its unit reports (``indicator_values``: the value
as written, the day it describes, its source and note, who reported it and when, the
judgement at that moment, the cycle it answered; ``key`` makes a report count once).
Indicators imported before this keep their result column; their first value is written
on the next import.
"""
from alembic import op
import sqlalchemy as sa
import store.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workflow_id', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_indicators_workflow_id', ['workflow_id'])
    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('cycle', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_indicator_id'), ['indicator_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_indicator_id'))
    op.drop_table('indicator_values')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_constraint('uq_indicators_workflow_id', type_='unique')
        batch_op.drop_column('workflow_id')
