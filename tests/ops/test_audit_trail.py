"""The audit trail on screen (issue 19): the office answers "who changed this and why?" from a page."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from sqlalchemy import select

from harkop import clock
from harkop.audit import AuditLog, record_audit
from harkop.extensions import db
from harkop.judging import services as judging
from harkop.judging.models import Scorecard
from tests.judging.factories import DURING, full_scores, judging_setup

WITA = clock.WITA


def _log(
    action,
    *,
    by="kantor",
    entity_type="cooperative",
    entity_id=1,
    at=None,
    before=None,
    after=None,
    detail=None,
):
    return record_audit(
        action,
        entity_type=entity_type,
        entity_id=entity_id,
        by=by,
        before=before,
        after=after,
        detail=detail,
        now=at or datetime(2024, 7, 26, 10, 0, tzinfo=WITA),
    )


def _rows(html: str) -> int:
    return html.count("<tr><td>")


def test_audit_page_filters_by_who_what_which_object_and_days(client, login_as):
    """Each filter narrows the list: actor (start of the name), action (prefix), object, days in WITA."""
    login_as("admin")
    _log("cooperative.updated", by="rina", entity_id=7, at=datetime(2024, 7, 25, 23, 30, tzinfo=WITA))
    _log("cooperative.updated", by="rina", entity_id=8, at=datetime(2024, 7, 26, 0, 30, tzinfo=WITA))
    _log("entry.rejected", by="budi", entity_type="entry", entity_id=3, detail="Berkas tidak lengkap")
    db.session.commit()

    def page(query: str) -> str:
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert _rows(page("actor=RIN")) == 2
    assert _rows(page("action=entry.")) == 1 and "Berkas tidak lengkap" in page("action=entry.")
    assert _rows(page("entity_type=cooperative&entity_id=8")) == 1
    assert (
        _rows(page("date_from=2024-07-26&date_to=2024-07-26&actor=rina")) == 1
    )  # 23.30 WITA on the 25th stays out
    assert _rows(page("date_to=2024-07-25&actor=rina")) == 1
    assert "Tidak ada catatan yang cocok" in page("actor=nobody")


def test_a_date_that_is_not_one_is_a_422_next_to_its_field(client, login_as):
    """?date_from=kemarin answers 422 with the message by the field, not a 500 nor a silent ignore."""
    login_as("admin")
    response = client.get("/admin/audit?date_from=kemarin")
    assert response.status_code == 422
    assert 'id="date_from-error"' in response.get_data(as_text=True)
    assert client.get("/admin/audit?date_from=2024-07-27&date_to=2024-07-26").status_code == 422
    assert client.get("/admin/audit.csv?date_from=kemarin").status_code == 400


def test_csv_export_has_the_filtered_entries_with_before_and_after(client, login_as):
    """The CSV holds exactly the filtered entries, times in WITA, the values as JSON."""
    login_as("admin")
    _log("cooperative.updated", by="rina", entity_id=7, before={"name": "Lama"}, after={"name": "Baru"})
    _log("entry.rejected", by="budi", entity_type="entry", entity_id=3)
    db.session.commit()
    response = client.get("/admin/audit.csv?actor=rina")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["waktu_wita", "oleh", "tindakan"]
    assert len(rows) == 2
    when, who, action, kind, ident, _detail, before, after = rows[1]
    assert who == "rina" and action == "cooperative.updated" and (kind, ident) == ("cooperative", "7")
    assert when == "2024-07-26T10:00:00+08:00"
    assert json.loads(before) == {"name": "Lama"} and json.loads(after) == {"name": "Baru"}


def test_audit_page_shows_changes_before_and_after_and_links_the_object(client, login_as, make_cooperative):
    """A change reads field: before → after, and the object links to its own history page."""
    login_as("admin")
    coop = make_cooperative()
    _log(
        "cooperative.updated",
        entity_id=coop.id,
        before={"name": "Lama", "alamat": "Jl. A"},
        after={"name": "Baru", "alamat": "Jl. A"},
    )
    db.session.commit()
    html = client.get(f"/admin/audit?entity_type=cooperative&entity_id={coop.id}").get_data(as_text=True)
    assert "<del>Lama</del>" in html and "<ins>Baru</ins>" in html
    assert "Jl. A" not in html  # unchanged values are not news
    assert f'href="/admin/koperasi/{coop.nik}/riwayat"' in html


def _scored_card(admin):
    """A card saved twice, submitted, unlocked by the office with a reason, and changed again."""
    setup = judging_setup(entries=1, judges=2, k=1)
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    first, second = setup.comp.criteria[0], setup.comp.criteria[1]
    judging.save_scorecard(entry.id, judge=judge, scores=full_scores(setup.comp, 6), revision=1, now=DURING)
    judging.save_scorecard(
        entry.id,
        judge=judge,
        scores=full_scores(setup.comp, 7),
        revision=2,
        submit=True,
        device_id="tab-juri-01",
        now=DURING,
    )
    card = db.session.scalar(select(Scorecard).where(Scorecard.entry_id == entry.id))
    judging.unlock_scorecard(card, "Salah ketik pada kriteria pertama", by=admin, now=DURING)
    changed = full_scores(setup.comp, 7)
    changed[str(first.id)] = 9
    judging.save_scorecard(entry.id, judge=judge, scores=changed, revision=3, submit=True, now=DURING)
    db.session.commit()
    return setup, card, judge, first, second


def test_scorecard_history_answers_who_changed_the_score_and_why(client, login_as):
    """Every revision is listed with its judge and device; the unlock with the office's name and reason;
    the value that changed after the unlock stands out."""
    admin = login_as("admin")
    setup, card, judge, first, _second = _scored_card(admin)
    html = client.get(f"/admin/penilaian/kartu/{card.id}/riwayat").get_data(as_text=True)
    assert "Salah ketik pada kriteria pertama" in html and admin.username in html
    assert judge.username in html and "tab-juri" in html
    for label in ("Draf disimpan", "Dikirim", "Kunci dibuka"):
        assert label in html
    assert "<strong>9</strong>" in html
    assert html.index("Draf disimpan") < html.index("Kunci dibuka") < html.rindex("Dikirim")
    assert first.name in html


def test_monitor_links_each_card_to_its_history_for_the_office_only(client, login_as, make_user):
    """The office's monitor page links each judge's card to its history; a head judge's does not."""
    admin = login_as("admin")
    setup, card, *_ = _scored_card(admin)
    link = f"/admin/penilaian/kartu/{card.id}/riwayat"
    assert link in client.get(f"/penilaian/{setup.comp.id}/pantau").get_data(as_text=True)
    login_as(setup.head)
    assert link not in client.get(f"/penilaian/{setup.comp.id}/pantau").get_data(as_text=True)


