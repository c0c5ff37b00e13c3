"""The update round's services: field checks, proposals and their review, verification, progress,
reminders."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from harkop.audit import AuditLog
from harkop.cooperatives import services
from harkop.cooperatives.models import AnnualFigure, Cooperative, Officer, RatRecord
from harkop.cooperatives.vocab import CoopStatus, Grade
from harkop.errors import Conflict, Forbidden, NotFound, ValidationFailed
from harkop.extensions import db
from harkop.office import rounds
from harkop.office.models import FactGroup, FactVerification, ProposalStatus, UpdateProposal, UpdateReminder
from harkop.outbox import OutboxMessage
from tests.office.conftest import NOW, PDF


def minutes(data: bytes = PDF, name: str = "ba-rat-2023.pdf") -> rounds.Upload:
    """An uploaded minutes file."""
    return rounds.Upload(BytesIO(data), name)


def rat_2023() -> dict:
    """A RAT for book year 2023 held on time."""
    return {"rat": {"book_year": 2023, "held_on": "2024-04-20", "notes": "Dihadiri 80 anggota"}}


def audit_actions(entity_type: str, entity_id) -> list[str]:
    """The audit actions recorded for one entity, oldest first."""
    stmt = (
        select(AuditLog.action)
        .where(AuditLog.entity_type == entity_type, AuditLog.entity_id == str(entity_id))
        .order_by(AuditLog.id)
    )
    return list(db.session.scalars(stmt))


# --- Field checks ------------------------------------------------------------------------------


def test_field_check_yes_findings_verify_their_fact_groups(make_cooperative, make_user):
    """A 'yes' for address, management and RAT minutes marks identity, management and RAT verified."""
    coop = make_cooperative()
    clerk = make_user("admin")
    check = rounds.record_field_check(
        coop,
        checked_on="2024-07-20",
        found_at_address=True,
        operating=True,
        management_in_place="ya",
        rat_minutes_seen=None,
        notes="Sekretariat buka.",
        by=clerk,
        now=NOW,
    )
    verified = rounds.verification_for(coop.id)
    assert set(verified) == {FactGroup.identitas, FactGroup.pengurus}
    assert verified[FactGroup.identitas].source_id == check.id
    assert check.rat_minutes_seen is None
    assert "cooperative.field_check_recorded" in audit_actions("cooperative", coop.id)


def test_field_check_no_findings_set_inactive_reasons_only_when_asked(make_cooperative):
    """'Not found at the address' sets that reason with set_reasons, and nothing without it."""
    quiet, marked = make_cooperative(), make_cooperative()
    rounds.record_field_check(quiet, checked_on="2024-07-20", found_at_address=False, by="clerk", now=NOW)
    rounds.record_field_check(
        marked,
        checked_on="2024-07-20",
        found_at_address=False,
        operating=False,
        set_reasons=True,
        by="clerk",
        now=NOW,
    )
    assert quiet.open_reasons == [] and quiet.status == CoopStatus.aktif
    assert {r.code.value for r in marked.open_reasons} == {"tidak_ditemukan_di_alamat", "tidak_ada_usaha"}
    assert marked.status == CoopStatus.tidak_aktif
    assert rounds.verification_for(marked.id) == {}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"checked_on": "2024-07-27", "found_at_address": True}, "checked_on"),
        ({"checked_on": "2024-07-20", "found_at_address": "mungkin"}, "found_at_address"),
        ({"checked_on": "2024-07-20"}, "found_at_address"),
    ],
)
def test_field_check_refuses_future_dates_unknown_answers_and_empty_visits(make_cooperative, kwargs, field):
    """A visit in the future, an answer that is not yes/no, or a visit with no finding is refused."""
    with pytest.raises(ValidationFailed) as err:
        rounds.record_field_check(make_cooperative(), by="clerk", now=NOW, **kwargs)
    assert err.value.code == "invalid_field_check"
    assert field in err.value.details["fields"]


def test_an_older_verification_never_replaces_a_newer_one(make_cooperative):
    """A field check entered late (an earlier date) leaves the newer verified-at in place."""
    coop = make_cooperative()
    rounds.record_field_check(coop, checked_on="2024-07-20", found_at_address=True, by="clerk", now=NOW)
    rounds.record_field_check(coop, checked_on="2024-03-01", found_at_address=True, by="clerk", now=NOW)
    at = rounds.verification_for(coop.id)[FactGroup.identitas].verified_at
    assert at.astimezone(rounds.clock.WITA).date() == date(2024, 7, 20)


# --- Submitting proposals --------------------------------------------------------------------------


def test_pengurus_proposes_for_their_own_cooperative_only(rep, make_cooperative):
    """Another cooperative's pengurus (or the office) cannot submit for this cooperative."""
    other = make_cooperative()
    with pytest.raises(Forbidden) as err:
        rounds.submit_proposal(other, {"confirm": ["identitas"]}, by=rep, now=NOW)
    assert err.value.code == "not_your_cooperative"
    own = db.session.get(Cooperative, rep.cooperative_id)
    with pytest.raises(Forbidden):
        rounds.submit_proposal(own, {"confirm": ["identitas"]}, by="admin", now=NOW)


