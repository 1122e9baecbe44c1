"""SLA resolution due time, spikes, crisis modes and time indexes for reports

Revision ID: 0002_insights
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_insights'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolve_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_opened', ['opened_at'], unique=False)
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index('ix_mentions_created', ['created_at'], unique=False)
    op.create_table('spikes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=260), nullable=False),
    sa.Column('team', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('updates', sa.Integer(), nullable=False),
    sa.Column('message_ref', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series', 'started_at')
    )
    with op.batch_alter_table('spikes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spikes_series'), ['series'], unique=False)
    op.create_table('crisis_modes',
    sa.Column('route', sa.String(length=60), nullable=False),
    sa.Column('on', sa.Boolean(), nullable=False),
    sa.Column('by', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('route')
    )


def downgrade() -> None:
    op.drop_table('crisis_modes')
    with op.batch_alter_table('spikes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spikes_series'))
    op.drop_table('spikes')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentions_created')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_opened')
        batch_op.drop_column('resolve_due_at')
