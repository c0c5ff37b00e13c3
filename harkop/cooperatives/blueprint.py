"""The `cooperatives` blueprint, shared by the office's registry pages (views.py) and the public
directory and profiles (public_views.py): each module attaches its routes to it, neither imports
the other, and the app registers it once both are loaded."""

from __future__ import annotations

from flask import Blueprint

from .labels import Labels

bp = Blueprint("cooperatives", __name__)


@bp.record_once
def _registry_labels(state) -> None:
    # A Jinja global (not a context processor) so imported macro files see it too.
    state.app.jinja_env.globals["reg"] = Labels
