"""The rundown (susunan acara): programme items beside the competitions' slots, what is on now and
next by the event clock, the office's pages, the demo and the ticket page."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from harkop import clock
from harkop.audit import AuditLog
from harkop.competitions import rundown
from harkop.competitions.models import Competition
from harkop.competitions.rundown import ProgrammeItem, ProgrammeKind, RundownEntry
from harkop.demo import seed_demo
from harkop.errors import DomainError
from harkop.extensions import db
from tests.competitions.factories import make_competition, make_entry, make_event

DAY = date(2024, 7, 26)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A moment of the event in WITA."""
    return datetime.combine(day, time(hour, minute), tzinfo=clock.WITA)


def line(start, end, title, day=DAY) -> RundownEntry:
    """A programme line for the pure tests."""
    return RundownEntry(day, time(*start), time(*end), ProgrammeKind.panggung, title, "Panggung", item_id=1)


def item(event, **values):
    """A programme item saved through the service."""
    base = {
        "day": DAY,
        "starts_at": time(8, 30),
        "ends_at": time(9, 30),
        "kind": "pembukaan",
        "title": "Pembukaan",
        "place": "Panggung",
    }
    return rundown.save_item(None, event, {**base, **values}, by="test")


def test_now_and_next_is_inclusive_at_the_start_and_exclusive_at_the_end():
    """At 09.30 the opening (08.30–09.30) is over and the speech (09.30–10.00) is on; next is 10.00."""
    lines = [
        line((8, 30), (9, 30), "Pembukaan"),
        line((9, 30), (10, 0), "Sambutan"),
        line((10, 0), (12, 0), "A"),
    ]
    lines.append(line((10, 0), (11, 0), "B"))
    ongoing, upcoming = rundown.now_and_next(lines, at(9, 30))
    assert [e.title for e in ongoing] == ["Sambutan"]
    assert sorted(e.title for e in upcoming) == ["A", "B"]
    ongoing, upcoming = rundown.now_and_next(lines, at(9, 0))
    assert [e.title for e in ongoing] == ["Pembukaan"] and [e.title for e in upcoming] == ["Sambutan"]


def test_after_the_last_line_nothing_is_on_or_next():
    """Once the day's programme is over, neither list has anything."""
    assert rundown.now_and_next([line((8, 30), (9, 30), "Pembukaan")], at(18)) == ([], [])


def test_rundown_merges_items_and_competition_slots_in_time_order():
    """A day's rundown holds the office's items and every non-draft competition's slot, by time."""
    event = make_event()
    make_competition(event, name="Lomba Masak", starts_at=time(10, 0), ends_at=time(12, 0))
    make_competition(event, name="Lomba Draf", state="draft")
    item(event)
    item(event, title="Istirahat siang", kind="istirahat", starts_at=time(12, 0), ends_at=time(13, 0))
    days = dict(rundown.rundown_for(event))
    assert [e.title for e in days[DAY]] == ["Pembukaan", "Lomba Masak", "Istirahat siang"]
    assert days[DAY][1].kind is ProgrammeKind.lomba
    assert days[date(2024, 7, 27)] == []


def test_save_item_refuses_a_day_outside_the_event_times_out_of_order_and_the_competition_kind():
    """Each refusal is coded and names its field; nothing is written."""
    event = make_event()
    cases = [
        ({"day": date(2024, 7, 29)}, "day_outside_event", "day"),
        ({"starts_at": time(10, 0), "ends_at": time(9, 0)}, "times_out_of_order", "ends_at"),
        ({"kind": "lomba"}, "kind_is_competition", "kind"),
        ({"title": "  "}, "title_required", "title"),
    ]
    for values, code, field in cases:
        with pytest.raises(DomainError) as refused:
            item(event, **values)
        assert refused.value.code == code and refused.value.details == {"field": field}
    assert db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)).all() == []


