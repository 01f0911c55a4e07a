"""A GPT's privacy settings: the Actions tab sets "Always allow" / "Ask" per domain (the chat then
asks, or not), with the Privacy policy link; the Connected accounts tab logs out of an account and
takes the user's own API key; the tabs work with the arrow keys."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.chat_world import PRIVACY_URL, shop, shop_gpt
from tests.browser.conftest import Live, axe_check, screenshot


def open_privacy(page: Page, gpt_id: str) -> None:
    page.goto(f"/g/{gpt_id}/privacy")
    page.wait_for_selector("main[data-ready]")


def test_always_allow_and_ask_per_domain(page: Page, owner: Live) -> None:
    with shop() as (_, url):
        gpt_id = shop_gpt(owner, url, publish=True)
        open_privacy(page, gpt_id)
        expect(page.get_by_role("heading", name="GPT's privacy settings")).to_be_visible()
        panel = page.get_by_role("tabpanel", name="Actions")
        expect(panel).to_contain_text(
            "Select which 3rd party actions are allowed in conversations with Shopper."
        )
        expect(panel.get_by_role("link", name="Privacy policy")).to_have_attribute("href", PRIVACY_URL)
        choice = page.get_by_label("127.0.0.1")
        expect(choice).to_have_value("ask")
        choice.select_option(label="Always allow")
        expect(page.locator(".toast")).to_have_text("127.0.0.1: Always allow")
        consents = owner.api.get(f"/gpts/{gpt_id}/consents")["items"]
        assert [(c["domain"], c["choice"]) for c in consents] == [("127.0.0.1", "always")]
        assert axe_check(page) == []
        screenshot(page, "privacy-settings.png")

        page.reload()
        page.wait_for_selector("main[data-ready]")
        expect(page.get_by_label("127.0.0.1")).to_have_value("always")
        page.get_by_label("127.0.0.1").select_option(label="Ask")
        expect(page.locator(".toast").last).to_have_text("127.0.0.1: Ask")
        assert owner.api.get(f"/gpts/{gpt_id}/consents")["items"][0]["choice"] == "ask"


def test_the_tabs_work_by_keyboard_and_accounts_log_out_and_take_a_key(page: Page, owner: Live) -> None:
    with shop() as (_, url):
        auth = {"type": "api_key", "authorization_type": "bearer", "api_key": "sk-shared-key-0"}
        gpt_id = shop_gpt(owner, url, publish=True, auth=auth)
        action_id = owner.api.get(f"/gpts/{gpt_id}/actions")["items"][0]["id"]
        owner.api.put(f"/me/connections/{action_id}/api-key", {"api_key": "sk-my-own-key-1"})
        open_privacy(page, gpt_id)
        page.get_by_role("tab", name="Actions").focus()
        page.keyboard.press("ArrowRight")
        accounts = page.get_by_role("tab", name="Connected accounts")
        expect(accounts).to_be_focused()
        expect(accounts).to_have_attribute("aria-selected", "true")
        panel = page.get_by_role("tabpanel", name="Connected accounts")
        expect(panel).to_contain_text("Manage which 3rd party accounts can be accessed by Shopper.")
        expect(panel).to_contain_text("API key (Preview), connected")
        assert axe_check(page) == []

        page.get_by_role("button", name="Log out of 127.0.0.1").click()
        key = page.get_by_label("Your API key for 127.0.0.1 (Preview)")
        expect(key).to_be_visible()
        assert owner.api.get("/me/connections")["items"] == []
        key.fill("sk-my-new-key-2")
        key.press("Enter")
        expect(page.get_by_role("button", name="Log out of 127.0.0.1")).to_be_visible()
        (connection,) = owner.api.get("/me/connections")["items"]
        assert connection["action_id"] == action_id
        assert "sk-my-new-key-2" not in page.content()  # write-only: never shown back
        page.keyboard.press("Shift+Tab")
        page.get_by_role("tab", name="Connected accounts").focus()
        page.keyboard.press("Home")
        expect(page.get_by_role("tab", name="Actions")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("tabpanel", name="Actions")).to_be_visible()


def test_an_action_whose_users_bring_their_own_keys_asks_for_yours(page: Page, owner: Live) -> None:
    with shop() as (_, url):
        auth = {"type": "api_key", "authorization_type": "bearer", "key_source": "user"}
        gpt_id = shop_gpt(owner, url, publish=True, auth=auth)
        open_privacy(page, gpt_id)
        page.get_by_role("tab", name="Connected accounts").click()
        panel = page.get_by_role("tabpanel", name="Connected accounts")
        expect(panel).to_contain_text("Add your key: this action needs your own API key.")
        expect(panel).to_contain_text("Add your key (Preview): this action needs your own API key.")
        assert axe_check(page) == []
        key = page.get_by_label("Your API key for 127.0.0.1", exact=True)  # the published GPT's
        key.fill("sk-mine-for-the-published-3")
        key.press("Enter")
        expect(panel).to_contain_text("API key, connected")
        (connection,) = [
            c for c in owner.api.get(f"/me/connections?gpt_id={gpt_id}")["items"] if c["connected"]
        ]
        assert (connection["mode"], connection["key_source"]) == ("published", "user")
        expect(page.get_by_label("Your API key for 127.0.0.1 (Preview)")).to_be_visible()  # still needed


def test_an_oauth_action_never_signed_in_to_offers_log_in(page: Page, owner: Live) -> None:
    gpt_id = owner.api.create_gpt(name="Forecaster")["id"]
    auth = {
        "type": "oauth", "client_id": "id", "client_secret": "secret",
        "authorization_url": "https://auth.example.com/authorize", "token_url": "https://auth.example.com/token",
    }  # fmt: skip
    weather = owner.api.get("/editor/examples/weather")["text"]
    owner.api.add_action(gpt_id, schema=weather, auth=auth, privacy_policy_url=PRIVACY_URL)
    owner.api.post(f"/gpts/{gpt_id}/publish", {"visibility": "workspace"}, expect=201)
    assert owner.api.get("/me/connections")["items"] == []  # never signed in
    open_privacy(page, gpt_id)
    page.get_by_role("tab", name="Connected accounts").click()
    panel = page.get_by_role("tabpanel", name="Connected accounts")
    expect(panel).to_contain_text("OAuth, not connected")
    expect(panel.get_by_role("button", name="Log in to weather.example.com")).to_be_visible()
    expect(page.locator("#accounts-empty")).to_be_hidden()
    assert axe_check(page) == []
