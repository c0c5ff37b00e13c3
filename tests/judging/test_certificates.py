"""Verifiable certificates (issue 20): one per participant, one more per winning team, each with a code
and a QR of the public verification page; a correction withdraws what it changes."""

from __future__ import annotations

import zxingcpp
from sqlalchemy import select

from harkop.extensions import db
from harkop.judging import certificates, services
from harkop.judging.models import Certificate
from tests.judging.factories import DURING, LATER, full_scores, judging_setup, score_everything
from tests.pdfpages import read_pdf


def published(entries: int = 6, people: int = 2):
    """A published competition of `entries` teams of `people` (Tim 1 best … Tim n last)."""
    from harkop.registrations.models import Participant

    setup = judging_setup(entries=entries, judges=1, k=1)
    for entry in setup.entries:
        for n in range(2, people + 1):
            entry.participants.append(
                Participant(position=n, name=f"{entry.team_name} orang {n}", phone="0812", role="Anggota",
                            consent=True, created_at=DURING)
            )  # fmt: skip
    db.session.flush()
    score_everything(setup, lambda entry, judge, crit: 10 - setup.entries.index(entry))
    services.finalise_results(setup.comp, by="test", now=DURING)
    services.publish_results(setup.comp, by="test", now=LATER)
    return setup


def valid(comp) -> list[Certificate]:
    return certificates.valid_certificates(comp)


def test_publication_issues_one_certificate_per_participant_and_one_per_winning_team():
    """6 teams of 2: 12 personal certificates and 5 team ones (Juara 1–3, Harapan 1–2); codes unique;
    publishing again issues nothing."""
    setup = published()
    certs = valid(setup.comp)
    assert len([c for c in certs if not c.is_team]) == 12
    assert sorted(c.award for c in certs if c.is_team) == sorted(
        ["Juara 1", "Juara 2", "Juara 3", "Harapan 1", "Harapan 2"]
    )
    assert len({c.code for c in certs}) == len(certs) == 17
    best = next(c for c in certs if c.is_team and c.award == "Juara 1")
    assert (best.name, best.cooperative_name) == ("Tim 1", setup.entries[0].cooperative.name)
    assert certificates.sync_certificates(
        setup.comp, certificates.ensure_certificates(setup.comp, by="test"), by="test"
    ) == {
        "issued": 0,
        "withdrawn": 0,
    }


def test_the_certificate_pdf_prints_the_code_inside_the_page_and_its_qr_opens_the_verification_page():
    """Each page: holder, cooperative, award, competition, event and the code, all inside the page; the QR
    decodes to /verifikasi/<code>."""
    setup = published(entries=3, people=1)
    certs = [c for c in valid(setup.comp) if c.entry_id == setup.entries[0].id]
    pages = read_pdf(certificates.certificates_pdf(certs))
    assert len(pages) == len(certs) == 2  # the participant's and the team's
    for page, cert in zip(pages, certs, strict=True):
        text = page.text
        for fact in (cert.name, cert.cooperative_name, "JUARA 1", setup.comp.name, setup.comp.event.name):
            assert fact in text, fact
        assert certificates.format_code(cert.code) in text
        assert page.outside(margin=10) == []
        (qr,) = page.images
        assert [r.text for r in zxingcpp.read_barcodes(qr.image)] == [certificates.verify_url(cert.code)]
        assert certificates.verify_url(cert.code).endswith(f"/verifikasi/{cert.code}")


