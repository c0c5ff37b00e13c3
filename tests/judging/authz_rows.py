"""Authorization rows for the judging pages and API.

The test's `judge` user is the head judge of the competition in the fixture and is assigned to its
entry, so "ok" for a judge on the monitor, unlock and finalise means "the head judge of this
competition"; another judge is refused by the same views (tests/judging/test_pages.py and test_api.py).
The entry belongs to the test's `coop_rep`'s cooperative, so "ok" for a coop_rep on a certificate
means their own entry.
"""

from __future__ import annotations

from sqlalchemy import select

from harkop.extensions import db
from harkop.judging import services
from harkop.judging.assignments import assign_judge
from tests.authz import admin_only, only, public
from tests.competitions.factories import make_entry
from tests.judging.factories import DURING, LATER, full_scores, judging_setup


def _judging(f):
    """A competition under judging: the test's judge is its head judge and on the coop_rep's entry."""

    def make():
        setup = judging_setup(entries=1, judges=1, k=1)
        judge = f.user("judge")
        services.add_judge(setup.comp, judge, head=True, by="test")
        entry = make_entry(setup.comp, f.user("coop_rep").cooperative_id, team="Tim Pengurus")
        assign_judge(setup.comp, entry.id, judge.id, by="test")
        setup.entries.append(entry)
        setup.judges.insert(0, judge)
        db.session.flush()
        return setup

    return f.cached("judging", make)


def _comp_id(f):
    return _judging(f).comp.id


def _entry_id(f):
    return _judging(f).entries[-1].id


def _other_judge_id(f):
    return _judging(f).judges[1].id


def _published(f):
    """A published competition with an entry of the coop_rep's cooperative."""

    def make():
        setup = judging_setup(entries=1, judges=1, k=1)
        entry = make_entry(setup.comp, f.user("coop_rep").cooperative_id, team="Tim Juara")
        assign_judge(setup.comp, entry.id, setup.judges[0].id, by="test")
        setup.entries.append(entry)
        for e in setup.entries:
            services.save_scorecard(
                e.id,
                judge=setup.judges[0],
                scores=full_scores(setup.comp, 7),
                submit=True,
                revision=1,
                now=DURING,
            )
        services.finalise_results(setup.comp, by="test", now=DURING)
        services.publish_results(setup.comp, by="test", now=LATER)
        db.session.flush()
        return setup

    return f.cached("published", make)


def _certificate_code(f):
    """The code of a valid certificate of the published competition."""
    from harkop.judging.certificates import valid_certificates

    return valid_certificates(_published(f).comp)[0].code


def _card_id(f):
    """A scorecard of the published competition (its history is the office's only)."""
    from harkop.judging.models import Scorecard

    return db.session.scalar(select(Scorecard.id).where(Scorecard.competition_id == _published(f).comp.id))


def _results_url(f):
    comp = _published(f).comp
    return f"/hasil/{comp.event.slug}/{comp.slug}"


OFFICE_AND_HEAD = {"admin", "judge"}
REASON = {"reason": "alasan yang cukup"}

