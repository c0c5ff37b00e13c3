"""The judging pages: the office's panel and assignments, the judge's tablet (without JavaScript),
the monitor, finalise and publish from the pages, public results, a cooperative's certificates."""

from __future__ import annotations

import re

from sqlalchemy import select

from harkop.auth.models import UserAffiliation
from harkop.extensions import db
from harkop.judging import services, views
from harkop.judging.models import Assignment, CardState, CompetitionJudge
from tests.judging.factories import DURING, LATER, full_scores, judging_setup, make_judge, score_everything


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_office_builds_the_panel_from_the_page(client, login_as):
    """Add a judge as head, record and remove an affiliation, save the publication settings."""
    setup = judging_setup(judges=0, assign=False, state="closed")
    judge = make_judge("juri.halaman")
    db.session.commit()
    login_as("admin")
    url = f"/admin/penilaian/{setup.comp.id}/juri"
    assert "juri.halaman" in text(client.get(url))
    client.post(url, data={"username": "juri.halaman", "head": "y"})
    row = db.session.scalar(select(CompetitionJudge).where(CompetitionJudge.user_id == judge.id))
    assert row is not None and row.is_head
    coop = setup.entries[0].cooperative
    client.post(f"{url}/{judge.id}/afiliasi", data={"nik": coop.nik})
    assert db.session.scalar(select(UserAffiliation).where(UserAffiliation.user_id == judge.id)) is not None
    page = text(client.get(url))
    assert coop.name in page
    client.post(f"{url}/{judge.id}/afiliasi/{coop.id}/hapus", data={})
    assert db.session.scalar(select(UserAffiliation).where(UserAffiliation.user_id == judge.id)) is None
    client.post(
        f"/admin/penilaian/{setup.comp.id}/pengaturan",
        data={"publish_at": "2024-07-28T15:00", "discrepancy_threshold": "12.5"},
    )
    db.session.refresh(setup.comp)
    assert setup.comp.discrepancy_threshold == 12.5
    assert setup.comp.publish_at.isoformat() == "2024-07-28T07:00:00+00:00"


def test_a_refused_panel_form_is_drawn_again_with_422(client, login_as):
    """A username that is not a free judge is named at its field with 422; nobody joins the panel."""
    setup = judging_setup(judges=0, assign=False, state="closed")
    make_judge("juri.bebas")
    db.session.commit()
    login_as("admin")
    response = client.post(f"/admin/penilaian/{setup.comp.id}/juri", data={"username": "bukan.juri"})
    assert response.status_code == 422 and 'id="username-error"' in text(response)
    assert (
        db.session.scalar(select(CompetitionJudge).where(CompetitionJudge.competition_id == setup.comp.id))
        is None
    )


def test_the_office_assigns_automatically_and_overrides_by_hand(client, login_as):
    """The button assigns k judges per entry; a judge is removed and added back by hand."""
    setup = judging_setup(entries=3, judges=2, k=1, assign=False, state="closed")
    db.session.commit()
    login_as("admin")
    base = f"/admin/penilaian/{setup.comp.id}/penugasan"
    client.post(f"{base}/otomatis", data={})
    assert db.session.query(Assignment).count() == 3
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    client.post(f"{base}/{entry.id}/juri/{judge.id}/hapus", data={})
    assert setup.judges_of(entry) == []
    client.post(f"{base}/{entry.id}/tambah", data={"judge_id": str(judge.id)})
    assert setup.judges_of(entry) == [judge]
    page = text(client.get(base))
    assert "Bagi peserta otomatis" in page and entry.team_name in page