def test_only_changed_profile_fields_are_kept(rep):
    """Fields equal to the registry's values are dropped; the changed ones are kept as plain values."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(
        coop,
        {
            "profile": {
                "name": coop.name,
                "kecamatan_code": "balikpapan_kota",
                "phone": "0542 123",
                "alamat": "",
            }
        },
        by=rep,
        now=NOW,
    )
    assert proposal.changes == {"profile": {"phone": "0542 123"}}
    assert proposal.status == ProposalStatus.pending
    assert audit_actions("update_proposal", proposal.id) == ["update_proposal.submitted"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "proposal"),
        ({"profile": {"nik": "6471999999999999"}}, "profile.nik"),
        ({"profile": {"kelurahan_code": "manggar"}}, "profile.kelurahan_code"),
        ({"profile": {"email": "ketua@koperasi"}}, "profile.email"),
        ({"officers": [{"position": "ketua", "name": "", "term_start": "2024-01-01"}]}, "officers.0.name"),
        (
            {"officers": [{"position": "raja", "name": "A", "term_start": "2024-01-01"}]},
            "officers.0.position",
        ),
        ({"figures": {"book_year": 2023, "aset": -5}}, "figures.aset"),
        ({"figures": {"book_year": 2023}}, "figures"),
        ({"rat": {"book_year": 2023, "held_on": "2023-12-01"}}, "rat.held_on"),
        ({"rat": {"book_year": 2023, "held_on": "2024-08-01"}}, "rat.held_on"),
        ({"confirm": ["rat"]}, "confirm"),
        ({"bonus": 1}, "bonus"),
    ],
)
def test_proposals_are_checked_with_the_registry_rules(rep, data, field):
    """Unknown or locked fields, bad officers, figures, RAT dates and empty proposals are refused by field."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    with pytest.raises(ValidationFailed) as err:
        rounds.submit_proposal(coop, data, by=rep, now=NOW)
    assert field in err.value.details["fields"]
    assert db.session.scalar(select(func.count()).select_from(UpdateProposal)) == 0


def test_a_rat_needs_its_minutes_and_minutes_need_a_rat(rep, upload_dir):
    """A RAT without minutes is refused, minutes without a RAT too, and no file is left behind."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    with pytest.raises(ValidationFailed) as err:
        rounds.submit_proposal(coop, rat_2023(), by=rep, now=NOW)
    assert "minutes" in err.value.details["fields"]
    with pytest.raises(ValidationFailed) as err:
        rounds.submit_proposal(coop, {"confirm": ["identitas"]}, minutes=minutes(), by=rep, now=NOW)
    assert "minutes" in err.value.details["fields"]
    assert not any(upload_dir.rglob("*.*"))


def test_a_refused_proposal_leaves_no_file(rep, upload_dir):
    """When the data is refused after the file was checked, the stored file is removed again."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    data = {**rat_2023(), "figures": {"book_year": 2023, "aset": "banyak"}}
    with pytest.raises(ValidationFailed):
        rounds.submit_proposal(coop, data, minutes=minutes(), by=rep, now=NOW)
    assert not any(upload_dir.rglob("*.*"))


