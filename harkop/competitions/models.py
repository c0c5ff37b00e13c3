"""Events (a Hari Koperasi celebration). The competitions issue adds competitions and rubrics."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Event(db.Model):
    """A celebration with its dates and venue, e.g. Hari Koperasi 2024 at Pentacity Mall."""

    __tablename__ = "event"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")

    def days(self) -> list[date]:
        """Every day of the event, in order."""
        from datetime import timedelta

        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=i) for i in range(count)]
