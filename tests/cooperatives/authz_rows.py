"""Authorization rows for the registry: admin pages, public directory and profile, the API."""

from tests.authz import admin_only, public

NIK = lambda f: f.cooperative().nik  # noqa: E731


def _reason(f):
    from harkop.cooperatives.services import set_inactive_reason

    coop = f.cooperative()
    return f.cached("reason", lambda: set_inactive_reason(coop, "tidak_melapor", by="test"))


def _import_job(f) -> int:
    """A finished background import's id (made once per test)."""

    def make():
        from harkop import clock
        from harkop.cooperatives.models import ImportJob
        from harkop.extensions import db

        job = ImportJob(
            status="done", filename="besar.csv", stored_name="x.csv", fmt="csv", created_at=clock.now()
        )
        db.session.add(job)
        db.session.commit()
        return job.id

    return f.cached("import-job", make)


ROWS = [
    admin_only("cooperatives.admin_list", "/admin/koperasi"),
    admin_only("cooperatives.admin_new", "/admin/koperasi/baru"),
    admin_only("cooperatives.admin_new", "/admin/koperasi/baru", method="POST", data={"nik": ""}),
    admin_only("cooperatives.admin_detail", lambda f: f"/admin/koperasi/{NIK(f)}"),
    admin_only("cooperatives.admin_edit", lambda f: f"/admin/koperasi/{NIK(f)}/ubah"),
    admin_only(
        "cooperatives.admin_edit", lambda f: f"/admin/koperasi/{NIK(f)}/ubah", method="POST", data={"nik": ""}
    ),
    admin_only("cooperatives.admin_rat", lambda f: f"/admin/koperasi/{NIK(f)}/rat"),
    admin_only("cooperatives.admin_rat", lambda f: f"/admin/koperasi/{NIK(f)}/rat", method="POST", data={}),
    admin_only("cooperatives.admin_assessment", lambda f: f"/admin/koperasi/{NIK(f)}/penilaian"),
    admin_only(
        "cooperatives.admin_assessment",
        lambda f: f"/admin/koperasi/{NIK(f)}/penilaian",
        method="POST",
        data={},
    ),
    admin_only(
        "cooperatives.admin_assessment_indicators", lambda f: f"/admin/koperasi/{NIK(f)}/penilaian/indikator"
    ),
    admin_only(
        "cooperatives.admin_assessment_indicators",
        lambda f: f"/admin/koperasi/{NIK(f)}/penilaian/indikator",
        method="POST",
        data={},
    ),
    admin_only("cooperatives.admin_reason", lambda f: f"/admin/koperasi/{NIK(f)}/alasan"),
    admin_only(
        "cooperatives.admin_reason", lambda f: f"/admin/koperasi/{NIK(f)}/alasan", method="POST", data={}
    ),
    admin_only(
        "cooperatives.admin_reason_clear",
        lambda f: f"/admin/koperasi/{NIK(f)}/alasan/{_reason(f).id}/cabut",
        method="POST",
    ),
    admin_only("cooperatives.admin_officer", lambda f: f"/admin/koperasi/{NIK(f)}/pengurus"),
    admin_only(
        "cooperatives.admin_officer", lambda f: f"/admin/koperasi/{NIK(f)}/pengurus", method="POST", data={}
    ),
    admin_only("cooperatives.admin_figures", lambda f: f"/admin/koperasi/{NIK(f)}/angka-tahunan"),
    admin_only(
        "cooperatives.admin_figures",
        lambda f: f"/admin/koperasi/{NIK(f)}/angka-tahunan",
        method="POST",
        data={},
    ),
    admin_only("cooperatives.admin_history", lambda f: f"/admin/koperasi/{NIK(f)}/riwayat"),
    admin_only("cooperatives.admin_recompute", "/admin/koperasi/hitung-ulang", method="POST"),
    admin_only("cooperatives.admin_import", "/admin/koperasi/impor"),
    admin_only("cooperatives.admin_import", "/admin/koperasi/impor", method="POST", data={}),
    admin_only("cooperatives.admin_import_job", lambda f: f"/admin/koperasi/impor/{_import_job(f)}"),
    admin_only(
        "cooperatives.admin_import_job_status", lambda f: f"/admin/koperasi/impor/{_import_job(f)}/status"
    ),
    admin_only("cooperatives.admin_export", "/admin/koperasi/ekspor?format=csv"),
    admin_only("cooperatives.admin_import_template", "/admin/koperasi/impor/templat.xlsx"),
]

ROWS += [
    public("cooperatives.directory", "/koperasi?q=koperasi&status=aktif"),
    public("cooperatives.profile", lambda f: f"/koperasi/{NIK(f)}"),
]

# The API: reading is public, writing is the office's.
ROWS += [
    public("api.cooperatives_list", "/api/v1/cooperatives?q=koperasi"),
    public("api.cooperative_detail", lambda f: f"/api/v1/cooperatives/{NIK(f)}"),
    admin_only(
        "api.cooperative_add_assessment",
        lambda f: f"/api/v1/cooperatives/{NIK(f)}/assessments",
        method="POST",
        json={"book_year": 2023, "examined_on": "2024-05-14", "aspects": {"tata_kelola": 80}},
    ),
    admin_only(
        "api.cooperative_record_rat",
        lambda f: f"/api/v1/cooperatives/{NIK(f)}/rat",
        method="POST",
        json={"book_year": 2023, "held_on": "2024-04-20"},
    ),
]