ROWS = [
    # --- the office -------------------------------------------------------------------------
    admin_only("judging.admin_monitor", "/admin/penilaian"),
    admin_only("judging.panel", lambda f: f"/admin/penilaian/{_comp_id(f)}/juri"),
    admin_only("judging.panel", lambda f: f"/admin/penilaian/{_comp_id(f)}/juri", method="POST", data={}),
    admin_only(
        "judging.panel_head",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/juri/{_other_judge_id(f)}/ketua",
        method="POST",
        data={},
    ),
    admin_only(
        "judging.panel_remove",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/juri/{_other_judge_id(f)}/hapus",
        method="POST",
        data={},
    ),
    admin_only(
        "judging.affiliation_add",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/juri/{_other_judge_id(f)}/afiliasi",
        method="POST",
        data={"nik": "123"},
    ),
    admin_only(
        "judging.affiliation_remove",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/juri/{_other_judge_id(f)}/afiliasi/999999/hapus",
        method="POST",
        data={},
    ),
    admin_only(
        "judging.settings",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/pengaturan",
        method="POST",
        data={"discrepancy_threshold": "15"},
    ),
    admin_only("judging.assignments", lambda f: f"/admin/penilaian/{_comp_id(f)}/penugasan"),
    admin_only(
        "judging.assign_auto",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/penugasan/otomatis",
        method="POST",
        data={},
    ),
    admin_only(
        "judging.assign_add",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/penugasan/{_entry_id(f)}/tambah",
        method="POST",
        data={"judge_id": "0"},
    ),
    admin_only(
        "judging.assign_remove",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/penugasan/{_entry_id(f)}/juri/{_other_judge_id(f)}/hapus",
        method="POST",
        data={},
    ),
    admin_only(
        "judging.attendance_auto",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/kehadiran",
        method="POST",
        data={},
    ),
    admin_only(
        "judging.attendance_set",
        lambda f: f"/admin/penilaian/{_comp_id(f)}/kehadiran/{_entry_id(f)}",
        method="POST",
        data={"status": "present", "reason": "hadir, dicek panitia"},
    ),
    admin_only("judging.publish", lambda f: f"/penilaian/{_comp_id(f)}/umumkan", method="POST", data={}),
    admin_only("judging.correct", lambda f: f"/penilaian/{_comp_id(f)}/koreksi", method="POST", data=REASON),
    # --- head judge and office -------------------------------------------------------------
    only("judging.monitor", lambda f: f"/penilaian/{_comp_id(f)}/pantau", OFFICE_AND_HEAD),
    only("judging.paper_entry", lambda f: f"/penilaian/{_comp_id(f)}/kertas", OFFICE_AND_HEAD),
    only(
        "judging.paper_entry",
        lambda f: f"/penilaian/{_comp_id(f)}/kertas",
        OFFICE_AND_HEAD,
        method="POST",
        data={"juri": "0"},
    ),
    only(
        "judging.score_sheet",
        lambda f: f"/penilaian/{_comp_id(f)}/lembar/{_judging(f).judges[0].id}.pdf",
        OFFICE_AND_HEAD,
    ),
    only(
        "judging.unlock",
        lambda f: f"/penilaian/{_comp_id(f)}/buka/{_entry_id(f)}/{_other_judge_id(f)}",
        OFFICE_AND_HEAD,
        method="POST",
        data=REASON,
    ),
    only(
        "judging.finalise",
        lambda f: f"/penilaian/{_comp_id(f)}/tetapkan",
        OFFICE_AND_HEAD,
        method="POST",
        data={},
    ),
    only("judging.snapshot", lambda f: f"/penilaian/{_comp_id(f)}/hasil/1", OFFICE_AND_HEAD),
    # --- judges' tablets -------------------------------------------------------------------
    only("judging.judge_home", "/juri", {"judge"}),
    public("judging.service_worker", "/juri/sw.js"),
    only("judging.score_entry", lambda f: f"/juri/penilaian/entri/{_entry_id(f)}", {"judge"}),
    only(
        "judging.score_entry",
        lambda f: f"/juri/penilaian/entri/{_entry_id(f)}",
        {"judge"},
        method="POST",
        data={"aksi": "simpan", "revisi": "1"},
    ),
    # --- public results and a cooperative's certificates ------------------------------------
    public("judging.results_index", "/hasil"),
    public("judging.results_page", _results_url),
    public("judging.results_version", lambda f: _results_url(f) + "/versi/1"),
    only("judging.my_results", "/koperasi-saya/hasil", {"coop_rep"}),
    only(
        "judging.certificate",
        lambda f: f"/piagam/{_published(f).entries[-1].id}.pdf",
        {"coop_rep", "admin"},
    ),
    admin_only(
        "judging.competition_certificates", lambda f: f"/admin/penilaian/{_published(f).comp.id}/piagam.pdf"
    ),
    admin_only(
        "judging.competition_certificates",
        lambda f: f"/admin/penilaian/{_published(f).comp.id}/piagam.pdf",
        method="POST",
        data={},
        note="queues the certificates as a background job",
    ),
    public("judging.verify_form", "/verifikasi"),
    public("judging.verify_certificate", lambda f: f"/verifikasi/{_certificate_code(f)}"),
    # --- API ---------------------------------------------------------------------------------
    admin_only(
        "api.competition_add_judge",
        lambda f: f"/api/v1/competitions/{_comp_id(f)}/judges",
        method="POST",
        json={"username": "tidak-ada"},
    ),
    admin_only(
        "api.competition_auto_assign",
        lambda f: f"/api/v1/competitions/{_comp_id(f)}/assignments",
        method="POST",
    ),
    only("api.judge_assignments", "/api/v1/judging/assignments", {"judge"}),
    only(
        "api.scorecard_put",
        lambda f: f"/api/v1/scorecards/{_entry_id(f)}",
        {"judge"},
        method="PUT",
        json={"scores": {}, "revision": 1},
    ),
    only(
        "api.scorecard_refusal",
        lambda f: f"/api/v1/scorecards/{_entry_id(f)}/refusals",
        {"judge"},
        method="POST",
        json={"scores": {"1": 3}, "code": "scorecard_finalised", "reason": "Nilai ini sudah final."},
    ),
    only(
        "api.scorecard_unlock",
        lambda f: f"/api/v1/scorecards/{_entry_id(f)}/unlock",
        OFFICE_AND_HEAD,
        method="POST",
        json={"judge": "tidak-ada", "reason": "alasan yang cukup"},
    ),
    only(
        "api.competition_finalise",
        lambda f: f"/api/v1/competitions/{_comp_id(f)}/finalise",
        OFFICE_AND_HEAD,
        method="POST",
    ),
    admin_only(
        "api.competition_publish", lambda f: f"/api/v1/competitions/{_comp_id(f)}/publish", method="POST"
    ),
    admin_only(
        "api.competition_correct",
        lambda f: f"/api/v1/competitions/{_comp_id(f)}/results/corrections",
        method="POST",
        json=REASON,
    ),
    public("api.competition_results", lambda f: f"/api/v1/competitions/{_published(f).comp.id}/results"),
    admin_only("judging.scorecard_history", lambda f: f"/admin/penilaian/kartu/{_card_id(f)}/riwayat"),
]


def _display_key(f):
    """A display key made by the office."""
    from harkop.judging import screen

    return f.cached("display_key", lambda: screen.issue_key("Layar uji", by=None)[0])


# The venue's big screen (issue 20): public slides; the office's display keys.
ROWS += [
    public("judging.screen_page", "/layar"),
    public("judging.screen_json", "/layar/data.json"),
    admin_only("judging.screen_keys", "/admin/layar"),
    admin_only("judging.screen_keys", "/admin/layar", method="POST", data={"label": "Layar uji"}),
    admin_only(
        "judging.screen_key_revoke", lambda f: f"/admin/layar/{_display_key(f).id}/cabut", method="POST"
    ),
]
