"""The pengurus's pages (register, entries, tickets, withdraw, replace) and the office's entries page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from harkop.audit import AuditLog
from harkop.extensions import db
from harkop.registrations import services
from harkop.registrations.models import Entry, EntryState
from tests.competitions.factories import INSIDE, make_competition, people


@pytest.fixture
def inside(fake_now):
    """The clock inside the registration window."""
    fake_now("2024-07-10T10:00:00+08:00")


def form_rows(n: int, **extra) -> dict[str, str]:
    data = {"team_name": "Tim Geprek"}
    for i in range(n):
        data.update(
            {
                f"participants-{i}-name": f"Orang {i + 1}",
                f"participants-{i}-phone": f"0812 3456 {i:04d}",
                f"participants-{i}-role": "Anggota",
                f"participants-{i}-consent": "y",
            }
        )
    data.update(extra)
    return data


def test_registering_works_without_javascript_and_shows_the_ticket_links(client, login_as, registry, inside):
    """The form has a fixed number of rows; two filled rows register a team; the entry page lists links."""
    rep = login_as("coop_rep")
    comp = make_competition(min_team_size=2, max_team_size=4)
    db.session.commit()
    page = client.get(f"/koperasi-saya/lomba/{comp.id}/daftar").get_data(as_text=True)
    assert len(re.findall(r'name="participants-\d+-name"', page)) == 4
    response = client.post(f"/koperasi-saya/lomba/{comp.id}/daftar", data=form_rows(2))
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.cooperative_id == rep.cooperative_id))
    assert entry.state == EntryState.confirmed and len(entry.participants) == 2
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    for p in entry.participants:
        assert f"/tiket/{p.ticket.page_token}" in detail
    assert "Kirim lewat WhatsApp" in detail
    assert "Unduh PDF" in detail


def test_row_problems_are_shown_next_to_the_row(client, login_as, registry, inside):
    """A bad phone on row 2 is shown on row 2; nothing is registered."""
    login_as("coop_rep")
    comp = make_competition(max_team_size=3)
    db.session.commit()
    data = form_rows(2, **{"participants-1-phone": "123"})
    response = client.post(f"/koperasi-saya/lomba/{comp.id}/daftar", data=data)
    assert response.status_code == 422
    assert 'id="participants-1-phone-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Entry.id)) is None


def test_an_ineligible_cooperative_sees_the_reasons_before_and_after_trying(
    client, login_as, registry, inside
):
    """The page says why at once (no form); a forced post is refused with reasons and recorded."""
    rep = login_as("coop_rep")
    registry.set(rep.cooperative, is_active=False, inactive_reasons=("tidak_rat",))
    comp = make_competition()
    db.session.commit()
    page = client.get(f"/koperasi-saya/lomba/{comp.id}/daftar").get_data(as_text=True)
    assert "tidak aktif" in page and 'name="participants-0-name"' not in page
    response = client.post(f"/koperasi-saya/lomba/{comp.id}/daftar", data=form_rows(1))
    assert response.status_code == 422
    assert "Pendaftaran ditolak" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.refused")) is not None


def test_a_closed_window_is_explained(client, login_as, registry, fake_now):
    """Before the window the page says when registration opens."""
    login_as("coop_rep")
    comp = make_competition()
    fake_now("2024-06-20T10:00:00+08:00")
    page = client.get(f"/koperasi-saya/lomba/{comp.id}/daftar").get_data(as_text=True)
    assert "Pendaftaran belum dibuka" in page


def test_open_competitions_list_my_eligibility(client, login_as, registry, inside, monkeypatch):
    """The list of competitions says per competition whether the pengurus's cooperative may enter."""
    from harkop.competitions import services as competitions

    login_as("coop_rep")
    ok = make_competition(name="Lomba Boleh")
    make_competition(ok.event, name="Lomba Produsen", allowed_jenis=["produsen"])
    monkeypatch.setattr(competitions, "current_event", lambda **kw: ok.event)
    page = client.get("/koperasi-saya/lomba").get_data(as_text=True)
    assert "Daftarkan tim" in page
    assert "hanya untuk koperasi Produsen" in page


