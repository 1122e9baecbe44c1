"""cursors carry the order of their item within the fencing token

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
    with op.batch_alter_table('cursors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('cursors', schema=None) as batch_op:
        batch_op.drop_column('seq')
