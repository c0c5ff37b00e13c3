"""The office's user management pages."""

from sqlalchemy import select

from harkop.audit import AuditLog
from harkop.auth.models import Role, User
from harkop.extensions import db


def test_admin_creates_a_judge(client, login_as):
    """The office creates an account; the generated password is shown once."""
    login_as("admin")
    response = client.post(
        "/admin/pengguna/baru", data={"username": "juri.baru", "role": "judge", "display_name": "Juri Baru"}
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "juri.baru"))
    assert user.role == Role.judge
    page = client.get("/admin/pengguna").get_data(as_text=True)
    assert "Kata sandi awal" in page


def test_coop_rep_needs_a_cooperative(client, login_as):
    """A coop_rep without a cooperative NIK is refused with the error at the field."""
    login_as("admin")
    response = client.post("/admin/pengguna/baru", data={"username": "pengurus.x", "role": "coop_rep"})
    assert response.status_code == 422
    assert "harus terhubung ke satu koperasi" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "pengurus.x")) is None


def test_coop_rep_with_unknown_nik_is_refused(client, login_as):
    """An unknown cooperative NIK is named in the error."""
    login_as("admin")
    response = client.post(
        "/admin/pengguna/baru",
        data={"username": "pengurus.y", "role": "coop_rep", "cooperative_nik": "9999999999999999"},
    )
    assert response.status_code == 422
    assert "9999999999999999" in response.get_data(as_text=True)


def test_an_email_too_long_for_the_column_is_refused_at_its_field(client, login_as):
    """Is a well-formed address longer than the 200-character column a 422 at the field, not a 500?"""
    login_as("admin")
    email = "k" * 60 + "." + "k" * 140 + "@koperasi.id"  # the form's Email accepts it; the column cannot
    response = client.post(
        "/admin/pengguna/baru", data={"username": "juri.panjang", "role": "judge", "email": email}
    )
    assert response.status_code == 422
    assert "Alamat e-mail tidak valid." in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "juri.panjang")) is None


def test_duplicate_username_is_refused(client, login_as, make_user):
    """A taken username gets an error, not a 500."""
    login_as("admin")
    make_user("judge", username="sama")
    response = client.post("/admin/pengguna/baru", data={"username": "sama", "role": "judge"})
    assert response.status_code == 422
    assert "sudah dipakai" in response.get_data(as_text=True)


def test_deactivate_from_the_page_is_audited(client, login_as, make_user):
    """Deactivating through the page works and leaves an audit entry with before and after."""
    admin = login_as("admin")
    judge = make_user("judge")
    response = client.post(f"/admin/pengguna/{judge.id}/nonaktifkan")
    assert response.status_code == 302
    db.session.refresh(judge)
    assert not judge.active
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.action == "user.deactivate", AuditLog.entity_id == str(judge.id))
    )
    assert entry.actor_id == admin.id
    assert entry.before["active"] is True and entry.after["active"] is False


def test_reset_password_from_the_page(client, login_as, make_user):
    """The page shows the new password once."""
    login_as("admin")
    judge = make_user("judge")
    response = client.post(f"/admin/pengguna/{judge.id}/reset-sandi", follow_redirects=True)
    assert f"Kata sandi baru untuk {judge.username}" in response.get_data(as_text=True)


def test_unknown_user_id_is_404(client, login_as):
    """Acting on a user that does not exist is a 404."""
    login_as("admin")
    assert client.post("/admin/pengguna/999999/nonaktifkan").status_code == 404
