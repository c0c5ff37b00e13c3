"""Public pages: the cooperative directory and a profile per cooperative (no personal data).

Members and visitors, mostly on phones, look up a cooperative by name or NIK and read its
standing: status with the office's public reasons, RAT grade and history, health assessments
(the four aspect scores as a chart with the numbers beside it) and achievements. Management
names, phone numbers, e-mail, street address and the office's notes are never shown here.
"""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock, pagecache
from ..auth.decorators import public
from ..extensions import db
from . import services
from .blueprint import bp
from .models import Cooperative

PER_PAGE = 20


@bp.route("/koperasi")
@public
def directory():
    """The public directory: search by name or NIK, filters in the URL, 20 per page."""
    filters = services.parse_filters(request.args)
    page = services.directory_page(filters, per_page=PER_PAGE)
    return render_template("cooperatives/directory.html", page=page, filters=filters)


@bp.route("/koperasi/<nik>")
@public
def profile(nik: str):
    """One cooperative's public profile (drawn once per change of the registry, then kept)."""
    today = clock.today()
    return pagecache.public_page(
        ("profil", nik, pagecache.data_version(), today), lambda: _profile(nik, today)
    )


def _profile(nik: str, today) -> str:
    coop = db.session.scalar(
        select(Cooperative)
        .where(Cooperative.nik == nik)
        .options(
            selectinload(Cooperative.rat_records),
            selectinload(Cooperative.assessments),
            selectinload(Cooperative.reasons),
            selectinload(Cooperative.achievements),
        )
    )
    if coop is None:
        abort(404)
    return render_template(
        "cooperatives/profile.html",
        coop=coop,
        standing=services.standing_for(coop, today=today),
        latest=services.latest_assessment(coop),
        open_reasons=coop.open_reasons,
        today=today,
    )