def test_entry_history_shows_its_decisions_with_reasons(client, login_as):
    """An entry's history page shows the stored eligibility decision and the rejection with its reason."""
    from harkop.registrations.services import reject_entry
    from tests.competitions.factories import make_competition, make_entry
    from tests.judging.factories import make_coop

    admin = login_as("admin")
    comp = make_competition()
    entry = make_entry(comp, make_coop().id, team="Tim Riwayat")
    reject_entry(entry, "Peserta bukan anggota koperasi", by=admin)
    db.session.commit()
    html = client.get(f"/admin/pendaftaran/{entry.id}/riwayat").get_data(as_text=True)
    assert "Tim Riwayat" in html and "entry.rejected" in html
    assert "Peserta bukan anggota koperasi" in html and admin.username in html
    listing = client.get(f"/admin/lomba/{comp.id}/pendaftar").get_data(as_text=True)
    assert f"/admin/pendaftaran/{entry.id}/riwayat" in listing
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.rejected")).entity_id == str(
        entry.id
    )


def test_values_named_on_one_side_only_are_context_not_changes():
    """An unlock names its scorecard's entry before but not after: that is context, not a change to "–"."""
    from harkop.audit import changes_of

    entry = AuditLog(before={"state": "submitted", "entry_id": 5}, after={"state": "draft"})
    rows = {c.key: c for c in changes_of(entry)}
    assert rows["state"].changed and (rows["state"].before, rows["state"].after) == ("submitted", "draft")
    assert not rows["entry_id"].changed and rows["entry_id"].before == 5
    created = AuditLog(before=None, after={"name": "Baru"})
    assert [(c.key, c.after, c.changed) for c in changes_of(created)] == [("name", "Baru", False)]
