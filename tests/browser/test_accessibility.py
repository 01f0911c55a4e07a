"""axe-core (vendored) on the chat page with every kind of entry, and on the admin page with its
forms and records opened: no serious or critical violation; keyboard focus is visible."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from actionforge.testing import call_tools, say
from tests.browser.chat_world import scripted_model, send, shop, shop_gpt
from tests.browser.conftest import Live, axe_check


def test_the_chat_page_with_every_kind_of_entry(page: Page, owner: Live) -> None:
    answer = say("# Item 4\n\n- a *Blue teapot*\n\n`id: 4`")
    replies = (call_tools(("getItem", {"id": 4})), answer, call_tools(("createOrder", {"item": 4})))
    with shop() as (_, url), scripted_model(owner, *replies):
        gpt_id = shop_gpt(owner, url, publish=True, conversation_starters=["What is item 4?"])
        page.goto(f"/g/{gpt_id}")
        page.wait_for_selector("main[data-ready]")
        expect(page.get_by_role("list", name="Conversation starters")).to_be_visible()
        assert axe_check(page) == []
        page.get_by_role("button", name="What is item 4?").click()
        page.get_by_role("button", name="Allow", exact=True).click()
        expect(page.locator(".assistant-bubble h1")).to_have_text("Item 4")
        send(page, "Order it")
        allow = page.locator(".confirm-card").last.get_by_role("button", name="Allow", exact=True)
        expect(allow).to_be_focused()
        outline = allow.evaluate(
            "e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]"
        )
        assert outline[0] != "none", outline  # focus is visible
        assert outline[1] >= 2, outline
        page.get_by_text("Shopper sent this info to 127.0.0.1").click()
        assert page.locator(".debug-entry").count() == 0
        assert axe_check(page) == []


def test_the_admin_page_with_its_forms_and_records_open(page: Page, owner: Live) -> None:
    with shop() as (_, url), scripted_model(owner):
        gpt_id = shop_gpt(owner, url)
        action = owner.api.get(f"/gpts/{gpt_id}/actions")["items"][0]
        owner.api.post(
            f"/gpts/{gpt_id}/actions/{action['id']}/test", {"operation": "getItem", "arguments": {"id": 1}}
        )
        owner.api.set_workspace(domain_policy="list", allowed_domains=["example.com", "127.0.0.1"])
        page.goto("/admin")
        page.wait_for_selector("main[data-ready]")
        page.get_by_text("Add a provider").click()
        page.get_by_text("Add a model").click()
        page.locator("#call-rows summary").first.click()
        expect(page.locator("#call-rows pre")).to_contain_text('"id": 1')
        assert axe_check(page) == []
