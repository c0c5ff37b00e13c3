"""Browser tests: a live gunicorn server of their own and Debian's Chromium through Playwright.

Fixtures
- `live_server`: one server per session (fake time 2024-07-26 09:00 WITA, demo data seeded).
  A module that needs another simulated date overrides it:

      @pytest.fixture(scope="module")
      def live_server(live_server_factory):
          return live_server_factory("2024-07-10T10:00:00+08:00")

  `live_server.database_url` names its database; `with live_server.app_context(): ...` plus
  `db.session.commit()` writes data the server then shows.
- `browser`: Chromium at /usr/bin/chromium (never a downloaded build).
- `phone`, `tablet`, `tablet_landscape`, `laptop`: a Page in a fresh context of that device,
  whose base URL is the live server (so `page.goto("/masuk")` works).
- `new_context(device, **options)`: any other context (e.g. `bypass_csp=True` for axe).
- `login(page, username, password)` in tests/e2e/helpers.py.

Without Chromium the browser tests are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, missing, open_context
from tests.liveserver import DEFAULT_FAKE_NOW, LiveServer


def pytest_configure(config):
    """Declare `committed` here too, so this folder does not depend on where it is registered."""
    config.addinivalue_line("markers", "committed: uses committed data in a database of its own")


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is a browser test (so `-m "not browser"` never starts Chromium)
    and works on committed data (never inside the rolled-back test transaction)."""
    here = Path(__file__).parent
    for item in items:
        if here not in Path(str(item.path)).parents:
            continue
        if not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
        if not item.get_closest_marker("committed"):
            item.add_marker(pytest.mark.committed)


@pytest.fixture(autouse=True)
def _db() -> Iterator[None]:
    """Browser tests talk to a server over HTTP: no rolled-back test transaction here (the
    transaction fixture would also swap `db.session` under `live_server.app_context()`)."""
    yield


@pytest.fixture(scope="session")
def live_server_factory(tmp_path_factory) -> Iterator[Callable[..., LiveServer]]:
    """Start (or reuse) a live server: `live_server_factory(fake_now, name=None, env=None)`.

    Servers are shared by fake time (and `name`), so modules asking for the same date share one.
    Pass a distinct `name` for a server whose data a module may change freely.
    """
    servers: dict[tuple, LiveServer] = {}

    def start(fake_now: str | None = DEFAULT_FAKE_NOW, *, name: str = "", env: dict | None = None):
        key = (fake_now, name, tuple(sorted((env or {}).items())))
        if key not in servers:
            tmp = tmp_path_factory.mktemp(f"server-{name or 'shared'}")
            servers[key] = LiveServer.start(tmp, fake_now=fake_now, env=env)
        return servers[key]

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def live_server(live_server_factory) -> LiveServer:
    """The shared server: demo data, simulated time Friday 26 July 2024, 09.00 WITA."""
    return live_server_factory(DEFAULT_FAKE_NOW)


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev installs it
        missing("Playwright for Python is not installed (make test installs requirements-dev.txt)")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"Chromium not found at {CHROMIUM} (as root, `make test` installs it)")
    chromium = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory: `new_context("phone", bypass_csp=True)`; every context is closed after the test."""
    contexts = []

    def make(device: str = "laptop", **options):
        context = open_context(browser, live_server, device, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_context):
    """A page on a 390×844 touch phone."""
    return new_context("phone").new_page()


@pytest.fixture
def tablet(new_context):
    """A page on an 820×1180 portrait tablet (a judge's stand)."""
    return new_context("tablet").new_page()


@pytest.fixture
def tablet_landscape(new_context):
    """A page on a 1024×768 landscape tablet."""
    return new_context("tablet_landscape").new_page()


@pytest.fixture
def laptop(new_context):
    """A page on a 1366×768 laptop (the office)."""
    return new_context("laptop").new_page()
