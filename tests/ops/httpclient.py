"""A small HTTP client for the multi-process tests: JSON and form requests, one cookie jar,
and a balancer that sends each request to the next of several servers in turn."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 10.0


@dataclass
class Answer:
    """A response: status, body, headers, and which server gave it."""

    status: int
    body: bytes
    headers: dict[str, str]
    server: str

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    def csrf_token(self) -> str:
        """The CSRF token of the page's first form."""
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', self.text
        )
        assert match, f"no CSRF token on the page from {self.server}"
        return match.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: D102
        return None


class Balancer:
    """Sends each request to the next server in turn (round robin), with one cookie jar for all.

    Cookies are kept per host, not per port, so a session cookie set by one instance on
    127.0.0.1 goes with the next request to the other one, as behind a load balancer.
    """

    def __init__(self, *base_urls: str, headers: dict[str, str] | None = None) -> None:
        self.base_urls = list(base_urls)
        self.turn = 0
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.headers = dict(headers or {})
        self.served: list[str] = []

    def next_server(self) -> str:
        """The server the next request goes to."""
        base = self.base_urls[self.turn % len(self.base_urls)]
        self.turn += 1
        return base

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        server: str | None = None,
    ) -> Answer:
        """One request to the next server (or to `server`); never raises on an HTTP status."""
        base = server or self.next_server()
        data = None
        all_headers = {**self.headers, **(headers or {})}
        if json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(base + path, data=data, headers=all_headers, method=method)
        self.served.append(base)
        try:
            with self.opener.open(req, timeout=TIMEOUT) as response:
                return Answer(response.status, response.read(), dict(response.headers), base)
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read(), dict(err.headers), base)

    def get(self, path: str, **kw: Any) -> Answer:
        """GET `path`."""
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Answer:
        """POST `path`."""
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Answer:
        """PUT `path`."""
        return self.request("PUT", path, **kw)
