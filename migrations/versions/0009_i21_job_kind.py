"""background jobs of more than one kind (issue 21): the import-job table also runs the office's
inactive-cooperatives report, so `import_job.kind` says which work a row is.

Revision ID: 0009_i21_job_kind
Revises: 0009_i20b_desk
Create Date: 2026-12-02 10:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_i21_job_kind"
down_revision = "0009_i20b_desk"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="import", nullable=False))


def downgrade():
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("kind")