def test_office_adds_edits_and_removes_an_item(client, login_as):
    """The office's page adds an item (audited), the edit page changes it, the button removes it."""
    event = make_event()
    login_as("admin")
    url = f"/admin/acara/{event.id}/susunan-acara"
    form = {
        "day": "2024-07-27",
        "starts_at": "13:00",
        "ends_at": "14:00",
        "kind": "panggung",
        "title": "Pentas seni",
        "place": "Panggung Utama",
    }
    assert client.post(url, data=form).status_code == 302
    saved = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id))
    assert (saved.day, saved.starts_at, saved.title) == (date(2024, 7, 27), time(13, 0), "Pentas seni")
    assert "Pentas seni" in client.get(url).get_data(as_text=True)

    refused = client.post(url, data={**form, "ends_at": "12:00"})
    assert refused.status_code == 422
    assert "Jam selesai harus sesudah jam mulai." in refused.get_data(as_text=True)

    assert client.get(f"/admin/susunan-acara/{saved.id}").status_code == 200
    edited = client.post(f"/admin/susunan-acara/{saved.id}", data={**form, "title": "Pentas seni pelajar"})
    assert edited.status_code == 302
    db.session.refresh(saved)
    assert saved.title == "Pentas seni pelajar"

    assert client.post(f"/admin/susunan-acara/{saved.id}/hapus").status_code == 302
    assert db.session.get(ProgrammeItem, saved.id) is None
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.entity_type == "programme_item", AuditLog.entity_id == str(saved.id)
        )
    ).all()
    assert sorted(actions) == ["programme.created", "programme.deleted", "programme.updated"]


def _marked(html: str, mark: str) -> list[str]:
    """The rundown keys of the lines carrying a CSS mark (is-now, is-next, is-mine)."""
    return re.findall(rf'class="rundown-line[^"]*\b{mark}\b[^"]*" id="([^"]+)"', html)


def test_demo_programme_at_nine_shows_the_opening_on_and_the_speech_next(client, fake_now):
    """At the demo's 26 July 09.00 /jadwal marks the opening (and the all-day product display) as on
    and the mayor's speech as next; the cooking winners' announcement (08.45) is over."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    html = client.get("/jadwal").get_data(as_text=True)
    opening = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title.like("Upacara pembukaan%")))
    speech = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title.like("Sambutan%")))
    display = db.session.scalar(select(Competition.id).where(Competition.slug == "display-produk-koperasi"))
    assert sorted(_marked(html, "is-now")) == sorted([f"item-{opening.id}", f"lomba-{display}-2024-07-26"])
    assert _marked(html, "is-next") == [f"item-{speech.id}"]
    assert "Sedang berlangsung" in html and "Berikutnya" in html
    assert "Lomba Masak Sambal Ayam Geprek" in html and "Penutupan Hari Koperasi 2024" in html


def test_demo_programme_at_a_quarter_past_eight_shows_the_competitions_on(client, fake_now):
    """At 08.15 the cooking competition (07.00–08.30) and the product display (from 08.00) are on."""
    fake_now("2024-07-26T08:15:00+08:00")
    seed_demo()
    html = client.get("/jadwal").get_data(as_text=True)
    on = _marked(html, "is-now")
    assert len(on) == 2 and all(key.startswith("lomba-") and key.endswith("-2024-07-26") for key in on)


def test_ticket_page_marks_its_competition_slot_in_the_rundown(client, make_cooperative):
    """A ticket page shows the day's rundown with its own competition's slot marked."""
    event = make_event()
    comp = make_competition(event, name="Lomba Masak", starts_at=time(10, 0), ends_at=time(12, 0))
    item(event)
    entry = make_entry(comp, make_cooperative().id)
    token = entry.participants[0].tickets[0].page_token
    html = client.get(f"/tiket/{token}").get_data(as_text=True)
    assert _marked(html, "is-mine") == [f"lomba-{comp.id}-2024-07-26"]
    assert "Pembukaan" in html and "Susunan acara" in html
