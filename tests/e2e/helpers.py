"""Helpers for browser tests: logging in, axe-core and the Nu HTML Checker."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.liveserver import ROOT

DEMO_PASSWORD = "harkop2024"
# Demo account of each role (harkop/demo/event.py).
DEMO_USERS = {"admin": "admin", "coop_rep": "pengurus", "judge": "juri", "checkin_staff": "petugas"}
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
FAILING_IMPACTS = ("serious", "critical")
IN_CI = bool(os.environ.get("CI"))

CHROMIUM = os.environ.get("HARKOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

# Viewports of the people in docs/ui.md: pengurus and gate staff on phones, judges on tablets,
# the office on laptops.
DEVICES: dict[str, dict] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
    "tablet": {"viewport": {"width": 820, "height": 1180}, "has_touch": True},
    "tablet_landscape": {"viewport": {"width": 1024, "height": 768}, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}


def open_context(browser, server, device: str = "laptop", **options):
    """A new browser context of a device, pointed at `server` (close it when done)."""
    settings = {
        **DEVICES[device],
        "base_url": server.url,
        "locale": "id-ID",
        "timezone_id": "Asia/Makassar",
        **options,
    }
    context = browser.new_context(**settings)
    context.set_default_timeout(15_000)
    return context


def missing(reason: str) -> None:
    """A missing browser tool fails the run in CI and skips the test elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
    pytest.skip(reason)


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form, as a person would, and wait for the page it leads to."""
    page.goto("/masuk")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def open_menu(page) -> None:
    """On a phone, open the site menu (its "Menu" button); on a wider screen the menu is a bar."""
    button = page.locator("header .menu-button")
    if button.is_visible() and page.locator("[data-site-menu][open]").count() == 0:
        button.click()


def open_account_menu(page) -> None:
    """Open the menu under the user's name (account, notifications, logging out)."""
    open_menu(page)
    account = page.locator("header details.account")
    if account.get_attribute("open") is None:
        account.locator("summary").click()


def logout(page) -> None:
    """Press the menu's log-out button (under the user's name)."""
    open_account_menu(page)
    with page.expect_navigation():
        page.locator("form[action='/keluar'] button").click()


# axe-core -------------------------------------------------------------------------------------


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        missing(f"{AXE_JS.relative_to(ROOT)} missing: run `make node-tools` (npm ci)")
    return AXE_JS.read_text()


_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the page (its context needs bypass_csp=True)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    return [v for v in page.evaluate(_AXE_RUN) if v["impact"] in FAILING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    """One readable block per violation: rule, impact, help, then each offending element."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:10]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    at {node['target']}: {summary[:300]}")
    return "\n".join(lines)


# Nu HTML Checker ------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"


def vnu_errors(pages: dict[str, str], work_dir: Path) -> list[str]:
    """Check every page with one run of vnu.jar; return 'page: line N: message' for each error."""
    java = shutil.which("java")
    if java is None:
        missing("java not found: the Nu HTML Checker needs a Java runtime")
    if not VNU_JAR.exists():
        missing(f"{VNU_JAR.relative_to(ROOT)} missing: run `make node-tools` (npm ci)")
    work_dir.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, str] = {}
    for index, (name, html) in enumerate(pages.items()):
        path = work_dir / f"{index:03d}-{_safe_name(name)}.html"
        path.write_text(html, encoding="utf-8")
        by_file[path.name] = name
    cmd = [
        java,
        "-jar",
        str(VNU_JAR),
        "--format",
        "json",
        "--stdout",
        *sorted(str(p) for p in work_dir.glob("*.html")),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(done.stdout or "{}")
    except json.JSONDecodeError as err:
        raise AssertionError(f"vnu printed no JSON ({err}):\n{done.stdout}\n{done.stderr}") from err
    errors = []
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        file_name = Path(message.get("url", "")).name
        page = by_file.get(file_name, file_name)
        where = f"line {message['lastLine']}" if "lastLine" in message else "document"
        extract = " ".join((message.get("extract") or "").split())
        errors.append(
            f"{page}: {where}: {message.get('message')}" + (f"  [{extract[:160]}]" if extract else "")
        )
    return errors


# Static CSP check -----------------------------------------------------------------------------


class _InlineFinder(HTMLParser):
    """Collects what our CSP (script-src 'self'; style-src 'self') would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if "style" in names:
            self.found.append(f"<{tag} style=…> (inline style attribute)")
        handlers = sorted(n for n in names if n.startswith("on"))
        if handlers:
            self.found.append(f"<{tag} {handlers[0]}=…> (inline event handler)")
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src (inline script)")
        if tag == "style":
            self.found.append("<style> element (inline stylesheet)")
        if tag == "a" and any(n == "href" and (v or "").lower().startswith("javascript:") for n, v in attrs):
            self.found.append("<a href='javascript:…'>")


def csp_blocked_markup(html: str) -> list[str]:
    """Markup the Content-Security-Policy would refuse to run or apply."""
    finder = _InlineFinder()
    finder.feed(html)
    return sorted(set(finder.found))
