"""chat inbox and push-source arrivals

Revision ID: 0004_ops
Revises: 0003_crm
Create Date: 2026-12-05 19:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_ops'
down_revision = '0003_crm'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_customers_email_lower', 'customers', [sa.text('lower(email)')], unique=False)
    op.create_table('chat_inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('lane', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'key')
    )
    with op.batch_alter_table('chat_inbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_inbox_status'), ['status'], unique=False)
    op.create_table('arrivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('arrivals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrivals_source'), ['source'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customers_email_lower', table_name='customers')
    with op.batch_alter_table('arrivals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrivals_source'))
    op.drop_table('arrivals')
    with op.batch_alter_table('chat_inbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_inbox_status'))
    op.drop_table('chat_inbox')
