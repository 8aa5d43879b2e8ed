"""Logging in through the real form and checking pages, with the standard library only."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .server import BenchError

# Flask-Login's session protection hashes the client's address and User-Agent into the session; wrk must send
# the same User-Agent as the log-in did, or every request would rewrite the session cookie.
USER_AGENT = "moocplatform-bench/1"


class _CsrfTokenParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrf_token" and self.token is None:
            self.token = values.get("value")


def login(base: str, email: str, password: str) -> str:
    """Log in through GET/POST /login and return the value of the session cookie."""
    return _logged_in(base, email, password)[1]


def personal_access_token(base: str, email: str, password: str, scopes: list[str]) -> str:
    """Log in, make a personal access token with these scopes on /account/tokens as a learner would, and
    return its secret (shown once, in that response)."""
    opener, _cookie = _logged_in(base, email, password)
    with opener.open(base + "/account/tokens", timeout=30) as response:
        parser = _CsrfTokenParser()
        parser.feed(response.read().decode("utf-8"))
    fields = [("csrf_token", parser.token or ""), ("label", "benchmark"), ("lifetime_days", "30"),
              *(("scopes", scope) for scope in scopes)]
    try:
        with opener.open(base + "/account/tokens", data=urllib.parse.urlencode(fields).encode(),
                         timeout=30) as response:
            page = response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        raise BenchError(f"Making a personal access token failed with HTTP {error.code}.") from error
    found = re.search(r'<code class="secret" id="new-token">([^<]+)</code>', page)
    if not found:
        raise BenchError("The token page showed no new token.")
    return found.group(1)


def _logged_in(base: str, email: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(base + "/login", timeout=30) as response:
        parser = _CsrfTokenParser()
        parser.feed(response.read().decode("utf-8"))
    if not parser.token:
        raise BenchError("No csrf_token input on the log-in form.")
    body = urllib.parse.urlencode({"csrf_token": parser.token, "email": email, "password": password}).encode()
    try:
        with opener.open(base + "/login", data=body, timeout=30) as response:
            landed = response.geturl()
    except urllib.error.HTTPError as error:
        raise BenchError(f"Log-in as {email} failed with HTTP {error.code}.") from error
    if not landed.endswith("/my-learning"):
        raise BenchError(f"Log-in as {email} did not lead to /my-learning but to {landed}: wrong password?")
    cookie = next((c.value for c in jar if c.name == "session"), None)
    if not cookie:
        raise BenchError("Log-in set no session cookie.")
    return opener, cookie


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the log-in page, say) is a failure here, not something to follow


_plain = urllib.request.build_opener(_NoRedirect)


@dataclass
class Target:
    name: str
    url: str
    cookie: str | None = None
    expected: list[str] = field(default_factory=list)
    connections: int = 16  # wrk's -c
    p99_bar_ms: float = 50.0  # what the project aims for at these connections
    bearer: str | None = None  # an API token

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        return headers


def verify(target: Target) -> int:
    """Fail loudly unless the URL answers 200 with every expected text, without rewriting the session.
    Returns the body's size in bytes."""
    request = urllib.request.Request(target.url, headers=target.headers())
    try:
        with _plain.open(request, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        raise BenchError(f"{target.name}: {target.url} answered HTTP {error.code} "
                         f"(Location: {error.headers.get('Location')}), expected 200.") from error
    if status != 200:
        raise BenchError(f"{target.name}: {target.url} answered HTTP {status}, expected 200.")
    missing = [text for text in target.expected if text not in body]
    if missing:
        raise BenchError(f"{target.name}: {target.url} lacks {missing!r}; the page starts:\n{body[:800]}")
    if target.cookie and headers.get("Set-Cookie"):
        raise BenchError(f"{target.name}: the response sets a cookie ({headers['Set-Cookie'][:80]}…), so the "
                         "session changes on every request and wrk would measure a different page.")
    return len(body.encode("utf-8"))
