"""verifiable certificates (issue 20): one row per certificate issued, with its code and the facts printed.

Revision ID: 0009_i20a_print
Revises: 0008
Create Date: 2026-12-02 10:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_i20a_print'
down_revision = '0008'
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


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_one_valid_per_holder', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificate_entry_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_competition_id'))

    op.drop_table('certificate')
