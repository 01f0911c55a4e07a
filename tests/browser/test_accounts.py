"""Builder 1 and 2: first-run setup through the link `serve` prints, sign-in, My GPTs."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import OWNER_EMAIL, Live, axe_check, new_context
from tests.web.conftest import PASSWORD


def test_first_run_setup_creates_the_owner_and_lands_on_my_gpts(browser: Browser, live: Live) -> None:
    context = new_context(browser, live)
    page = context.new_page()
    page.goto(live.setup_link)
    expect(page.get_by_role("heading", name="Create the owner account")).to_be_visible()
    assert axe_check(page) == []
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Name").fill("Ada Owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="My GPTs")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text("Ada Owner")
    assert page.url == f"{live.base}/gpts"
    page.goto(live.setup_link)  # the link works once
    page.get_by_label("Email").fill("second@example.com")
    page.get_by_label("Name").fill("Second")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    context.close()


def test_sign_in_returns_to_the_page_asked_for(browser: Browser, owner: Live) -> None:
    context = browser.new_context(base_url=owner.base)
    page = context.new_page()
    page.goto("/gpts")
    expect(page).to_have_url(f"{owner.base}/sign-in?next=%2Fgpts")
    assert axe_check(page) == []
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My GPTs")).to_be_visible()
    context.close()


def test_create_a_gpt_and_open_it_from_my_gpts(page: Page, owner: Live) -> None:
    owner.api.create_gpt(name="Weather helper", description="Forecasts")
    page.goto("/gpts")
    expect(page.get_by_role("link", name="Weather helper")).to_be_visible()
    assert axe_check(page) == []
    page.get_by_role("button", name="Create a GPT").click()
    expect(page).to_have_url(re.compile(r"/gpts/[^/]+/edit$"))
    gpts = owner.api.get(f"/workspaces/{owner.api.workspace()['id']}/gpts")["items"]
    assert len(gpts) == 2
    page.goto("/gpts")
    page.get_by_role("link", name="Weather helper").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Weather helper")
    expect(page.get_by_label("Description")).to_have_value("Forecasts")


def test_pages_send_a_content_security_policy_without_inline_script(owner: Live) -> None:
    for path in ("/sign-in", "/gpts", "/setup", "/gpts/gpt_x/edit", "/gpts/gpt_x/actions/new"):
        response = owner.api.client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script>" not in response.text  # every script is a file
    assert "content-security-policy" not in owner.api.client.get("/api/docs").headers
