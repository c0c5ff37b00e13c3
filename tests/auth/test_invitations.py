"""Invitation links for a cooperative's pengurus: single use, expiring, sent via the outbox."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from harkop import clock
from harkop.auth import services
from harkop.auth.models import Role, User
from harkop.errors import ValidationFailed
from harkop.extensions import db
from harkop.outbox import OutboxMessage


def _secret(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_invitation_creates_a_coop_rep_of_that_cooperative(client, make_user, make_cooperative):
    """Following the link creates a coop_rep tied to the invited cooperative, logged in."""
    admin = make_user("admin")
    coop = make_cooperative()
    _inv, link = services.create_invitation(coop.nik, by=admin, name="Bu Sari", base_url="http://x")
    response = client.post(
        f"/undangan/{_secret(link)}",
        data={"username": "bu.sari", "password": "rahasia123", "display_name": "Bu Sari"},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "bu.sari"))
    assert user.role == Role.coop_rep and user.cooperative_id == coop.id
    assert client.get("/koperasi-saya").status_code == 200


def test_invitation_is_single_use(client, make_user, make_cooperative):
    """A used link is refused the second time with its own message."""
    admin = make_user("admin")
    _inv, link = services.create_invitation(make_cooperative().nik, by=admin)
    secret = _secret(link)
    services.accept_invitation(secret, username="pertama", password="rahasia123")
    with pytest.raises(services.DomainError) as err:
        services.accept_invitation(secret, username="kedua", password="rahasia123")
    assert err.value.code == "invitation_used"
    response = client.get(f"/undangan/{secret}")
    assert response.status_code == 410
    assert "sudah dipakai" in response.get_data(as_text=True)


def test_invitation_expires(make_user, make_cooperative):
    """After its hours run out the link is refused as expired."""
    admin = make_user("admin")
    now = clock.now()
    _inv, link = services.create_invitation(make_cooperative().nik, by=admin, hours=1, now=now)
    with pytest.raises(services.DomainError) as err:
        services.accept_invitation(
            _secret(link), username="telat", password="rahasia123", now=now + timedelta(hours=1, seconds=1)
        )
    assert err.value.code == "invitation_expired"


def test_invitation_link_goes_through_the_outbox(make_user, make_cooperative):
    """The link is queued in the outbox so it can be sent or passed on."""
    admin = make_user("admin")
    _inv, link = services.create_invitation(
        make_cooperative().nik, by=admin, email="ketua@example.org", base_url="http://x"
    )
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "invitation"))
    assert message.link == link and message.to_address == "ketua@example.org"


def test_an_invitation_needs_a_valid_email_and_stores_it_normalised(make_user, make_cooperative):
    """Is an invitation to a bad address refused with invalid_email, and a good one kept normalised?"""
    admin, nik = make_user("admin"), make_cooperative().nik
    with pytest.raises(ValidationFailed) as err:
        services.create_invitation(nik, by=admin, email="ketua@koperasi.id>", base_url="http://x")
    assert err.value.code == "invalid_email" and err.value.details == {"field": "email"}
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "invitation")) is None
    invitation, _link = services.create_invitation(
        nik, by=admin, email="Ketua@Koperasi.ID", base_url="http://x"
    )
    assert invitation.email == "Ketua@koperasi.id"


def test_admin_page_shows_the_link(client, login_as, make_cooperative):
    """The office sees the link at once, to pass it on by WhatsApp."""
    login_as("admin")
    coop = make_cooperative()
    response = client.post("/admin/undangan", data={"cooperative_nik": coop.nik, "name": "Pak Budi"})
    assert response.status_code == 200
    assert "/undangan/" in response.get_data(as_text=True)


def test_invitation_for_unknown_cooperative_is_refused(client, login_as):
    """An unknown NIK is named in the error and nothing is created."""
    login_as("admin")
    response = client.post("/admin/undangan", data={"cooperative_nik": "1234567890123456"})
    assert response.status_code == 422
    assert "1234567890123456" in response.get_data(as_text=True)


def test_only_the_secret_hash_is_stored(make_user, make_cooperative):
    """The link's secret is not stored in the database."""
    admin = make_user("admin")
    inv, link = services.create_invitation(make_cooperative().nik, by=admin)
    assert _secret(link) not in inv.token_hash
