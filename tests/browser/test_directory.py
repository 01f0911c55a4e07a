"""The public directory of this instance: GPTs published to everyone, filtered by category; each
opens its chat."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.chat_world import shop, shop_gpt
from tests.browser.conftest import Live, axe_check


def test_the_directory_lists_public_gpts_by_category_and_opens_one(page: Page, owner: Live) -> None:
    with shop() as (_, url):
        public = shop_gpt(owner, url, name="Teapot shop", description="Teapots", category="Lifestyle")
        owner.api.post(f"/gpts/{public}/publish", {"visibility": "public"}, expect=201)
        weather = owner.api.create_gpt(name="Weather", description="Forecasts", category="Productivity")["id"]
        owner.api.post(f"/gpts/{weather}/publish", {"visibility": "public"}, expect=201)
        shop_gpt(owner, url, name="Internal desk", publish=True)  # workspace only: not listed
        page.goto("/directory")
        page.wait_for_selector("main[data-ready]")
        items = page.locator("#directory-list li")
        expect(items).to_have_count(2)
        expect(page.get_by_role("link", name="Internal desk")).to_have_count(0)
        assert axe_check(page) == []
        page.get_by_label("Category").select_option("Productivity")
        expect(items).to_have_count(1)
        expect(items).to_contain_text("Forecasts")
        page.get_by_label("Category").select_option(label="All categories")
        expect(items).to_have_count(2)
        page.get_by_role("link", name="Teapot shop").click()
        expect(page.get_by_role("heading", name="Teapot shop")).to_be_visible()
        expect(page).to_have_url(f"{owner.base}/g/{public}")
