"""Judging in a tablet-sized Chromium, from the demo's competition under judging to published results.

The demo judge `juri` has two entries of Lomba Display Produk Koperasi left (one draft, one
untouched). They score both on a tablet, one of them while the network is gone (the save waits
in the queue and is sent when the network returns); the head judge finalises; the office
publishes; the public results page and the winning cooperative's profile show the award.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import login

pytestmark = pytest.mark.browser

SLUG = "display-produk-koperasi"


@pytest.fixture(scope="module")
def live_server(live_server_factory):
    """A server of this module's own: the test changes the demo's judging data."""
    return live_server_factory(name="judging")


def _competition_id(server) -> int:
    from sqlalchemy import select

    from harkop.competitions.models import Competition
    from harkop.extensions import db

    with server.app_context():
        return db.session.scalar(select(Competition.id).where(Competition.slug == SLUG))


def _card(server, entry_id: int):
    from harkop.auth.services import get_user
    from harkop.judging.services import own_card

    with server.app_context():
        card = own_card(entry_id, get_user("juri").id)
        return None if card is None else (card.state.value, card.revision, dict(card.scores))


def _score_by_touch(page) -> None:
    """Tap the second-best level of every criterion (large buttons, as a judge does)."""
    for fieldset in page.locator("fieldset[data-criterion]").all():
        fieldset.locator(".levels-grid label").nth(1).tap()


def test_a_judge_scores_on_a_tablet_then_results_are_finalised_and_published(new_context, live_server):
    """Judge scores the two remaining entries (one offline) → head judge finalises → office publishes →
    public results and the winner's profile show the award."""
    comp_id = _competition_id(live_server)
    tablet_context = new_context("tablet")
    tablet = tablet_context.new_page()
    login(tablet, "juri")
    assert tablet.url.endswith("/juri")
    tablet.get_by_text(re.compile(r"4 dari 6 dinilai")).first.wait_for()

    # The first entry still to score (the draft) comes first in the list order of undone entries.
    undone = [
        link.get_attribute("href")
        for link in tablet.locator("a[data-entry-link]").all()
        if link.locator(".badge-good").count() == 0
    ]
    assert len(undone) == 2
    first_id, second_id = (int(h.rsplit("/", 1)[1]) for h in undone)

    # Entry 1: tap levels; the draft saves itself.
    tablet.goto(undone[0])
    level = tablet.locator(".levels-grid label").first
    box = level.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # touch targets
    _score_by_touch(tablet)
    tablet.locator("[data-save-status]").get_by_text(re.compile("Draf tersimpan")).wait_for()
    state, revision, scores = _card(live_server, first_id)
    assert state == "draft" and len(scores) == tablet.locator("fieldset[data-criterion]").count()

    # Submitting asks for every criterion: clear one, try, get told which.
    tablet.locator("fieldset[data-criterion] input[type=number]").first.fill("")
    tablet.get_by_role("button", name="Kirim nilai").click()
    tablet.locator("[data-save-status]").get_by_text(re.compile("Isi dulu nilai")).wait_for()
    _score_by_touch(tablet)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Kirim nilai").click()
    assert tablet.url.endswith(f"/juri/penilaian/entri/{second_id}")
    assert _card(live_server, first_id)[0] == "submitted"

    # Entry 2: the network drops; the submission waits on the device and goes when it returns.
    _score_by_touch(tablet)
    tablet_context.set_offline(True)
    tablet.get_by_role("button", name="Kirim nilai").click()
    banner = tablet.locator("[data-sync-banner]")
    banner.get_by_text(re.compile("1 nilai menunggu dikirim")).wait_for()
    assert _card(live_server, second_id) is None
    tablet_context.set_offline(False)
    banner.wait_for(state="hidden")
    assert _card(live_server, second_id)[0] == "submitted"
    tablet.goto("/juri")
    tablet.get_by_text(re.compile(r"6 dari 6 dinilai")).first.wait_for()

    # The head judge finalises on their tablet.
    head = new_context("tablet_landscape").new_page()
    login(head, "ketuajuri")
    head.goto(f"/penilaian/{comp_id}/pantau")
    with head.expect_navigation():
        head.get_by_role("button", name="Tetapkan hasil final").click()
    head.get_by_text("Hasil ditetapkan (final).").wait_for()

    # The public sees nothing yet; the office publishes.
    public = new_context("phone").new_page()
    assert public.goto(f"/hasil/harkop-2024/{SLUG}").status == 404
    office = new_context("laptop").new_page()
    login(office, "admin")
    office.goto(f"/penilaian/{comp_id}/pantau")
    with office.expect_navigation():
        office.get_by_role("button", name="Umumkan hasil sekarang").click()
    office.get_by_text("Hasil diumumkan.").wait_for()

    # Public results: winners, explanation, anonymised judges; then the winner's profile.
    response = public.goto(f"/hasil/harkop-2024/{SLUG}")
    assert response.status == 200
    champion = public.locator(".podium-1").first  # a shared first place lists two
    champion.get_by_text("Juara 1").wait_for()
    assert public.get_by_text("Juri 1").count() >= 1
    with public.expect_navigation():
        champion.locator("a").first.click()
    public.locator("#prestasi").wait_for()
    public.get_by_text("Juara 1 Lomba Display Produk Koperasi").wait_for()
