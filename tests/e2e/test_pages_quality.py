"""Every page of tests/e2e/pages.py, as its role sees it: accessible (axe-core), valid HTML (Nu HTML
Checker), nothing the CSP would block, and no sideways scrolling on a 390 px phone."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import (
    DEMO_USERS,
    axe_violations,
    csp_blocked_markup,
    describe_violations,
    login,
    open_context,
    vnu_errors,
)
from tests.e2e.pages import PAGES, PageSpec

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


class RoleBrowser:
    """One logged-in page per (role, language), reused by every page of that role (fast)."""

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server
        self.contexts = []
        self.pages = {}
        self.html: dict[str, str] = {}

    def page_for(self, role: str, lang: str):
        """The page of a role in a language; axe needs the CSP bypassed to inject its script."""
        key = (role, lang)
        if key not in self.pages:
            context = open_context(self.browser, self.server, "laptop", bypass_csp=True)
            self.contexts.append(context)
            page = context.new_page()
            if role != "anonymous":
                login(page, DEMO_USERS[role])
            if lang != "id":
                page.goto("/")
                with page.expect_navigation():
                    page.locator(f"form.lang-form button[value='{lang}']").click()
            self.pages[key] = page
        return self.pages[key]

    def visit(self, spec: PageSpec):
        """Open the page (posting its form when the spec says so) and keep its HTML."""
        page = self.page_for(spec.role, spec.lang)
        page.set_viewport_size(LAPTOP)
        response = page.goto(spec.path(self.server))
        if spec.submit:
            for selector, value in spec.fill:
                page.locator(selector).fill(value)
            with page.expect_navigation() as navigation:
                page.locator(spec.submit).first.click()
            response = navigation.value
        assert response is not None, f"{spec.name}: no response"
        assert response.status == spec.status, (
            f"{spec.name}: expected HTTP {spec.status}, got {response.status} at {page.url}"
        )
        self.html[spec.name] = response.text()
        return page

    def close(self):
        """Close every context this browser opened."""
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def role_browser(browser, live_server):
    """Pages logged in as each demo role, shared by the tests of this module."""
    shared = RoleBrowser(browser, live_server)
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def page_html(role_browser) -> dict[str, str]:
    """The HTML of every page in the table, as served (fetched here unless a test already did)."""
    for spec in PAGES:
        if spec.name not in role_browser.html:
            role_browser.visit(spec)
    return {spec.name: role_browser.html[spec.name] for spec in PAGES}


def test_page_names_are_unique():
    """Each row of the page table has its own name (names label failures and HTML files)."""
    names = [spec.name for spec in PAGES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_page_is_accessible_on_laptop_and_phone(spec: PageSpec, role_browser):
    """axe-core finds no serious or critical violation at 1366 px and at 390 px, and the page
    does not scroll sideways on the phone."""
    page = role_browser.visit(spec)
    problems = []
    found = axe_violations(page)
    if found:
        problems.append(f"at 1366 px:\n{describe_violations(found)}")
    page.set_viewport_size(PHONE)
    found = axe_violations(page)
    if found:
        problems.append(f"at 390 px:\n{describe_violations(found)}")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"at 390 px the page is {overflow}px wider than the screen")
    assert not problems, f"{spec.name} ({spec.role}, {page.url}):\n" + "\n".join(problems)


def test_pages_are_valid_html(page_html, tmp_path):
    """The Nu HTML Checker reports no error on any page (one run over all of them)."""
    errors = vnu_errors(page_html, tmp_path / "html")
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_pages_have_nothing_the_csp_blocks(page_html):
    """No inline script, inline style attribute or event handler: the CSP would refuse them."""
    problems = [f"{name}: {what}" for name, html in page_html.items() for what in csp_blocked_markup(html)]
    assert not problems, "\n".join(problems)


TERMINAL_OR_SOURCE = re.compile(
    r"flask --app|flask harkop|harkop [a-z-]+ --|docs/[\w-]+\.md|harkop/[\w/]+\.py"
)


def test_no_page_asks_for_a_terminal_or_a_source_file(page_html):
    """Issue 21: nothing on a page tells a user to run a command or open a file of the source tree."""
    problems = [
        f"{name}: {match.group(0)}"
        for name, html in page_html.items()
        for match in TERMINAL_OR_SOURCE.finditer(html)
    ]
    assert not problems, "\n".join(problems)
