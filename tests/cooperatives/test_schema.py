"""The registry's schema: reference data and search structures (models against migrations: tests/core/test_migrations.py)."""

from __future__ import annotations

from sqlalchemy import select, text

from harkop.cooperatives.models import Kecamatan, Kelurahan
from harkop.cooperatives.reference import KECAMATAN, KELURAHAN, KELURAHAN_KECAMATAN
from harkop.extensions import db


def test_reference_tables_match_the_module():
    """The migration's copy of the 6 kecamatan and 34 kelurahan equals reference.py."""
    kecamatan = {k.code: k.name for k in db.session.scalars(select(Kecamatan))}
    kelurahan = {k.code: (k.name, k.kecamatan_code) for k in db.session.scalars(select(Kelurahan))}
    assert kecamatan == KECAMATAN
    assert len(kecamatan) == 6 and len(kelurahan) == 34
    assert kelurahan == {code: (name, KELURAHAN_KECAMATAN[code]) for code, name in KELURAHAN.items()}


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
