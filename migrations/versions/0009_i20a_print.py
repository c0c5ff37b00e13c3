"""printing (issue 20): verifiable certificates (one row per certificate issued, with its code and the
facts printed) and staff passes for the badges of judges, gate staff and the committee, with their
check-ins at the gate.

Revision ID: 0009_i20a_print
Revises: 0009_i16_venue_judging
Create Date: 2026-12-02 10:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_i20a_print'
down_revision = '0009_i16_venue_judging'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('holder', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('team_name', sa.String(length=120), nullable=False),
    sa.Column('cooperative_name', sa.String(length=200), nullable=False),
    sa.Column('competition_name', sa.String(length=200), nullable=False),
    sa.Column('event_name', sa.String(length=200), nullable=False),
    sa.Column('award', sa.String(length=40), nullable=True),
    sa.Column('snapshot_version', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.String(length=500), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_certificate_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_certificate_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_certificate_participant_id_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['certificate.id'], name=op.f('fk_certificate_replaced_by_id_certificate'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('uq_certificate_one_valid_per_holder', ['entry_id', 'holder'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('staff_pass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_staff_pass_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staff_pass_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_pass')),
    sa.UniqueConstraint('secret', name=op.f('uq_staff_pass_secret'))
    )
    with op.batch_alter_table('staff_pass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_pass_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_staff_pass_one_valid', ['user_id', 'event_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('staff_checkin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_staff_checkin_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pass_id'], ['staff_pass.id'], name=op.f('fk_staff_checkin_pass_id_staff_pass'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_checkin')),
    sa.UniqueConstraint('pass_id', 'day', name=op.f('uq_staff_checkin_pass_id_day'))
    )


def downgrade():
    op.drop_table('staff_checkin')
    with op.batch_alter_table('staff_pass', schema=None) as batch_op:
        batch_op.drop_index('uq_staff_pass_one_valid', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_staff_pass_user_id'))

    op.drop_table('staff_pass')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_one_valid_per_holder', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificate_entry_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_competition_id'))

    op.drop_table('certificate')
