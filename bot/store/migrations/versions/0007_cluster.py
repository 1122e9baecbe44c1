"""cursors carry the order of their item within the fencing token; replies
held until their root opens a case

Revision ID: 0007_cluster
Revises: 0006_cluster
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_cluster'
down_revision = '0006_cluster'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('held_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_key', sa.String(length=400), nullable=False),
    sa.Column('mention', sa.Text(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_held_replies_conversation_key'), 'held_replies', ['conversation_key'], unique=False)
    with op.batch_alter_table('cursors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_index(op.f('ix_held_replies_conversation_key'), table_name='held_replies')
    op.drop_table('held_replies')
    with op.batch_alter_table('cursors', schema=None) as batch_op:
        batch_op.drop_column('seq')
