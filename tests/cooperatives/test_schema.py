"""The registry's schema: reference data, search structures, and models agreeing with migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from harkop.cooperatives.models import Kecamatan, Kelurahan
from harkop.cooperatives.reference import KECAMATAN, KELURAHAN, KELURAHAN_KECAMATAN
from harkop.database import include_object
from harkop.extensions import db


def test_reference_tables_match_the_module():
    """The migration's copy of the 6 kecamatan and 34 kelurahan equals reference.py."""
    kecamatan = {k.code: k.name for k in db.session.scalars(select(Kecamatan))}
    kelurahan = {k.code: (k.name, k.kecamatan_code) for k in db.session.scalars(select(Kelurahan))}
    assert kecamatan == KECAMATAN
    assert len(kecamatan) == 6 and len(kelurahan) == 34
    assert kelurahan == {code: (name, KELURAHAN_KECAMATAN[code]) for code, name in KELURAHAN.items()}


def test_models_and_migrations_agree():
    """Autogenerate finds nothing to change: every model column, index and key is migrated."""
    connection = db.session.connection()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    assert compare_metadata(context, db.metadata) == []


def test_name_search_index_follows_inserts_and_renames(make_cooperative):
    """The search structure (FTS5 triggers / trigram index) exists and sees new and renamed names."""
    coop = make_cooperative(name="Koperasi Zamrud Khatulistiwa")
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        found = db.session.execute(
            text("SELECT rowid FROM cooperative_fts WHERE cooperative_fts MATCH :q"), {"q": '"zamrud"'}
        ).scalars()
        assert coop.id in set(found)
        coop.name = "Koperasi Mutiara Timur"
        db.session.flush()
        old = db.session.execute(
            text("SELECT rowid FROM cooperative_fts WHERE cooperative_fts MATCH :q"), {"q": '"zamrud"'}
        ).scalars()
        assert coop.id not in set(old)
    else:
        index = db.session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cooperative_name_trgm'")
        ).scalar()
        assert index is not None and "gin_trgm_ops" in index
