"""personal data erasure: when and why a participant's contact and consent data were erased
(UU PDP 27/2022: after the retention period, or at the person's request).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erasure', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('erasure')
        batch_op.drop_column('erased_at')
