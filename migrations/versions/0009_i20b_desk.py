"""the event desk (issue 20): the rundown's programme items beside the competitions' slots, and
the display keys of the venue's big screens.

Revision ID: 0009_i20b_desk
Revises: 0009_i20a_print
Create Date: 2026-12-02 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_i20b_desk'
down_revision = '0009_i20a_print'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('kind', sa.Enum('pembukaan', 'lomba', 'panggung', 'pengumuman', 'istirahat', 'penutupan', name='programmekind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_programme_item_programme_time_in_order')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_programme_item_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_item'))
    )
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_item_event_id'), ['event_id'], unique=False)

    op.create_table('display_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_display_key_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_display_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_display_key_key_hash'))
    )


def downgrade():
    op.drop_table('display_key')
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_item_event_id'))
    op.drop_table('programme_item')
