"""Builder 3–6 and the action editor's behaviour, in Chromium against a real server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.routing import Route

from tests.browser.conftest import Live, axe_check, ready, screenshot
from tests.servers.echo import echo_app
from tests.servers.threaded import serve
from tests.web.test_action_import import V1, V2, Documents

PETSTORE_OPERATIONS = [
    ["getInventory", "GET", "/store/inventory"],
    ["findPetsByStatusPending", "GET", "/pet/findByStatus"],
    ["getPetById", "GET", "/pet/{petId}"],
]


@pytest.fixture
def echo() -> Iterator[str]:
    with serve(echo_app()) as base:
        yield base


def operations(page: Page) -> list[list[str]]:
    rows = page.locator("#operations tbody tr")
    return [[rows.nth(i).locator("td").nth(c).inner_text() for c in range(3)] for i in range(rows.count())]


def editor_text(page: Page) -> str:
    text: str = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    return text


def set_editor_text(page: Page, text: str) -> None:
    page.evaluate("(text) => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)


def test_pet_store_example_shows_its_three_operations(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Pets")
    page.goto(f"/gpts/{gpt['id']}/actions/new")
    ready(page)
    expect(page.get_by_role("heading", name="Add actions")).to_be_visible()
    expect(page.get_by_text("Operations in your schema will show here")).to_be_visible()
    expect(page.locator(".CodeMirror-placeholder")).to_have_text("Enter your OpenAPI schema here")
    page.get_by_label("Examples").select_option(label="Pet Store (YAML)")
    expect(page.locator("#operations tbody tr")).to_have_count(3)
    assert operations(page) == PETSTORE_OPERATIONS
    assert editor_text(page) == owner.api.get("/editor/examples/petstore")["text"]
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Edit actions")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/actions/act_[^/]+/edit$"))
    (stored,) = owner.api.get(f"/gpts/{gpt['id']}/actions")["items"]
    assert stored["domain"] == "petstore.swagger.io"
    assert axe_check(page) == []


def open_new_action(page: Page, owner: Live, schema: str, **fields: object) -> dict[str, object]:
    gpt = owner.api.create_gpt(name="Tester")
    action: dict[str, object] = owner.api.add_action(gpt["id"], schema=schema, **fields)
    page.goto(f"/gpts/{gpt['id']}/actions/{action['id']}/edit")
    ready(page)
    return action


def gutter_lines(page: Page) -> list[int]:
    found: list[int] = page.evaluate(
        """() => {
            const cm = document.querySelector('.CodeMirror').CodeMirror, lines = [];
            cm.eachLine((h) => { const i = cm.lineInfo(h);
                if (i.gutterMarkers && i.gutterMarkers['issue-gutter']) lines.push(i.line + 1); });
            return lines;
        }"""
    )
    return found


def test_a_broken_schema_shows_the_error_at_its_line_with_a_gutter_mark(page: Page, owner: Live) -> None:
    petstore = owner.api.get("/editor/examples/petstore")["text"]
    open_new_action(page, owner, petstore)
    expect(page.locator("#operations tbody tr")).to_have_count(3)
    lines = petstore.splitlines()
    assert lines[72] == "            type: integer"  # getPetById's petId, line 73
    lines[72] = "            type: intger"
    page.get_by_label("OpenAPI schema").focus()
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setCursor({line: 72, ch: 22})")
    page.keyboard.press("Backspace")  # typed, as a user would: "integer" -> "intger"
    assert editor_text(page) == "\n".join(lines) + "\n"
    issue = page.locator("#issues li").filter(has_text="intger").first
    expect(issue).to_contain_text("Line 73, column 13")
    assert 73 in gutter_lines(page)
    expect(page.locator("#operations tbody tr")).to_have_count(2)  # getPetById is skipped, a warning
    issue.get_by_role("button").click()
    cursor = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getCursor()")
    assert (cursor["line"], cursor["ch"]) == (72, 12)
    assert lines[9] == "  - url: https://petstore.swagger.io/v2"
    lines[9] = "  - url: petstore"  # now an error: the whole document is refused
    set_editor_text(page, "\n".join(lines) + "\n")
    error = page.locator("#issues li.error").filter(has_text="servers")
    expect(error).to_have_text("Line 10, column 5Could not find a valid URL in `servers`")
    expect(page.locator("#operations")).to_be_hidden()
    expect(page.get_by_text("Operations in your schema will show here")).to_be_visible()
    assert gutter_lines(page) == [10, 73]
    assert page.locator(".CodeMirror-code > div").nth(9).locator(".issue-line").count() == 1
    screenshot(page, "action-editor-error.png")
    assert axe_check(page) == []  # with the issues listed and marked
    set_editor_text(page, petstore)  # fixed: the marks go
    expect(page.locator("#operations tbody tr")).to_have_count(3)
    assert gutter_lines(page) == []
    expect(page.locator("#issues li")).to_have_count(0)


def test_format_pretty_prints_json_and_redumps_yaml(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Fmt")
    page.goto(f"/gpts/{gpt['id']}/actions/new")
    ready(page)
    expect(page.get_by_role("button", name="Format")).to_be_disabled()
    set_editor_text(page, '{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{}}')
    page.get_by_role("button", name="Format").click()
    assert (
        editor_text(page)
        == json.dumps({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}, indent=2)
        + "\n"
    )
    set_editor_text(page, "openapi:   3.1.0\ninfo: {title: t,   version: '1'}\n")
    page.get_by_role("button", name="Format").click()
    assert editor_text(page) == "openapi: 3.1.0\ninfo: { title: t, version: '1' }\n"


def test_api_key_auth_is_saved_and_the_key_never_shown_again(page: Page, owner: Live) -> None:
    secret = "sk-live-0123456789abcdef"
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    page.get_by_role("button", name="Edit authentication").click()
    dialog = page.get_by_role("dialog", name="Authentication")
    dialog.get_by_role("radio", name="API Key").check()
    dialog.get_by_placeholder("[HIDDEN]").fill(secret)
    dialog.get_by_role("radio", name="Custom").check()
    dialog.get_by_label("Custom Header Name").fill("X-Api-Key")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#auth-type")).to_have_text("API Key")
    stored = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert stored == {
        "type": "api_key", "authorization_type": "custom", "custom_auth_header": "X-Api-Key",
        "key_source": "builder", "api_key": "set",
    }  # fmt: skip
    page.reload()
    ready(page)
    page.get_by_role("button", name="Edit authentication").click()
    key_field = dialog.locator("#api-key")
    expect(key_field).to_have_value("")
    expect(key_field).to_have_attribute("placeholder", "[HIDDEN]")
    expect(dialog.locator("#api-key-state")).to_have_text(
        "An API key is set. Leave the field empty to keep it."
    )
    expect(dialog.get_by_label("Custom Header Name")).to_have_value("X-Api-Key")
    assert secret not in page.content()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_the_auth_modal_is_fully_operable_with_the_keyboard(page: Page, owner: Live) -> None:
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    gear = page.get_by_role("button", name="Edit authentication")
    gear.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Authentication")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio", name="None")).to_be_focused()
    page.keyboard.press("ArrowDown")  # radio group: None -> API Key
    expect(dialog.locator("#api-key")).to_be_visible()
    page.keyboard.press("Tab")
    shared = dialog.get_by_role("radio", name="One key for everyone (set here)")
    expect(shared).to_be_focused()
    page.keyboard.press("ArrowDown")  # each user brings their own: the key field goes away
    expect(dialog.get_by_role("radio", name="Each user adds their own key")).to_be_checked()
    expect(dialog.locator("#api-key")).to_be_hidden()
    expect(dialog.locator("#user-key-note")).to_be_visible()
    page.keyboard.press("ArrowUp")  # back to one shared key
    expect(shared).to_be_checked()
    page.keyboard.press("Tab")
    expect(dialog.locator("#api-key")).to_be_focused()
    page.keyboard.type("kb-secret-123")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("radio", name="Basic", exact=True)).to_be_focused()
    page.keyboard.press("ArrowDown")  # Basic -> Bearer
    expect(dialog.get_by_role("radio", name="Bearer")).to_be_checked()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Tab")  # focus stays in the modal
    expect(dialog.get_by_role("radio", name="API Key")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(gear).to_be_focused()  # focus returns to the opener
    stored = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert (stored["type"], stored["authorization_type"], stored["api_key"]) == ("api_key", "bearer", "set")
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert axe_check(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(gear).to_be_focused()


def test_oauth_pkce_and_extra_parameters_with_the_keyboard(page: Page, owner: Live) -> None:
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    gear = page.get_by_role("button", name="Edit authentication")
    gear.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Authentication")
    dialog.get_by_role("radio", name="OAuth").check()
    dialog.get_by_label("Client ID").fill("client-kb")
    dialog.get_by_label("Client Secret").fill("secret-kb")
    dialog.get_by_label("Authorization URL").fill("https://auth.example.com/authorize")
    dialog.get_by_label("Token URL").fill("https://auth.example.com/token")
    pkce = dialog.get_by_role("switch", name="PKCE")
    expect(pkce).to_be_checked()  # on by default
    pkce.focus()
    page.keyboard.press("Space")
    expect(pkce).not_to_be_checked()
    page.keyboard.press("Tab")
    add = dialog.get_by_role("button", name="Add parameter")
    expect(add).to_be_focused()
    page.keyboard.press("Enter")  # a row; focus on its name
    expect(dialog.get_by_label("Parameter 1 name")).to_be_focused()
    page.keyboard.type("audience")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Parameter 1 value")).to_be_focused()
    page.keyboard.type("https://api.example.com/")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Remove parameter 1")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Parameter 2 name")).to_be_focused()
    page.keyboard.type("state")  # the flow's own: refused, the modal stays open
    page.keyboard.press("Tab")
    page.keyboard.type("x")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#auth-error")).to_contain_text("state is set by the sign-in flow itself")
    stored = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert stored["type"] == "none"  # nothing stored
    dialog.get_by_role("button", name="Remove parameter 2").focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Parameter 1 name")).to_be_focused()  # focus stays in the list
    expect(dialog.get_by_label("Parameter 2 name")).to_have_count(0)
    assert axe_check(page) == []
    dialog.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(gear).to_be_focused()
    stored = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert (stored["pkce"], stored["extra_authorize_params"]) == (
        False,
        {"audience": "https://api.example.com/"},
    )
    page.keyboard.press("Enter")  # reopened: the switch and the row as stored
    expect(dialog.get_by_role("switch", name="PKCE")).not_to_be_checked()
    expect(dialog.get_by_label("Parameter 1 value")).to_have_value("https://api.example.com/")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_each_user_adds_their_own_key_hides_the_key_field(page: Page, owner: Live) -> None:
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    page.get_by_role("button", name="Edit authentication").click()
    dialog = page.get_by_role("dialog", name="Authentication")
    dialog.get_by_role("radio", name="API Key").check()
    dialog.get_by_placeholder("[HIDDEN]").fill("typed-then-dropped")
    dialog.get_by_role("radio", name="Each user adds their own key").check()
    expect(dialog.locator("#api-key")).to_be_hidden()
    expect(dialog.locator("#user-key-note")).to_contain_text("under Connected accounts")
    dialog.get_by_role("radio", name="Bearer").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    stored = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert (stored["key_source"], stored["api_key"]) == ("user", "not set")  # the typed key was not sent
    expect(page.locator("#auth-type")).to_have_text("API Key (each user)")
    page.reload()
    ready(page)
    page.get_by_role("button", name="Edit authentication").click()
    expect(dialog.get_by_role("radio", name="Each user adds their own key")).to_be_checked()
    expect(dialog.locator("#api-key")).to_be_hidden()
    page.goto(f"/gpts/{action['gpt_id']}/edit")  # the GPT's list of actions says so too
    ready(page)
    expect(page.locator(f"li[data-action-id='{action['id']}'] .muted")).to_have_text("API Key (each user)")


def echo_schema(base: str) -> str:
    thing = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "owner": {
                "type": "object",
                "properties": {"email": {"type": "string"}, "age": {"type": "integer"}},
            },
        },
    }
    return json.dumps({
        "openapi": "3.1.0",
        "info": {"title": "Echo", "version": "1"},
        "servers": [{"url": base}],
        "paths": {
            "/items/{id}": {"get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok"}},
            }},
            "/things": {"post": {
                "operationId": "addThing",
                "requestBody": {"required": True, "content": {"application/json": {"schema": thing}}},
                "responses": {"200": {"description": "ok"}},
            }},
        },
    }, indent=2)  # fmt: skip


def test_direct_test_shows_the_exact_request_the_response_and_the_timing(
    page: Page, owner: Live, echo: str
) -> None:
    open_new_action(page, owner, echo_schema(echo), auth={"type": "api_key", "authorization_type": "bearer",
                                                           "api_key": "sk-echo-secret-42"})  # fmt: skip
    page.get_by_role("button", name="Test getItem", exact=True).click()
    panel = page.locator("#test-panel")
    panel.get_by_label("id (required)").fill("7")
    panel.get_by_label("q", exact=True).fill("<img src=x onerror=alert(1)>")
    panel.get_by_role("button", name="Send request").click()
    request = panel.locator("pre.request")
    expect(request).to_contain_text(f"GET {echo}/items/7?q=%3Cimg")
    expect(request).to_contain_text("authorization: [REDACTED]")
    assert "sk-echo-secret-42" not in page.content()  # redacted by the server
    expect(panel.locator("pre.response")).to_contain_text('"path":"/items/7"')
    expect(panel.get_by_role("status").first).to_have_text("OK: getItem")
    expect(panel).to_contain_text(re.compile(r"Took \d+ ms"))
    assert page.locator("#test-panel img").count() == 0  # the echoed HTML stays text

    page.get_by_role("button", name="Test addThing", exact=True).click()
    panel.get_by_label("name (required)").fill("lamp")
    panel.get_by_role("button", name="Add tags item").click()
    panel.get_by_label("tags item 1 (required)").fill("red")
    panel.get_by_role("button", name="Add tags item").click()
    panel.get_by_label("tags item 2 (required)").fill("tall")
    panel.get_by_label("email").fill("a@example.com")
    panel.get_by_label("age").fill("41")
    panel.get_by_role("button", name="Send request").click()
    expect(request).to_contain_text(f"POST {echo}/things")
    sent = request.inner_text().split("\n\n", 1)[1]
    assert json.loads(sent) == {
        "name": "lamp",
        "tags": ["red", "tall"],
        "owner": {"email": "a@example.com", "age": 41},
    }
    expect(panel.locator("pre.response")).to_contain_text("lamp")
    assert axe_check(page) == []  # with the generated form and the exchange shown


def test_workspace_domain_policy_is_shown_under_the_schema(page: Page, owner: Live) -> None:
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    owner.api.set_workspace(domain_policy="none")  # admin 1, through the API
    page.reload()
    ready(page)
    expect(page.locator("#workspace-domains")).to_have_text(
        "No domains are allowed by your workspace's settings."
    )
    expect(page.get_by_text("Domains allowed by your workspace")).to_have_count(0)
    owner.api.set_workspace(domain_policy="list", allowed_domains=["example.com", "api.weather.gov"])
    page.reload()
    ready(page)
    summary = page.get_by_text("Domains allowed by your workspace")
    expect(summary).to_be_visible()
    expect(page.get_by_text("api.weather.gov")).to_be_hidden()  # collapsed
    summary.click()
    expect(page.get_by_text("api.weather.gov")).to_be_visible()
    owner.api.set_workspace(domain_policy="all")
    page.goto(f"/gpts/{action['gpt_id']}/actions/{action['id']}/edit")
    expect(page.get_by_role("heading", name="Edit actions")).to_be_visible()
    expect(page.locator("#workspace-domains")).to_be_empty()


HOSTILE = """openapi: 3.1.0
info:
  title: "<script>alert('title')</script>"
  version: "1"