def test_a_proposal_with_rat_stores_the_minutes_under_a_generated_name(rep, upload_dir):
    """The minutes are stored as <32 hex>.pdf with their hash; the user's name is kept for display only."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(coop, rat_2023(), minutes=minutes(), by=rep, now=NOW)
    assert proposal.minutes_name == "ba-rat-2023.pdf"
    assert proposal.minutes_type == "application/pdf"
    files = list(upload_dir.rglob("*.pdf"))
    assert [f.name for f in files] == [proposal.minutes_file]
    assert len(proposal.minutes_file) == 36 and files[0].read_bytes() == PDF


# --- Reading -------------------------------------------------------------------------------------


def test_a_pengurus_never_sees_another_cooperatives_proposal(rep, make_user):
    """get_proposal answers not found to another cooperative's pengurus, and lists hold only their own."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(coop, {"confirm": ["identitas"]}, by=rep, now=NOW)
    stranger = make_user("coop_rep")
    with pytest.raises(NotFound):
        rounds.get_proposal(proposal.id, viewer=stranger)
    assert db.session.scalars(rounds.proposals_query(viewer=stranger)).all() == []
    assert rounds.get_proposal(proposal.id, viewer=make_user("admin")) is proposal
    judge = make_user("judge")
    assert db.session.scalars(rounds.proposals_query(viewer=judge)).all() == []


# --- Deciding ------------------------------------------------------------------------------------


def full_proposal(rep) -> UpdateProposal:
    """A proposal touching every group: RAT with minutes, figures, a new chairman, an address."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    for year in (2021, 2022):
        services.record_rat(coop, book_year=year, held_on=f"{year + 1}-05-01", by="clerk", now=NOW)
    assert coop.grade == Grade.b
    data = {
        **rat_2023(),
        "figures": {"book_year": 2023, "anggota_pria": 40, "anggota_wanita": 55, "aset": 350_000_000},
        "officers": [
            {"position": "ketua", "name": "Siti Aminah", "phone": "0812", "term_start": "2024-04-20"}
        ],
        "profile": {"alamat": "Jl. Ahmad Yani No. 5", "kelurahan_code": "klandasan_ulu"},
        "note": "Hasil RAT 2024",
    }
    return rounds.submit_proposal(coop, data, minutes=minutes(), by=rep, now=NOW)


def test_approval_applies_everything_through_the_registry(rep, make_user):
    """Approving records the RAT (grade moves to A), figures, the officer and the address, audited."""
    proposal = full_proposal(rep)
    admin = make_user("admin")
    rounds.approve_proposal(proposal, by=admin, now=NOW + timedelta(hours=2))
    coop = db.session.get(Cooperative, rep.cooperative_id)
    assert proposal.status == ProposalStatus.approved and proposal.decided_by_name == admin.username
    assert {r.book_year for r in coop.rat_records} == {2021, 2022, 2023}
    assert coop.grade == Grade.a
    assert coop.alamat == "Jl. Ahmad Yani No. 5" and coop.kelurahan_code == "klandasan_ulu"
    figure = db.session.scalar(select(AnnualFigure).where(AnnualFigure.cooperative_id == coop.id))
    assert (figure.book_year, figure.aset) == (2023, 350_000_000)
    assert db.session.scalar(select(Officer.name).where(Officer.cooperative_id == coop.id)) == "Siti Aminah"
    assert set(rounds.verification_for(coop.id)) == set(FactGroup)
    assert audit_actions("update_proposal", proposal.id) == [
        "update_proposal.submitted",
        "update_proposal.approved",
    ]
    history = audit_actions("cooperative", coop.id)
    for action in (
        "cooperative.rat_recorded",
        "cooperative.figures_recorded",
        "cooperative.officer_recorded",
    ):
        assert action in history
    assert "cooperative.updated" in history


def test_approval_notifies_the_proposer_in_app_and_by_email(rep, make_user):
    """The pengurus gets one outbox message, tied to their account and to their e-mail address."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(coop, {"confirm": ["pengurus"]}, by=rep, now=NOW)
    rounds.approve_proposal(proposal, by=make_user("admin"), now=NOW)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == rep.id))
    assert message.kind == "update_proposal.approved"
    assert message.to_address == "pengurus@example.org"
    assert message.link == f"/koperasi-saya/pemutakhiran/{proposal.id}"


