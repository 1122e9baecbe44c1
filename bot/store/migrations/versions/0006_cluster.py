"""several processes: source leases, heartbeats, dead letters, outbox leases,
fenced cursors, one case per conversation

Revision ID: 0006_cluster
Revises: 0005_triage
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_cluster'
down_revision = '0005_triage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('processes',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('roles', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_holder', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('cursors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_conversation_key'))
        batch_op.create_index(batch_op.f('ix_cases_conversation_key'), ['conversation_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_conversation_key'))
        batch_op.create_index(batch_op.f('ix_cases_conversation_key'), ['conversation_key'], unique=False)
    with op.batch_alter_table('cursors', schema=None) as batch_op:
        batch_op.drop_column('token')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_holder')
    op.drop_table('dead_letters')
    op.drop_table('processes')
    op.drop_table('leases')
