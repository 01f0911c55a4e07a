"""Browser tests: Playwright drives Debian's Chromium against a real ``actionforge serve`` process
(SQLite in the test's tmp dir), with real loopback upstream APIs.

Fixtures for every page's tests:
- ``browser``: one headless Chromium for the session;
- ``live``: a fresh server per test, its base URL and setup link, and ``live.api``, an httpx client
  that speaks the JSON API (``live.sign_up_owner()`` redeems the setup link);
- ``owner``: ``live`` with the owner signed in through the API;
- ``page``: a page of a fresh browser context, signed in as the owner (the API client's session
  cookie), that fails the test on any uncaught script error or ``alert``/``confirm`` dialog;
- ``axe_check(page)``: the vendored axe-core's serious and critical violations (the test asserts none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, ViewportSize, expect, sync_playwright

from tests.web.conftest import PASSWORD
from tests.web.processes import running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "src" / "actionforge" / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "docs" / "screenshots"
OWNER_EMAIL = "owner@example.com"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# How long a wait on the page may take before it fails: a condition (a selector, a URL, an expect),
# never a sleep. Generous, since a loaded CI machine may run the server and Chromium slowly; a
# passing test never waits for it.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)  # Playwright's default is 5 s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module, not per session: while the sync API runs, its event loop is the running one, and
    the asyncio tests of later modules could not start theirs."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Api:
    """The JSON API as a test drives it: raises on an unexpected status, returns the JSON."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        response = self.client.request(method, f"/api{path}", json=body)
        wanted = expect or (200, 201, 202, 204)
        assert response.status_code in (wanted if isinstance(wanted, tuple) else (wanted,)), response.text
        return None if response.status_code == 204 else response.json()

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, expect: int | None = None) -> Any:
        return self.call("POST", path, {} if body is None else body, expect)

    def patch(self, path: str, body: Any, expect: int | None = None) -> Any:
        return self.call("PATCH", path, body, expect)

    def put(self, path: str, body: Any, expect: int | None = None) -> Any:
        return self.call("PUT", path, body, expect)

    def workspace(self) -> dict[str, Any]:
        found: dict[str, Any] = self.get("/workspaces")["items"][0]
        return found

    def create_gpt(self, **fields: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.post(f"/workspaces/{self.workspace()['id']}/gpts", fields)
        return found

    def add_action(self, gpt_id: str, **fields: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.post(f"/gpts/{gpt_id}/actions", fields)
        return found

    def set_workspace(self, **settings: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.patch(f"/workspaces/{self.workspace()['id']}/settings", settings)
        return found


@dataclass
class Live:
    base: str
    output: Path
    api: Api
    session_cookie: str | None = field(default=None)

    @property
    def setup_link(self) -> str:
        found = re.search(r"(http://\S+/setup\?token=\S+)", self.output.read_text())
        assert found, self.output.read_text()
        return found.group(1)

    def sign_up_owner(self) -> None:
        token = self.setup_link.split("token=")[1]
        body = {"token": token, "email": OWNER_EMAIL, "password": PASSWORD, "display_name": "Owner"}
        found = self.api.post("/setup", body, expect=201)
        self.api.client.headers["X-CSRF-Token"] = found["csrf_token"]
        self.session_cookie = self.api.client.cookies.get("actionforge_session")


SERVER_LOG = pytest.StashKey[Path]()
LOG_TAIL_LINES = 80


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test shows the end of its server's log (stdout and stderr: the setup link, each
    request, and a 500's traceback, redacted), so a failure in CI explains itself."""
    report: pytest.TestReport = yield
    log = item.stash.get(SERVER_LOG, None)
    if report.failed and log is not None and log.exists():
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL_LINES:]
        report.sections.append((f"server log ({log}, last {len(lines)} lines)", "\n".join(lines)))
    return report


@pytest.fixture
def live(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """A real server on SQLite whose engine may call loopback test APIs over plain http, and whose
    model traffic may reach the scripted model on 127.0.0.1."""
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT", "MODELS_LOCAL_NETWORK"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")
    monkeypatch.setenv("ACTIONFORGE_MODELS_LOCAL_NETWORK", "true")  # the scripted model on 127.0.0.1
    request.node.stash[SERVER_LOG] = tmp_path / "serve.out"
    with running_server(tmp_path, f"sqlite:///{tmp_path / 'browser.db'}") as (base, output):
        api = Api(base)
        yield Live(base, output, api)
        api.client.close()


@pytest.fixture
def owner(live: Live) -> Live:
    live.sign_up_owner()
    return live


@dataclass
class Watched:
    """What a page did that a test must see: script errors and native dialogs."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def dismiss(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def new_context(browser: Browser, live: Live) -> BrowserContext:
    # A fixed locale and time zone: dates read the same on any machine.
    context = browser.new_context(base_url=live.base, viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base)
    if live.session_cookie:
        context.add_cookies([{"name": "actionforge_session", "value": live.session_cookie, "url": live.base}])
    return context


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def page(browser: Browser, owner: Live, watched: Watched) -> Iterator[Page]:
    """A page signed in as the owner; uncaught errors and native dialogs fail the test."""
    context = new_context(browser, owner)
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    opened.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    opened.on("dialog", lambda dialog: watched.dismiss(dialog))
    yield opened
    context.close()
    assert watched.errors == [], watched.errors
    assert watched.dialogs == [], watched.dialogs


def ready(page: Page) -> None:
    """Wait until the page's module has loaded its data and wired its controls."""
    page.wait_for_selector("main[data-ready]")


def axe_check(page: Page) -> list[dict[str, Any]]:
    """Run the vendored axe-core in the page; returns its serious and critical violations.

    The file is evaluated through the DevTools protocol, which the page's CSP does not govern
    (a <script> tag with inline content, as ``add_script_tag`` makes, would be refused by it)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    results = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in json.loads(results)
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Page, name: str, steady: dict[str, str] | None = None) -> None:
    """Save docs/screenshots/``name`` (rewritten on every run) so that an unchanged page gives the same
    bytes: once the page and any Preview chat are ready, with animations stopped and no caret, and
    with the text of each ``steady`` selector (a port, a time: values that differ on every run, and
    would shift a table's columns) replaced by a fixed placeholder in the picture only. Call it after
    the test's assertions on those values."""
    ready(page)
    expect(page.locator("[data-chat-mount]:not([data-ready])")).to_have_count(0)
    for selector, text in (steady or {}).items():
        page.locator(selector).evaluate_all("(nodes, t) => nodes.forEach(n => { n.textContent = t; })", text)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False, animations="disabled", caret="hide")
