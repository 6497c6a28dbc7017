"""unit groups: tasks.parent_id, the unit_groups table

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

A task led by a group of units (``[groups]`` in the configuration) fans out into one
child task per member unit; a lower level's plan imported under a task makes its tasks
children of that task. ``tasks.parent_id`` names the parent. ``unit_groups`` holds the
standing office's edits of the configured groups (a row replaces the configured group
of its key, or adds one). Tasks imported before this have no parent.
"""
from alembic import op
import sqlalchemy as sa
import store.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_parent_id'), ['parent_id'], unique=False)
    op.create_table('unit_groups',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('updated_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('unit_groups')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_parent_id'))
        batch_op.drop_column('parent_id')
