"""The office's event and competition pages, and the public programme and competition pages."""

from __future__ import annotations

from sqlalchemy import select

from harkop.competitions.models import Competition, CompetitionState, EligibilityException, Event
from harkop.extensions import db
from tests.competitions.factories import make_competition, make_event


def competition_form(**overrides) -> dict[str, str]:
    data = {
        "name": "Lomba Menghias Tumpeng",
        "slug": "",
        "description": "Tumpeng nasi kuning.",
        "days": ["2024-07-27"],
        "starts_at": "09:00",
        "ends_at": "12:00",
        "place": "Atrium",
        "team_kind": "team",
        "min_team_size": "2",
        "max_team_size": "3",
        "capacity": "10",
        "per_cooperative_limit": "1",
        "registration_opens_at": "2024-07-01T00:00",
        "registration_closes_at": "2024-07-21T00:00",
        "require_active": "y",
        "require_rat_previous_year": "y",
        "min_predikat": "",
        "judges_per_entry": "3",
        "aggregation": "mean",
        "criteria-0-name": "Kerapian",
        "criteria-0-weight": "40",
        "criteria-0-max_score": "10",
        "criteria-0-levels": "10: Sangat rapi\n1: Berantakan",
        "criteria-1-name": "Kreativitas",
        "criteria-1-weight": "60",
        "criteria-1-max_score": "10",
        "criteria-1-tie_break_rank": "1",
        "criteria-2-name": "",
    }
    data.update(overrides)
    return data


def test_the_office_creates_a_competition_with_rubric_and_rules(client, login_as, registry):
    """The form saves settings, the window in WITA, the days and the rubric rows in one go."""
    login_as("admin")
    event = make_event()
    db.session.commit()
    response = client.post(f"/admin/acara/{event.id}/lomba/baru", data=competition_form())
    assert response.status_code == 302
    comp = db.session.scalar(select(Competition).where(Competition.event_id == event.id))
    assert comp.slug == "lomba-menghias-tumpeng"
    assert comp.state == CompetitionState.draft
    assert [c.name for c in comp.criteria] == ["Kerapian", "Kreativitas"]
    assert comp.criteria[0].levels == [
        {"score": 10, "description": "Sangat rapi"},
        {"score": 1, "description": "Berantakan"},
    ]
    assert [c.name for c in comp.tie_break_criteria()] == ["Kreativitas", "Kerapian"]
    assert comp.registration_opens_at.isoformat() == "2024-06-30T16:00:00+00:00"
    page = client.get(f"/admin/lomba/{comp.id}").get_data(as_text=True)
    assert "koperasi memenuhi syarat hari ini" in page
    assert "Buka pendaftaran" in page


def test_invalid_settings_are_shown_next_to_the_field(client, login_as):
    """A time slot ending before it starts is refused with the message on the page (422)."""
    login_as("admin")
    event = make_event()
    db.session.commit()
    response = client.post(
        f"/admin/acara/{event.id}/lomba/baru", data=competition_form(starts_at="12:00", ends_at="09:00")
    )
    assert response.status_code == 422
    assert "Jam selesai harus setelah jam mulai." in response.get_data(as_text=True)


