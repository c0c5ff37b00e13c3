"""judges offline-first and the paper fallback (issue 16): saves a tablet queued and the server
refused for good, reported for the judging monitor (`score_refusal`); scorecard events typed in
from a paper score sheet (`scorecard_event.from_paper`).

Revision ID: 0009_i16_venue_judging
Revises: 0009_i16_venue
Create Date: 2026-12-02 10:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = '0009_i16_venue_judging'
down_revision = '0009_i16_venue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('score_refusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submit', sa.Boolean(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_score_refusal_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_score_refusal_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_score_refusal_judge_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_refusal'))
    )
    with op.batch_alter_table('score_refusal', schema=None) as batch_op:
        batch_op.create_index('ix_score_refusal_competition', ['competition_id', 'reported_at'], unique=False)
    with op.batch_alter_table('scorecard_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_paper', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('scorecard_event', schema=None) as batch_op:
        batch_op.drop_column('from_paper')
    with op.batch_alter_table('score_refusal', schema=None) as batch_op:
        batch_op.drop_index('ix_score_refusal_competition')
    op.drop_table('score_refusal')
