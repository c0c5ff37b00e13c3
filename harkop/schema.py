"""The schema revisions this code knows, and the one it expects (Alembic's head).

Read by `/readyz` (a server is ready only on a database at head) and by backup and restore (an
archive records its database's revision; a restore refuses one the code does not know, which is
newer than the code, and upgrades an older one). The migrations live in `migrations/versions`;
`flask --app wsgi db upgrade` applies them.
"""

from __future__ import annotations

from functools import lru_cache

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from .config import ROOT

MIGRATIONS = ROOT / "migrations"


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    """The revision the code's models describe (one head: the migrations form a line)."""
    heads = _scripts().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {heads}")
    return heads[0]


def known_revisions() -> list[str]:
    """Every revision of the migrations, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def is_known(revision: str | None) -> bool:
    """True when `revision` is one of this code's migrations (so the code can upgrade from it)."""
    return revision is not None and revision in known_revisions()