def test_a_judge_scores_on_the_tablet_page_without_javascript(client, login_as, fake_now):
    """The list shows progress; the rubric shows level buttons; a draft and then a submit are plain
    form posts; the judge lands on their next entry and the progress moves."""
    fake_now(DURING.isoformat())
    setup = judging_setup(entries=2, judges=1, k=1)
    judge = setup.judges[0]
    first, second = setup.entries
    db.session.commit()
    login_as(judge)
    home = text(client.get("/juri"))
    assert "0 dari 2 dinilai" in home
    page = text(client.get(f"/juri/penilaian/entri/{first.id}"))
    a, b = setup.comp.criteria
    assert f'name="skor-{a.id}"' in page and f'name="angka-{b.id}"' in page
    revision = re.search(r'name="revisi" value="(\d+)"', page).group(1)

    draft = client.post(
        f"/juri/penilaian/entri/{first.id}",
        data={
            "aksi": "simpan",
            "revisi": revision,
            f"skor-{a.id}": "7",
            f"angka-{b.id}": "",
            f"awal-{b.id}": "",
        },
    )
    assert draft.status_code == 302
    card = services.own_card(first.id, judge.id)
    assert card.state == CardState.draft and card.scores == {str(a.id): 7}

    page = text(client.get(f"/juri/penilaian/entri/{first.id}"))
    revision = re.search(r'name="revisi" value="(\d+)"', page).group(1)
    sent = client.post(
        f"/juri/penilaian/entri/{first.id}",
        data={
            "aksi": "kirim",
            "revisi": revision,
            f"skor-{a.id}": "7",
            f"angka-{a.id}": "7",
            f"awal-{a.id}": "7",
            f"angka-{b.id}": "8.5",
            f"awal-{b.id}": "",
            "catatan": "rapi",
        },
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/juri/penilaian/entri/{second.id}")
    card = services.own_card(first.id, judge.id)
    assert card.state == CardState.submitted and card.scores == {str(a.id): 7, str(b.id): 8.5}
    assert "1 dari 2 dinilai" in text(client.get("/juri"))
    assert "sudah terkirim" in text(client.get(f"/juri/penilaian/entri/{first.id}"))


def test_a_stale_form_post_shows_the_server_card(client, login_as, fake_now):
    """A second tab posting an older revision is refused (409) and the page shows what the server holds."""
    fake_now(DURING.isoformat())
    setup = judging_setup(entries=1, judges=1, k=1)
    judge, entry = setup.judges[0], setup.entries[0]
    a = setup.comp.criteria[0]
    services.save_scorecard(entry.id, judge=judge, scores={str(a.id): 9}, revision=5, now=DURING)
    db.session.commit()
    login_as(judge)
    response = client.post(
        f"/juri/penilaian/entri/{entry.id}", data={"aksi": "simpan", "revisi": "2", f"angka-{a.id}": "3"}
    )
    assert response.status_code == 409
    assert (
        f'id="angka-{a.id}" name="angka-{a.id}" min="0" max="10" step="0.01" inputmode="decimal" value="9"'
        in (text(response))
    )
    assert services.own_card(entry.id, judge.id).scores == {str(a.id): 9}


def test_a_judge_opens_only_their_own_entries(client, login_as):
    """Another judge's entry: 403 `not_assigned`; an entry of their own cooperative: 403."""
    setup = judging_setup(entries=2, judges=2, k=1)
    entry = setup.entries[0]
    other = next(j for j in setup.judges if j not in setup.judges_of(entry))
    db.session.commit()
    login_as(other)
    assert client.get(f"/juri/penilaian/entri/{entry.id}").status_code == 403
    mine = setup.entries_of(other)[0]
    db.session.add(UserAffiliation(user_id=other.id, cooperative_id=mine.cooperative_id))
    db.session.commit()
    assert client.get(f"/juri/penilaian/entri/{mine.id}").status_code == 403


def test_the_monitor_is_for_the_head_judge_and_the_office_only(client, login_as):
    """The head judge sees progress but no judge's totals; the office sees the totals; others get 403."""
    setup = judging_setup(entries=2, judges=2, k=2)
    score_everything(setup, lambda entry, judge, crit: 6)
    db.session.commit()
    url = f"/penilaian/{setup.comp.id}/pantau"
    login_as(setup.judges[1])
    assert client.get(url).status_code == 403
    login_as(setup.head)
    page = text(client.get(url))
    assert "4 dari 4 dinilai" in page and "total 60.00" not in page
    login_as("admin")
    assert "total 60.00" in text(client.get(url))


def test_finalise_and_publish_from_the_pages_then_the_public_results(client, login_as):
    """Head judge finalises, the public still gets 404, the office publishes, the page explains the result."""
    setup = judging_setup(entries=3, judges=2, k=2)
    score_everything(setup, lambda entry, judge, crit: {"Tim 1": 5, "Tim 2": 9, "Tim 3": 7}[entry.team_name])
    db.session.commit()
    results_url = f"/hasil/{setup.comp.event.slug}/{setup.comp.slug}"
    login_as(setup.head)
    client.post(f"/penilaian/{setup.comp.id}/tetapkan", data={})
    assert setup.comp.state.value == "final"
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(results_url).status_code == 404
    assert setup.comp.name not in text(client.get("/hasil"))
    login_as("admin")
    client.post(f"/penilaian/{setup.comp.id}/umumkan", data={})
    assert setup.comp.state.value == "published"
    with client.session_transaction() as sess:
        sess.clear()
    page = text(client.get(results_url))
    assert page.index("Tim 2") < page.index("Tim 3") < page.index("Tim 1")
    assert "Juara 1" in page and "Juri 1" in page and "Juri 2" in page
    assert "rata-rata nilai juri" in page
    assert setup.head.label not in page  # judges are anonymised
    assert setup.comp.name in text(client.get("/hasil"))


def test_a_corrected_result_keeps_the_old_version_readable(client, login_as):
    """After a correction the page shows version 2 with its reason and links to version 1."""
    setup = judging_setup(entries=2, judges=1, k=1)
    score_everything(setup)
    services.finalise_results(setup.comp, by="test", now=DURING)
    services.publish_results(setup.comp, by="test", now=LATER)
    services.correct_results(setup.comp, "nama tim salah tulis", by="test", now=LATER)
    db.session.commit()
    base = f"/hasil/{setup.comp.event.slug}/{setup.comp.slug}"
    page = text(client.get(base))
    assert "Versi 2" in page and "nama tim salah tulis" in page and f"{base}/versi/1" in page
    assert "Versi 1" in text(client.get(f"{base}/versi/1"))
    assert client.get(f"{base}/versi/9").status_code == 404


def test_a_pengurus_downloads_the_certificate_of_their_own_entry(client, login_as, make_user):
    """After publication: the pengurus's results page lists the award and the PDF downloads; another
    cooperative's certificate is refused; before publication there is none."""
    setup = judging_setup(entries=6, judges=1, k=1)
    score_everything(setup, lambda entry, judge, crit: 10 - setup.entries.index(entry))
    entry = setup.entries[0]
    rep = make_user("coop_rep", cooperative=entry.cooperative)
    db.session.commit()
    login_as(rep)
    services.finalise_results(setup.comp, by="test", now=DURING)
    db.session.commit()
    assert client.get(f"/piagam/{entry.id}.pdf").status_code == 404
    services.publish_results(setup.comp, by="test", now=LATER)
    db.session.commit()
    assert "Juara 1" in text(client.get("/koperasi-saya/hasil"))
    pdf = client.get(f"/piagam/{entry.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "juara-1" in pdf.headers["Content-Disposition"]
    assert client.get(f"/piagam/{setup.entries[1].id}.pdf").status_code == 403
    login_as("admin")
    sixth = client.get(f"/piagam/{setup.entries[5].id}.pdf")
    assert sixth.status_code == 200 and "partisipasi" in sixth.headers["Content-Disposition"]


def test_the_certificate_says_what_the_result_says():
    """The PDF names the team, the cooperative, the award and the competition (Indonesian text)."""
    import zlib

    from harkop.judging.certificates import render_certificate

    pdf = render_certificate(
        award="Juara 2",
        name="Siti",
        team="Tim Tumpeng Ceria",
        cooperative="Koperasi Maju Bersama",
        competition="Lomba Menghias Tumpeng",
        event="Hari Koperasi 2024 Kota Balikpapan",
        venue="Pentacity Mall",
        days="Jumat, 26 Juli 2024",
        issued="Minggu, 28 Juli 2024",
        code="ABCD-EFGH-JKMN-PQRS",
        link="https://harkop.example/verifikasi/ABCDEFGHJKMNPQRS",
    )
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    content = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    for words in (
        b"PIAGAM PENGHARGAAN",
        b"Tim Tumpeng Ceria",
        b"Siti",
        b"ABCD-EFGH-JKMN-PQRS",
        b"JUARA 2",
        b"Lomba Menghias Tumpeng",
        b"diberikan kepada",
    ):
        assert words in content, words


def test_the_admin_index_lists_competitions_with_progress(client, login_as):
    """The office's judging index shows each competition past its draft with its progress."""
    setup = judging_setup(entries=2, judges=1, k=1, state="judging")
    score_everything(setup, skip=lambda entry, judge: entry == setup.entries[1])
    db.session.commit()
    login_as("admin")
    page = text(client.get("/admin/penilaian"))
    assert setup.comp.name in page and "1 dari 2 dinilai" in page
    assert full_scores(setup.comp, 1)  # the rubric is there


def _published_two_entries():
    """A judged, published two-entry competition and its public results path."""
    setup = judging_setup(entries=2, judges=1, k=1)
    score_everything(setup)
    services.finalise_results(setup.comp, by="test", now=DURING)
    services.publish_results(setup.comp, by="test", now=LATER)
    db.session.commit()
    return setup, f"/hasil/{setup.comp.event.slug}/{setup.comp.slug}"


def test_cached_results_pages_carry_each_visitors_own_csrf_token(app, client, monkeypatch):
    """Anonymous visitors get the cached page, each with their own CSRF token in the language form,
    and a corrected result (a new snapshot) is served once the data version is read again."""
    from harkop import pagecache

    monkeypatch.setattr(pagecache, "VERSION_TTL", 0.0)
    setup, url = _published_two_entries()
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    first = text(client.get(url))
    other = app.test_client()
    second = text(other.get(url))
    assert first.replace(token.search(first).group(1), "") == second.replace(
        token.search(second).group(1), ""
    )
    assert token.search(first).group(1) != token.search(second).group(1)
    services.correct_results(setup.comp, "urutan diperiksa ulang", by="test", now=LATER)
    db.session.commit()
    assert "urutan diperiksa ulang" in text(client.get(url))


def test_a_kept_results_page_costs_the_crowd_no_query(app, client, monkeypatch):
    """After the first anonymous visitor, the next ones get the results page without a single
    statement (the snapshot lookup is kept under the data version), and a correction still shows
    as soon as the data version is read again."""
    from sqlalchemy import event

    from harkop import pagecache

    setup, url = _published_two_entries()
    assert app.test_client().get(url).status_code == 200
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        again = app.test_client().get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert again.status_code == 200 and statements == []
    services.correct_results(setup.comp, "nilai dihitung ulang", by="test", now=LATER)
    db.session.commit()
    monkeypatch.setattr(pagecache, "VERSION_TTL", 0.0)
    assert "nilai dihitung ulang" in text(app.test_client().get(url))


def test_the_results_body_cache_keeps_the_64_most_recently_used_bodies():
    """Does the results body cache hold 64 bodies and drop the least recently used one, not a recently read one?

    (Whole pages for anonymous visitors are kept by harkop/pagecache.py, tested in tests/core.)
    """
    for n in range(64):
        views._keep(views._BODY_CACHE, n, f"page {n}")
    assert views._cached(views._BODY_CACHE, 0) == "page 0"  # read: now the most recent
    views._keep(views._BODY_CACHE, 64, "page 64")
    assert len(views._BODY_CACHE) == 64
    assert views._cached(views._BODY_CACHE, 1) is None  # the least recently used went
    assert views._cached(views._BODY_CACHE, 0) == "page 0"
    assert views._cached(views._BODY_CACHE, 64) == "page 64"


def test_the_cooperative_results_page_names_each_entrys_state(client, login_as, make_user):
    """A withdrawn and a waitlisted team of the cooperative are not called "tidak hadir"; a no-show is."""
    from harkop.judging import assignments as assign
    from harkop.registrations.models import EntryState
    from tests.competitions.factories import make_entry

    setup = judging_setup(entries=3, judges=1, k=1)
    coop = setup.entries[0].cooperative
    withdrawn = make_entry(setup.comp, coop.id, state="withdrawn", team="Tim Mundur")
    waiting = make_entry(setup.comp, coop.id, state="waitlisted", team="Tim Antre")
    absent = setup.entries[1]
    absent.cooperative_id = coop.id
    assign.set_attendance(setup.comp, absent.id, "no_show", "tidak datang", by="test")
    score_everything(setup, skip=lambda entry, judge: entry is absent)
    rep = make_user("coop_rep", cooperative=coop)
    db.session.commit()
    services.finalise_results(setup.comp, by="test", now=DURING)
    services.publish_results(setup.comp, by="test", now=LATER)
    db.session.commit()
    rows = {e.id: standing.value for e, _line, standing in services.results_for_cooperative(coop.id)}
    assert rows[withdrawn.id] == "withdrawn" and rows[waiting.id] == "waitlisted"
    assert rows[setup.entries[0].id] == "ranked" and rows[absent.id] == "no_show"
    assert withdrawn.state == EntryState.withdrawn
    login_as(rep)
    page = text(client.get("/koperasi-saya/hasil"))
    card = lambda team: page.split(f">{team}<", 1)[1].split("</li>", 1)[0]  # noqa: E731
    assert "tidak hadir" not in card("Tim Mundur") and "mengundurkan diri" in card("Tim Mundur")
    assert "tidak hadir" not in card("Tim Antre") and "daftar tunggu" in card("Tim Antre")
    assert "tidak hadir" in card(absent.team_name)