def test_a_failed_approval_leaves_the_registry_unchanged(rep, make_user):
    """When the last change is refused (the office moved the cooperative since), nothing is applied."""
    proposal = full_proposal(rep)
    coop = db.session.get(Cooperative, rep.cooperative_id)
    # The office changes the kecamatan meanwhile: the proposed kelurahan no longer lies in it.
    services.update_cooperative(coop, {"kecamatan_code": "balikpapan_utara"}, by="clerk", now=NOW)
    admin = make_user("admin")
    db.session.commit()
    audit_before = db.session.scalar(select(func.count()).select_from(AuditLog))
    with pytest.raises(ValidationFailed) as err:
        rounds.approve_proposal(proposal, by=admin, now=NOW)
    assert err.value.code == "proposal_apply_failed"
    assert err.value.details["cause"] == "invalid_cooperative"
    db.session.rollback()
    coop = db.session.get(Cooperative, rep.cooperative_id)
    assert {r.book_year for r in coop.rat_records} == {2021, 2022}
    assert coop.grade == Grade.b
    assert db.session.scalar(select(func.count()).select_from(AnnualFigure)) == 0
    assert db.session.scalar(select(func.count()).select_from(Officer)) == 0
    assert coop.alamat is None
    assert db.session.get(UpdateProposal, proposal.id).status == ProposalStatus.pending
    assert rounds.verification_for(coop.id) == {}
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audit_before


def test_a_failed_approval_keeps_the_registry_even_without_the_callers_rollback(rep, make_user):
    """The approval's own savepoint undoes the RAT it recorded before the refusal."""
    proposal = full_proposal(rep)
    coop = db.session.get(Cooperative, rep.cooperative_id)
    services.update_cooperative(coop, {"kecamatan_code": "balikpapan_utara"}, by="clerk", now=NOW)
    with pytest.raises(ValidationFailed):
        rounds.approve_proposal(proposal, by=make_user("admin"), now=NOW)
    assert (
        db.session.scalar(
            select(func.count()).select_from(RatRecord).where(RatRecord.cooperative_id == coop.id)
        )
        == 2
    )
    assert db.session.get(UpdateProposal, proposal.id).status == ProposalStatus.pending


