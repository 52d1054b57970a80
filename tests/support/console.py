"""A browser-like client for the console, and a finder of inline script in its pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    """A browser-like client: keeps cookies, reads each page's CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
        reply = self.client.get("/admin" + path, **kw)
        found = CSRF.search(reply.text)
        if found:
            self.csrf = found.group(1)
        return reply

    def post(self, path: str, data: dict | None = None, token: bool = True, **kw):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        if token:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post("/admin" + path, data=data, follow_redirects=False, **kw)

    def sign_in(self, username: str, password: str):  # type: ignore[no-untyped-def]
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


class ScriptFinder(HTMLParser):
    """Collects every <script> and on* attribute: none may carry code in the page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, _value in attrs:
            if name.startswith("on") or name in {"hx-on", "style"}:
                self.inline.append(f"{tag} {name}")
        if tag == "script":
            self._in_script = True
            if named.get("src"):
                self.sources.append(str(named["src"]))
            else:
                self.inline.append("script without src")
        if any(v and v.strip().lower().startswith("javascript:") for _n, v in attrs):
            self.inline.append(f"{tag} javascript: url")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script body")
