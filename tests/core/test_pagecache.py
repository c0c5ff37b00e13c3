"""Public pages kept for anonymous visitors: drawn once per data version, a token per visitor,
gzip without recompressing, ETag answered with 304, never for a logged-in user."""

from __future__ import annotations

import gzip
import re

import pytest

from harkop import pagecache
from harkop.audit import record_audit
from harkop.extensions import db

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def counted(monkeypatch):
    """Count how often the statistics page is drawn; the data version is read on every request."""
    from harkop.office import public_views

    calls = []
    original = public_views.figure_charts

    def figure_charts(figures):
        calls.append(1)
        return original(figures)

    monkeypatch.setattr(public_views, "figure_charts", figure_charts)
    monkeypatch.setattr(pagecache, "VERSION_TTL", 0.0)
    return calls


def test_anonymous_visitors_share_one_drawing_each_with_their_own_token(app, counted):
    """Two new visitors: the page is drawn once, each gets a different CSRF token in the same page."""
    first, second = app.test_client().get("/statistik"), app.test_client().get("/statistik")
    assert first.status_code == second.status_code == 200
    assert len(counted) == 1
    a, b = TOKEN.search(first.get_data(as_text=True)), TOKEN.search(second.get_data(as_text=True))
    assert a.group(1) != b.group(1)
    assert TOKEN.sub("", first.get_data(as_text=True)) == TOKEN.sub("", second.get_data(as_text=True))
    assert first.headers["ETag"] == second.headers["ETag"] and first.headers["ETag"].startswith('W/"')


def test_a_change_draws_the_page_again(app, counted):
    """A new audit entry (any change) is a new data version: the next visitor gets a new drawing."""
    app.test_client().get("/statistik")
    record_audit("test.change", entity_type="test", by="test")
    db.session.flush()
    app.test_client().get("/statistik")
    assert len(counted) == 2


def test_gzip_is_the_same_page_with_the_visitors_token(app, counted):
    """Accept-Encoding: gzip gets a gzip stream that inflates to the page with this visitor's token."""
    client = app.test_client()
    zipped = client.get("/statistik", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(zipped.data).decode()
    token = TOKEN.search(html).group(1)
    plain = client.get("/statistik").get_data(as_text=True)
    # The same visitor keeps their token; its signed form carries the second it was signed in, so
    # two requests that straddle a second differ only there.
    assert _unsigned(TOKEN.search(plain).group(1)) == _unsigned(token)
    assert TOKEN.sub(lambda m: _unsigned(m.group(1)), html) == TOKEN.sub(
        lambda m: _unsigned(m.group(1)), plain
    )
    assert len(counted) == 1


def _unsigned(token: str) -> str:
    """A CSRF token without its timestamp and signature (itsdangerous: value.timestamp.signature)."""
    return token.split(".")[0]


def test_if_none_match_answers_304_without_a_body(app, counted):
    """A visitor coming back with the page's ETag gets 304 and no body."""
    client = app.test_client()
    etag = client.get("/statistik").headers["ETag"]
    again = client.get("/statistik", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get("/statistik", headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


def test_a_logged_in_user_always_gets_a_fresh_page(client, login_as, counted):
    """The office's own view is drawn every time and carries no ETag."""
    login_as("admin")
    for _ in range(2):
        response = client.get("/statistik")
        assert response.status_code == 200 and "ETag" not in response.headers
    assert len(counted) == 2


def test_a_simulated_clock_is_never_kept(app, fake_now, counted):
    """With the demo's simulated clock (its banner shows the time) every page is drawn."""
    fake_now("2024-07-26T09:00:00+08:00")
    app.test_client().get("/statistik")
    app.test_client().get("/statistik")
    assert len(counted) == 2


def test_a_page_split_at_several_tokens_inflates_whole():
    """The deflate pieces with stored blocks between them form one valid gzip stream."""
    page = pagecache.draw("k", "<p>a" + pagecache.MARK + "b" * 70000 + pagecache.MARK + "c</p>")
    body = gzip.decompress(pagecache.gzip_body(page, b"TOKEN"))
    assert body == b"<p>aTOKEN" + b"b" * 70000 + b"TOKENc</p>"


def test_the_crc_carried_across_a_part_equals_the_crc_run_over_it():
    """The gzip trailer's CRC is worked out per request from the token alone: carrying a CRC across
    a part's length then adding the part's own CRC gives what zlib gives running over the part."""
    import zlib

    for part in (b"", b"x", b"<main>" + bytes(range(256)) * 301 + b"</main>"):
        carry = pagecache._carry_map(len(part))
        for start in (0, 1, 0xDEADBEEF, zlib.crc32(b"TOKEN"), 0xFFFFFFFF):
            assert pagecache._carry(carry, start) ^ zlib.crc32(part) == zlib.crc32(part, start)


def test_a_page_lookup_is_kept_for_visitors_but_none_is_not(app, monkeypatch):
    """`lookup` keeps an answer under the data version for anonymous visitors, computes afresh
    after a change, and never keeps None (a page not yet published stays a 404 only until it is)."""
    monkeypatch.setattr(pagecache, "VERSION_TTL", 0.0)
    calls = []

    def compute(answer):
        def run():
            calls.append(answer)
            return answer

        return run

    with app.test_request_context("/"):
        assert pagecache.lookup("k", compute((1, 2))) == (1, 2)
        assert pagecache.lookup("k", compute((3, 4))) == (1, 2)
        assert calls == [(1, 2)]
        record_audit("test.change", entity_type="test", by="test")
        db.session.flush()
        assert pagecache.lookup("k", compute((3, 4))) == (3, 4)
        assert pagecache.lookup("none", compute(None)) is None
        assert pagecache.lookup("none", compute((5, 6))) == (5, 6)