def test_a_proposal_is_decided_once(rep, make_user):
    """Approving or rejecting a decided proposal is a coded conflict."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(coop, {"confirm": ["identitas"]}, by=rep, now=NOW)
    admin = make_user("admin")
    rounds.reject_proposal(proposal, reason="Data belum lengkap", by=admin, now=NOW)
    with pytest.raises(Conflict) as err:
        rounds.approve_proposal(proposal, by=admin, now=NOW)
    assert err.value.code == "proposal_decided"
    with pytest.raises(Conflict):
        rounds.reject_proposal(proposal, reason="Sekali lagi", by=admin, now=NOW)


def test_rejection_needs_a_reason_and_changes_nothing(rep, make_user):
    """A reason is required; a rejection notifies the pengurus with it and leaves the registry alone."""
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(coop, {"profile": {"phone": "0542 1"}}, by=rep, now=NOW)
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as err:
        rounds.reject_proposal(proposal, reason="  ", by=admin, now=NOW)
    assert err.value.code == "reason_required"
    rounds.reject_proposal(proposal, reason="Nomor tidak dapat dihubungi", by=admin, now=NOW)
    assert coop.phone is None
    assert proposal.reason == "Nomor tidak dapat dihubungi"
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == rep.id))
    assert "Nomor tidak dapat dihubungi" in message.body
    assert audit_actions("update_proposal", proposal.id)[-1] == "update_proposal.rejected"


# --- Progress and reminders ------------------------------------------------------------------------


def test_progress_counts_active_cooperatives_verified_this_year_by_kecamatan(make_cooperative):
    """Only active cooperatives count; a verification of last year does not; inactive ones are left out."""
    done = make_cooperative(kecamatan_code="balikpapan_timur")
    make_cooperative(kecamatan_code="balikpapan_timur")
    old = make_cooperative(kecamatan_code="balikpapan_barat")
    gone = make_cooperative(kecamatan_code="balikpapan_barat", status=CoopStatus.tidak_aktif)
    make_cooperative()
    rounds.record_field_check(done, checked_on="2024-02-01", found_at_address=True, by="clerk", now=NOW)
    rounds.record_field_check(old, checked_on="2023-11-01", found_at_address=True, by="clerk", now=NOW)
    rounds.record_field_check(
        gone, checked_on="2024-02-01", operating=True, management_in_place=True, by="c", now=NOW
    )
    progress = rounds.round_progress(year=2024)
    rows = {r.kecamatan: r for r in progress.rows}
    assert (rows["balikpapan_timur"].active, rows["balikpapan_timur"].verified) == (2, 1)
    assert (rows["balikpapan_barat"].active, rows["balikpapan_barat"].verified) == (1, 0)
    assert rows[None].active >= 1
    missing = db.session.scalars(rounds.missing_query(year=2024, kecamatan="balikpapan_timur")).all()
    assert done not in missing and len(missing) == 1
    assert old in db.session.scalars(rounds.missing_query(year=2024, kecamatan="balikpapan_barat")).all()


def test_reminders_go_once_a_week_to_the_pengurus_of_missing_cooperatives(rep, make_user, make_cooperative):
    """A second run in the same week sends nothing; the next week sends again; verified ones get none."""
    done = make_cooperative()
    make_user("coop_rep", cooperative=done)
    rounds.record_field_check(done, checked_on="2024-07-01", found_at_address=True, by="clerk", now=NOW)
    make_cooperative()  # missing but without any pengurus account: nobody to remind
    first = rounds.send_round_reminders(now=NOW)
    again = rounds.send_round_reminders(now=NOW + timedelta(days=1))
    next_week = rounds.send_round_reminders(now=NOW + timedelta(days=7))
    assert first == {"cooperatives": 1, "messages": 1}
    assert again == {"cooperatives": 0, "messages": 0}
    assert next_week == {"cooperatives": 1, "messages": 1}
    weeks = db.session.scalars(
        select(UpdateReminder.week).where(UpdateReminder.cooperative_id == rep.cooperative_id)
    )
    assert sorted(weeks) == ["2024-W30", "2024-W31"]
    kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.user_id == rep.id)).all()
    assert kinds == ["update_round.reminder", "update_round.reminder"]


def test_verified_at_rows_are_one_per_group(make_cooperative):
    """However often a group is verified, one row per cooperative and group holds the latest."""
    coop = make_cooperative()
    for day in ("2024-01-05", "2024-05-05", "2024-03-05"):
        rounds.record_field_check(coop, checked_on=day, found_at_address=True, by="clerk", now=NOW)
    count = db.session.scalar(
        select(func.count()).select_from(FactVerification).where(FactVerification.cooperative_id == coop.id)
    )
    assert count == 1