def test_the_verification_page_confirms_the_facts_and_says_when_a_code_is_unknown(client):
    """A valid code shows name, cooperative, competition, award and event; typed with dashes in lower
    case it redirects there; an unknown code answers 404 saying so."""
    setup = published(entries=3, people=1)
    cert = next(c for c in valid(setup.comp) if not c.is_team and c.award == "Juara 2")
    db.session.commit()
    page = client.get(f"/verifikasi/{cert.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-verdict="valid"' in html
    for fact in (cert.name, cert.cooperative_name, setup.comp.name, "Juara 2", setup.comp.event.name):
        assert fact in html
    typed = client.get("/verifikasi", query_string={"kode": certificates.format_code(cert.code).lower()})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/verifikasi/{cert.code}")
    unknown = client.get("/verifikasi/ABCDEFGHJKMNPQRS")
    assert unknown.status_code == 404 and "tidak dikenal" in unknown.get_data(as_text=True)
    assert client.get("/verifikasi", query_string={"kode": "salah"}).status_code == 404


def test_a_correction_withdraws_the_certificates_it_changes_and_the_old_code_says_so(client):
    """Tim 3 turns out to be the winner: its certificates and those of the teams it passed are withdrawn
    and replaced; the old codes verify as withdrawn (410) with the reason; unchanged ones keep their code."""
    setup = published(entries=6, people=1)
    before = {(c.entry_id, c.holder): c for c in valid(setup.comp)}
    third = setup.entries[2]
    for judge in setup.judges_of(third):
        card = services.own_card(third.id, judge.id)
        services.unlock_scorecard(card, "nilai tertukar", by="test", now=LATER)
        services.save_scorecard(
            third.id,
            judge=judge,
            scores=full_scores(setup.comp, 10),
            submit=True,
            revision=card.revision + 1,
            now=LATER,
        )
    services.correct_results(setup.comp, "nilai Tim 3 tertukar", by="test", now=LATER)
    after = {(c.entry_id, c.holder): c for c in valid(setup.comp)}
    old = before[(third.id, "team")]  # Juara 3 before, Juara 1 now
    assert old.withdrawn_at is not None and old.replaced_by_id == after[(third.id, "team")].id
    assert after[(third.id, "team")].award == "Juara 1"
    last = setup.entries[5]  # no award before or after: same certificate
    assert (
        after[(last.id, f"p{last.participants[0].id}")].code
        == before[(last.id, f"p{last.participants[0].id}")].code
    )
    db.session.commit()
    page = client.get(f"/verifikasi/{old.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and 'data-verdict="withdrawn"' in html and "versi 2" in html
    assert db.session.scalar(select(Certificate).where(Certificate.code == old.code)).award == "Juara 3"


def test_the_office_prints_every_certificate_of_a_competition_in_one_pdf(client, login_as):
    """One page per valid certificate; before publication there is nothing to print (404)."""
    setup = published(entries=4, people=2)
    unpublished = judging_setup(entries=2, judges=1, k=1)
    db.session.commit()
    login_as("admin")
    response = client.get(f"/admin/penilaian/{setup.comp.id}/piagam.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(read_pdf(response.data)) == len(valid(setup.comp)) == 8 + 4
    assert client.get(f"/admin/penilaian/{unpublished.comp.id}/piagam.pdf").status_code == 404


def test_the_pengurus_results_page_lists_the_certificate_codes_with_their_verification_links(
    client, login_as, make_user
):
    """Each certificate of the cooperative's entry is listed with its code, linking to /verifikasi/<code>."""
    setup = published(entries=2, people=2)
    entry = setup.entries[0]
    rep = make_user("coop_rep", cooperative=entry.cooperative)
    db.session.commit()
    login_as(rep)
    html = client.get("/koperasi-saya/hasil").get_data(as_text=True)
    for cert in certificates.valid_certificates(setup.comp, entry_id=entry.id):
        assert f"/verifikasi/{cert.code}" in html and certificates.format_code(cert.code) in html


# --- a competition's certificates in the background (issue 20) ------------------------------------


def test_the_holders_of_a_result_load_in_the_same_statements_for_more_teams():
    """Who gets a certificate is read in a constant number of statements: 2 teams or 8."""
    from harkop.judging.results import published_snapshot
    from tests.querycount import counting_queries

    def statements_for(setup) -> int:
        snapshot = published_snapshot(setup.comp)
        db.session.expire_all()
        with counting_queries() as statements:
            certificates.holders_of(setup.comp, snapshot)
        return len(statements)

    assert statements_for(published(entries=2)) == statements_for(published(entries=8))


def test_many_certificates_are_made_in_the_background_and_the_offer_issues_none(
    client, login_as, app, tmp_path
):
    """Above HARKOP_PRINT_BACKGROUND_ITEMS the link's GET offers the job and writes nothing (no
    certificate issued for a result published before codes existed); the job prints one page each."""
    from harkop.cooperatives import import_jobs
    from harkop.cooperatives.models import ImportJob
    from tests.querycount import counting_queries, writes

    previous = app.config.get("HARKOP_UPLOAD_DIR"), app.config.get("HARKOP_PRINT_BACKGROUND_ITEMS")
    app.config["HARKOP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["HARKOP_PRINT_BACKGROUND_ITEMS"] = 5
    try:
        setup = published(entries=4, people=2)
        db.session.commit()
        login_as("admin")
        with counting_queries() as statements:
            offer = client.get(f"/admin/penilaian/{setup.comp.id}/piagam.pdf")
        assert offer.status_code == 200 and "Buat PDF" in offer.get_data(as_text=True)
        assert writes(statements) == []
        response = client.post(f"/admin/penilaian/{setup.comp.id}/piagam.pdf")
        job = db.session.scalar(select(ImportJob).where(ImportJob.kind == certificates.CERTIFICATES))
        assert response.headers["Location"] == f"/admin/cetak/{job.id}"
        assert job.report["cards"] == 8 + 4
        assert import_jobs.run_pending("scheduler-test") == 1
        pages = read_pdf(client.get(f"/admin/cetak/{job.id}/unduh").data)
        assert len(pages) == len(valid(setup.comp)) == 8 + 4
    finally:
        app.config["HARKOP_UPLOAD_DIR"], app.config["HARKOP_PRINT_BACKGROUND_ITEMS"] = previous