servers: [{url: "https://api.example.com"}]
paths:
  "/<img src=x onerror=alert('path')>":
    get:
      operationId: "<script>alert('op')</script>"
      description: "<img src=x onerror=alert('desc')>"
      responses: {"200": {description: ok}}
  /two:
    get:
      operationId: x
      parameters: [{name: "<b>q</b>", in: query, schema: {type: "<img src=x onerror=alert(1)>"}}]
      responses: {"200": {description: ok}}
"""


def test_hostile_schema_text_renders_as_text_and_never_runs(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="<img src=x onerror=alert('name')>")
    page.goto(f"/gpts/{gpt['id']}/actions/new")
    ready(page)
    set_editor_text(page, HOSTILE)
    expect(page.locator("#issues li").first).to_be_visible()
    expect(page.locator("#issues")).to_contain_text("<img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Edit actions")).to_be_visible()
    page.goto("/gpts")
    ready(page)
    expect(page.locator("#gpt-list")).to_contain_text("<img src=x onerror=alert('name')>")
    page.goto(f"/gpts/{gpt['id']}/edit")
    ready(page)
    expect(page.locator("#gpt-title")).to_have_text("<img src=x onerror=alert('name')>")
    injected = page.evaluate(
        "() => Array.from(document.querySelectorAll(INJECTED)).map((e) => e.outerHTML)".replace(
            "INJECTED", json.dumps("main img, main script:not([src]), main b, main [onerror]")
        )
    )
    assert injected == []
    # and the page fixture asserts that no alert() dialog fired and no script error happened


POINTER_CASES = [
    ('{"a": {"b/c": [1, {"d": 2}]}}', "/a/b~1c/1/d", (1, 20)),
    ('{\n  "a": 1,\n  "a": {"x": 2}\n}', "/a/x", (3, 9)),  # the last duplicate, as parsers keep
    ('{\n  "paths": {}\n}', "/paths/~1missing/get", (2, 3)),  # missing: the deepest place reached
    ("a:\n  b:\n    - x\n    - y: 1\n", "/a/b/1/y", (4, 7)),
    ("paths:\n  /pets/{id}:\n    get: {}\n", "/paths/~1pets~1{id}/get", (3, 5)),
    ('"200":\n  x: 1\n200:\n  y: 1\n', "/200/y", (4, 3)),
    ("a: [\n", "/a", (1, 1)),  # text that does not parse: a line still
]


def test_pointer_to_line_and_column_for_json_and_yaml(page: Page, owner: Live) -> None:
    page.goto("/gpts")
    for text, pointer, expected in POINTER_CASES:
        found = page.evaluate(
            "async ([t, p]) => (await import('/static/js/pointer.js')).locate(t, p)", [text, pointer]
        )
        assert (found["line"], found["column"]) == expected, (text, pointer, found)


@pytest.fixture
def documents() -> Iterator[Documents]:
    found = Documents()
    with serve(Starlette(routes=[Route("/docs/{name}", found.serve)])) as base:
        found.base = base
        yield found


def test_import_from_url_then_refresh_shows_the_diff_and_confirm_saves(
    page: Page, owner: Live, documents: Documents
) -> None:
    documents.texts["shop.json"] = V1
    gpt = owner.api.create_gpt(name="Shop")
    page.goto(f"/gpts/{gpt['id']}/actions/new")
    ready(page)
    expect(page.get_by_role("button", name="Refresh from URL")).to_be_hidden()
    page.get_by_role("button", name="Import from URL").click()
    url_field = page.get_by_label("Schema URL")
    expect(url_field).to_be_focused()
    url_field.fill("not a url")
    page.get_by_role("button", name="Import", exact=True).click()  # invalid URLs do nothing
    assert documents.hits == []
    url_field.fill(documents.url("missing.json"))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-error")).to_be_visible()
    url_field.fill(documents.url("shop.json"))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#operations tbody tr")).to_have_count(3)
    expect(page.get_by_role("heading", name="Edit actions")).to_be_visible()
    assert editor_text(page) == json.dumps(json.loads(V1), indent=2) + "\n"  # run through Format
    (stored,) = owner.api.get(f"/gpts/{gpt['id']}/actions")["items"]
    assert stored["source_url"] == documents.url("shop.json")

    documents.texts["shop.json"] = V2
    page.get_by_role("button", name="Refresh from URL").click()
    panel = page.locator("#refresh-panel")
    expect(panel).to_contain_text("Operations added")
    expect(panel).to_contain_text("Operations removed")
    expect(panel.get_by_role("listitem").filter(has_text="listItems")).to_contain_text("removed: q")
    assert owner.api.get(f"/gpts/{gpt['id']}/actions/{stored['id']}")["schema"] == V1  # nothing saved yet
    panel.get_by_role("button", name="Confirm").click()
    expect(panel).to_be_hidden()
    assert owner.api.get(f"/gpts/{gpt['id']}/actions/{stored['id']}")["schema"] == V2
    assert editor_text(page) == V2


def test_oauth_settings_in_order_with_write_only_client_credentials(page: Page, owner: Live) -> None:
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    page.get_by_role("button", name="Edit authentication").click()
    dialog = page.get_by_role("dialog", name="Authentication")
    dialog.get_by_role("radio", name="OAuth").check()
    labels = dialog.locator("#auth-oauth > label, #auth-oauth legend").all_inner_texts()
    assert labels[:6] == [
        "Client ID", "Client Secret", "Authorization URL", "Token URL", "Scope", "Token Exchange Method"
    ]  # fmt: skip
    expect(
        dialog.get_by_text("Warning: OAuth may fail if you don't allow our redirect URLs.")
    ).to_be_visible()
    expect(dialog.get_by_role("radio", name="Default (POST request)")).to_be_checked()
    dialog.get_by_label("Client ID").fill("client-123")
    dialog.get_by_label("Client Secret").fill("very-secret-456")
    dialog.get_by_label("Authorization URL").fill("https://auth.example.com/authorize")
    dialog.get_by_label("Token URL").fill("https://auth.example.com/token")
    dialog.get_by_label("Scope").fill("read write")
    dialog.get_by_role("radio", name="Basic authorization header").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#auth-type")).to_have_text("OAuth")
    stored = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert (stored["client_id"], stored["client_secret"], stored["token_exchange_method"]) == (
        "set", "set", "basic_auth_header"
    )  # fmt: skip
    page.reload()
    ready(page)
    page.get_by_role("button", name="Edit authentication").click()
    expect(dialog.get_by_label("Client ID")).to_have_value("")
    expect(dialog.get_by_label("Client Secret")).to_have_value("")
    expect(dialog.locator("#client-secret-state")).to_contain_text("A client secret is set.")
    expect(dialog.get_by_label("Token URL")).to_have_value("https://auth.example.com/token")
    expect(dialog.get_by_label("Scope")).to_have_value("read write")
    assert "very-secret-456" not in page.content()
    dialog.get_by_label("Token URL").fill("not a url")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#auth-error")).to_have_text("Enter an absolute http(s) URL")
    expect(dialog).to_be_visible()  # refused: the modal stays open, nothing stored
    after = owner.api.get(f"/gpts/{action['gpt_id']}/actions/{action['id']}")["auth"]
    assert after["token_url"] == "https://auth.example.com/token"


def test_delete_asks_first_and_cancel_keeps_the_action(page: Page, owner: Live) -> None:
    action = open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    page.get_by_role("button", name="Delete action").click()
    confirm = page.get_by_role("dialog", name="Delete action")
    expect(confirm).to_contain_text("Are you sure you want to delete this action?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    assert len(owner.api.get(f"/gpts/{action['gpt_id']}/actions")["items"]) == 1
    page.get_by_role("button", name="Delete action").click()
    confirm.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"/gpts/{action['gpt_id']}/edit$"))
    assert owner.api.get(f"/gpts/{action['gpt_id']}/actions")["items"] == []


def test_an_operations_preview_button_posts_the_test_message_into_preview(page: Page, owner: Live) -> None:
    open_new_action(page, owner, owner.api.get("/editor/examples/weather")["text"])
    expect(page.locator("[data-chat-mount][data-ready]")).to_have_count(1)
    page.get_by_role("button", name="Test GetCurrentWeather in Preview").click()
    expect(page.locator("[data-chat-mount] .user-bubble")).to_contain_text(
        "Call the weather.example.com API with the GetCurrentWeather operation"
    )


def test_an_action_out_of_reach_says_so(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Mine")
    page.goto(f"/gpts/{gpt['id']}/actions/act_notthere/edit")
    ready(page)
    expect(page.locator(".page-error")).to_have_text("No such action.")


def test_the_schema_editor_indents_with_tab_and_esc_leaves_it(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Keys")
    page.goto(f"/gpts/{gpt['id']}/actions/new")
    ready(page)
    page.get_by_role("button", name="Import from URL").focus()
    page.keyboard.press("Tab")  # the Examples menu
    page.keyboard.press("Tab")
    editor = page.get_by_label("OpenAPI schema")
    expect(editor).to_be_focused()
    page.keyboard.type("openapi: 3.1.0")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("x: 1")
    assert editor_text(page) == "openapi: 3.1.0\n  x: 1"
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Format")).to_be_focused()
