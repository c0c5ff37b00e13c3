"""Safe redirects (issue 17, item 3): every `next` goes only to a path on this site."""

from __future__ import annotations

import pytest

from harkop.redirects import safe_next

OFF_SITE = [
    "//evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    "/%09/evil.com",
    "/%0a/evil.com",
    "/%0d%0aSet-Cookie:x=1",
    "/%2509/evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/%5Cevil.com",
    "/%5C%5Cevil.com",
    "%2F%2Fevil.com",
    "/%2F/evil.com",
    "https://evil.com",
    "http:/evil.com",
    "javascript:alert(1)",
    " /admin",
    "/admin\x00",
    "/\u202e/moc.live",
    "evil.com",
    "",
    None,
    42,
]

LOCAL = ["/", "/admin", "/koperasi?q=maju&kecamatan=balikpapan_kota", "/lomba/3/daftar", "/koperasi?q=a%20b"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_and_control_character_targets_are_refused(target):
    """Is every scheme, host, backslash, control character or encoded variant refused?"""
    assert safe_next(target) is None
    assert safe_next(target, "/") == "/"


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_pass_unchanged(target):
    """Does a plain path on this site (with its query) pass as it is?"""
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["/%09/evil.com", "/%0a/evil.com", "/%5Cevil.com", "//evil.com"])
def test_login_never_redirects_off_site_or_fails(client, make_user, target):
    """Reproduction: /masuk?next=/%09/evil.com answered `Location: //evil.com`, and /%0a… a 500.
    After login, is the user sent home instead?"""
    user = make_user("admin", password="rahasia123")
    response = client.post(
        f"/masuk?next={target}", data={"username": user.username, "password": "rahasia123"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin"


def test_login_keeps_a_local_next(client, make_user):
    """A local `next` is still followed after login."""
    user = make_user("admin", password="rahasia123")
    response = client.post(
        "/masuk?next=/admin/koperasi", data={"username": user.username, "password": "rahasia123"}
    )
    assert response.headers["Location"] == "/admin/koperasi"


@pytest.mark.parametrize("target", ["/\t/evil.com", "/\n/evil.com", "//evil.com", "/\\evil.com"])
def test_the_language_switch_never_redirects_off_site(client, target):
    """Reproduction: /bahasa had the same gap. Does it go to / instead?"""
    response = client.post("/bahasa", data={"lang": "en", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_language_switch_returns_to_the_page(client):
    """The language switch still returns to the page it was pressed on."""
    response = client.post("/bahasa", data={"lang": "en", "next": "/koperasi?q=maju"})
    assert response.headers["Location"] == "/koperasi?q=maju"
