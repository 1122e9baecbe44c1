"""LLM triage cache and daily spend

Revision ID: 0005_triage
Revises: 0004_ops
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_triage'
down_revision = '0004_ops'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('triage_verdicts',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('needs_response', sa.Boolean(), nullable=False),
    sa.Column('intent', sa.String(length=20), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('triage_spend',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('triage_spend')
    op.drop_table('triage_verdicts')
