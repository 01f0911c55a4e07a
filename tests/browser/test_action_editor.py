"""Builder 3–6 and the action editor's behaviour, in Chromium against a real server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, axe_check
from tests.servers.echo import echo_app
from tests.servers.threaded import serve

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
