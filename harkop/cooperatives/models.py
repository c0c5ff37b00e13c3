"""Registry models. The registry issue grows the minimal `Cooperative` defined here."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Cooperative(db.Model):
    """A cooperative, identified by its 16-digit NIK Koperasi (kept as a string)."""

    __tablename__ = "cooperative"
    __table_args__ = (CheckConstraint("length(nik) = 16", name="nik_16_digits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