def test_my_entries_withdraw_and_replace(client, login_as, registry, inside):
    """The pengurus sees their entries, replaces a participant and withdraws with a confirmation tick."""
    rep = login_as("coop_rep")
    comp = make_competition()
    entry = services.register_entry(
        comp, rep.cooperative_id, team_name="Tim A", participants=people(2), by=rep, now=INSIDE
    )
    db.session.commit()
    assert "Tim A" in client.get("/koperasi-saya/pendaftaran").get_data(as_text=True)
    old = entry.participants[0]
    old_token = old.ticket.page_token
    response = client.post(
        f"/koperasi-saya/pendaftaran/{entry.id}/peserta/{old.id}/ganti",
        data={"name": "Pengganti", "phone": "081211112222", "consent": "y"},
    )
    assert response.status_code == 302
    assert client.get(f"/tiket/{old_token}").status_code == 410
    unticked = client.post(f"/koperasi-saya/pendaftaran/{entry.id}/mundur", data={}, follow_redirects=True)
    assert "Centang konfirmasi" in unticked.get_data(as_text=True)
    client.post(f"/koperasi-saya/pendaftaran/{entry.id}/mundur", data={"confirm": "y"})
    assert db.session.get(Entry, entry.id).state == EntryState.withdrawn


def test_another_cooperatives_entry_page_is_forbidden(client, login_as, registry, make_user, inside):
    """A pengurus opening someone else's entry gets 403."""
    other = make_user("coop_rep")
    entry = services.register_entry(
        make_competition(),
        other.cooperative_id,
        team_name="Tim B",
        participants=people(1),
        by=other,
        now=INSIDE,
    )
    login_as("coop_rep")
    assert client.get(f"/koperasi-saya/pendaftaran/{entry.id}").status_code == 403


def test_the_office_approves_and_rejects_from_the_entries_page(client, login_as, registry, make_user, inside):
    """Pending entries get approve and reject buttons; refused registrations are listed with reasons."""
    comp = make_competition(approval_required=True)
    a, b = make_user("coop_rep"), make_user("coop_rep")
    first = services.register_entry(
        comp, a.cooperative_id, team_name="Tim 1", participants=people(1), by=a, now=INSIDE
    )
    second = services.register_entry(
        comp, b.cooperative_id, team_name="Tim 2", participants=people(1), by=b, now=INSIDE
    )
    bad = make_user("coop_rep")
    registry.set(bad.cooperative, rat_book_years=frozenset())
    with pytest.raises(services.RegistrationRefused):
        services.register_entry(
            comp, bad.cooperative_id, team_name="Tim 3", participants=people(1), by=bad, now=INSIDE
        )
    login_as("admin")
    db.session.commit()
    page = client.get(f"/admin/lomba/{comp.id}/pendaftar").get_data(as_text=True)
    assert "Setujui" in page and "Tim 1" in page
    assert "RAT untuk tahun buku 2023" in page and bad.cooperative.name in page
    client.post(f"/admin/pendaftaran/{first.id}/setujui")
    client.post(f"/admin/pendaftaran/{second.id}/tolak", data={"reason": "Berkas tidak lengkap"})
    assert db.session.get(Entry, first.id).state == EntryState.confirmed
    assert db.session.get(Entry, second.id).state == EntryState.rejected
    filtered = client.get(f"/admin/lomba/{comp.id}/pendaftar?status=rejected&q=Tim").get_data(as_text=True)
    assert ">Tim 2</a>" in filtered and ">Tim 1</a>" not in filtered


def test_the_competition_list_says_already_registered(client, login_as, registry, inside, monkeypatch):
    """Once the cooperative has used its places, the list says so instead of 'not eligible'."""
    from harkop.competitions import services as competitions

    rep = login_as("coop_rep")
    comp = make_competition(name="Lomba Sekali")
    services.register_entry(
        comp, rep.cooperative_id, team_name="Tim A", participants=people(1), by=rep, now=INSIDE
    )
    monkeypatch.setattr(competitions, "current_event", lambda **kw: comp.event)
    page = client.get("/koperasi-saya/lomba").get_data(as_text=True)
    assert "Sudah terdaftar" in page and "Belum memenuhi syarat" not in page


def test_an_empty_submit_names_every_missing_field_at_once(client, login_as, registry, inside):
    """Issue 21: an empty form names the team's name, each required row's name, phone and consent,
    and the team's size, each next to its field and in a summary at the top linking to it."""
    login_as("coop_rep")
    comp = make_competition(min_team_size=2, max_team_size=4)
    db.session.commit()
    response = client.post(f"/koperasi-saya/lomba/{comp.id}/daftar", data={"team_name": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    wanted = ["team_name"] + [f"participants-{i}-{f}" for i in (0, 1) for f in ("name", "phone", "consent")]
    for field_id in wanted:
        assert f'href="#{field_id}"' in summary, field_id
        assert f'id="{field_id}-error"' in html, f"{field_id}: its error next to it"
    assert "participants-2-" not in summary, "an optional row left blank is not an error"
    assert "Jumlah peserta harus 2 sampai 4 orang." in html
    assert db.session.scalar(select(Entry).where(Entry.competition_id == comp.id)) is None
