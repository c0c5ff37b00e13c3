"""venue clocks (issue 16): an offline scan whose corrected device time fell outside its day is
flagged for the office (`checkin_scan.clock_suspect`).

Revision ID: 0009_i16_venue
Revises: 0008
Create Date: 2026-12-02 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = '0009_i16_venue'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_scan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_suspect', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('checkin_scan', schema=None) as batch_op:
        batch_op.drop_column('clock_suspect')
