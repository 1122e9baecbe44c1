"""CRM links, the CRM read cache, and keys on customer events

Revision ID: 0003_crm
Revises: 0002_insights
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_crm'
down_revision = '0002_insights'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crm_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network', sa.String(length=32), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('linked_by', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network', 'handle')
    )
    op.create_table('crm_cache',
    sa.Column('subject', sa.String(length=240), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=True),
    sa.Column('matched_by', sa.String(length=16), nullable=True),
    sa.Column('profile', sa.JSON(), nullable=True),
    sa.Column('suggestions', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tried_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject')
    )
    with op.batch_alter_table('customer_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_customer_events_key', ['key'])


def downgrade() -> None:
    with op.batch_alter_table('customer_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_customer_events_key', type_='unique')
        batch_op.drop_column('key')
    op.drop_table('crm_cache')
    op.drop_table('crm_links')