def test_a_rubric_whose_levels_miss_the_maximum_is_refused_next_to_its_levels(client, login_as):
    """Levels "4 … 1" on a criterion out of 10 (after a blank row): 422, the message at that row's
    levels field in Indonesian, and nothing saved."""
    login_as("admin")
    event = make_event()
    db.session.commit()
    data = competition_form(
        **{
            "criteria-0-name": "",
            "criteria-0-levels": "",
            "criteria-2-name": "Kerapian",
            "criteria-2-weight": "40",
            "criteria-2-max_score": "10",
            "criteria-2-levels": "4: Sangat baik\n3: Baik\n2: Cukup\n1: Kurang",
        }
    )
    response = client.post(f"/admin/acara/{event.id}/lomba/baru", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="criteria-2-levels-error"', 1)[1].split("</", 1)[0]
    assert "tingkat terbaik harus sama dengan nilai maksimal" in error
    assert db.session.scalar(select(Competition).where(Competition.event_id == event.id)) is None


def test_the_qualify_count_previews_unsaved_rules(client, login_as, registry, make_cooperative):
    """The 'Hitung' button counts qualifying cooperatives for the rules as typed, without saving."""
    login_as("admin")
    comp = make_competition()
    for _ in range(3):
        make_cooperative()
    inactive = make_cooperative()
    registry.set(inactive, is_active=False)
    db.session.commit()
    data = competition_form(name=comp.name, slug=comp.slug, days=["2024-07-26"], action="preview")
    response = client.post(f"/admin/lomba/{comp.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "tidak aktif" in html
    assert db.session.get(Competition, comp.id).name != "Lomba Menghias Tumpeng"


def test_the_office_moves_the_state_and_sees_refusals(client, login_as):
    """The status buttons move the competition; an impossible move is flashed and nothing changes."""
    login_as("admin")
    comp = make_competition(state=CompetitionState.draft)
    db.session.commit()
    client.post(f"/admin/lomba/{comp.id}/status", data={"to": "open"})
    assert db.session.get(Competition, comp.id).state == CompetitionState.open
    response = client.post(f"/admin/lomba/{comp.id}/status", data={"to": "published"}, follow_redirects=True)
    assert "tidak dapat diubah" in response.get_data(as_text=True)
    assert db.session.get(Competition, comp.id).state == CompetitionState.open


def test_exceptions_are_granted_and_revoked_from_the_page(client, login_as, make_cooperative):
    """The office grants an exception by NIK with a reason and can revoke it."""
    login_as("admin")
    comp = make_competition()
    coop = make_cooperative()
    db.session.commit()
    unknown = client.post(
        f"/admin/lomba/{comp.id}/pengecualian",
        data={"cooperative_nik": "6471999999999999", "reason": "Alasan kuat"},
    )
    assert unknown.status_code == 422
    client.post(
        f"/admin/lomba/{comp.id}/pengecualian", data={"cooperative_nik": coop.nik, "reason": "Juara 2023"}
    )
    exc = db.session.scalar(
        select(EligibilityException).where(EligibilityException.competition_id == comp.id)
    )
    assert exc.reason == "Juara 2023"
    assert coop.name in client.get(f"/admin/lomba/{comp.id}/pengecualian").get_data(as_text=True)
    client.post(f"/admin/lomba/{comp.id}/pengecualian/{exc.id}/hapus")
    assert db.session.get(EligibilityException, exc.id) is None


def test_events_are_created_and_listed(client, login_as):
    """The office creates an event and sees it with its competitions."""
    login_as("admin")
    response = client.post(
        "/admin/acara/baru",
        data={
            "name": "Hari Koperasi 2025",
            "starts_on": "2025-07-25",
            "ends_on": "2025-07-27",
            "venue": "Balikpapan",
        },
    )
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "hari-koperasi-2025"))
    make_competition(event, days=[event.starts_on])
    assert "Hari Koperasi 2025" in client.get("/admin/acara").get_data(as_text=True)


def test_the_public_programme_and_competition_page(client):
    """Anyone sees the programme by day and a competition's rules, rubric, time and place."""
    event = make_event()
    comp = make_competition(event, name="Lomba Masak Sambal Ayam Geprek", min_predikat="cukup_sehat")
    make_competition(event, name="Lomba Rahasia", state=CompetitionState.draft)
    programme = client.get(f"/jadwal?acara={event.slug}").get_data(as_text=True)
    assert "Jumat, 26 Juli 2024" in programme
    assert "Lomba Masak Sambal Ayam Geprek" in programme
    assert "Lomba Rahasia" not in programme
    page = client.get(f"/lomba/{event.slug}/{comp.slug}").get_data(as_text=True)
    for text in (
        "09.00–12.00 WITA",
        "Atrium Lt. 1",
        "RAT tahun buku 2023",
        "Cukup Sehat",
        "Kriteria 1",
        "Cara mendaftar",
    ):
        assert text in page


def test_a_draft_competition_page_is_hidden_from_the_public(client, login_as):
    """Drafts are 404 for visitors and visible to the office."""
    comp = make_competition(state=CompetitionState.draft)
    url = f"/lomba/{comp.event.slug}/{comp.slug}"
    assert client.get(url).status_code == 404
    login_as("admin")
    assert client.get(url).status_code == 200


def test_the_live_count_answers_json_for_the_rules_in_the_query(client, login_as, registry, make_cooperative):
    """The form's script asks for the count of the rules as typed; bad rules get a coded 422."""
    login_as("admin")
    event = make_event()
    make_cooperative()
    bad = make_cooperative()
    registry.set(bad, jenis="jasa")
    body = client.get(
        f"/admin/acara/{event.id}/hitung-syarat?require_active=y&allowed_jenis=konsumen"
    ).get_json()
    assert body["qualifying"] == body["total"] - 1
    assert body["failing"] == [{"code": "jenis_not_allowed", "label": "jenis tidak sesuai", "count": 1}]
    assert "koperasi memenuhi syarat" in body["message"]
    wrong = client.get(f"/admin/acara/{event.id}/hitung-syarat?min_predikat=luar_biasa")
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "invalid_predikat"
