"""people: persons, their units, Zalo links, sign-up codes and wrong-code throttling

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

A unit reaches Zalo through the people in it: each person signs up once by sending a
one-time code to the bot, which is how dondoc learns a chat id it may write to (the
Bot API writes only to chats that wrote first). Codes are kept as SHA-256 hashes.
"""
from alembic import op
import sqlalchemy as sa
import store.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('person_units',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'unit_key')
    )
    with op.batch_alter_table('person_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_units_unit_key'), ['unit_key'], unique=False)

    op.create_table('zalo_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('linked_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('broken', sa.Boolean(), nullable=False),
    sa.Column('broken_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id'),
    sa.UniqueConstraint('person_id')
    )
    op.create_table('signup_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('used_by_chat', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signup_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_codes_code_hash'), ['code_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_signup_codes_person_id'), ['person_id'], unique=False)

    op.create_table('zalo_attempts',
    sa.Column('chat_id', sa.String(length=100), nullable=False),
    sa.Column('window_start', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id')
    )


def downgrade() -> None:
    op.drop_table('zalo_attempts')
    with op.batch_alter_table('signup_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_codes_person_id'))
        batch_op.drop_index(batch_op.f('ix_signup_codes_code_hash'))
    op.drop_table('signup_codes')
    op.drop_table('zalo_links')
    with op.batch_alter_table('person_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_units_unit_key'))
    op.drop_table('person_units')
    op.drop_table('people')
