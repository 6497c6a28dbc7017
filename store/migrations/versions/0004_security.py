"""users: session_version, active, failed-login bookkeeping

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14

Sessions carry the user's session_version; raising it (logout, a new password, a new
role, deactivation) ends every session of that user at once. ``active`` = false keeps
the row (and its history) but refuses the login and its sessions. failed_logins and
last_failed_login_at drive the login back-off (web/throttle.py). Existing rows get
version 0, active, no failures.
"""
from alembic import op
import sqlalchemy as sa
import store.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_failed_login_at', store.models.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_failed_login_at')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('active')
        batch_op.drop_column('session_version')
