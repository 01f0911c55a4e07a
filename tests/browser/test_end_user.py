"""End user 1-6 in the browser: open the published GPT, hit an OAuth action, sign in at the real
local oidc-provider, come back to the conversation, which continues by itself, choose "Always
Allow", then log out under Connected accounts and be asked to sign in again. Also: the chat page
at phone width, and axe-core on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from actionforge.testing import call_tools, say
from tests.auth.conftest import protected_api_app
from tests.browser.chat_world import PRIVACY_URL, scripted_model, send, shop, shop_gpt
from tests.browser.conftest import Live, axe_check, ready
from tests.servers.threaded import free_port, serve
from tests.web.test_oauth_signin import UNSET, document, oauth, provider_for


@dataclass
class OAuthGpt:
    gpt_id: str
    api_seen: list[str]


@pytest.fixture
def oauth_gpt(owner: Live, monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuthGpt]:
    """A published GPT "Me" whose one action (GET /me) signs each user in at the real provider."""
    port = free_port()  # the provider's: the callback URL is fixed once the OAuth settings are
    gpt_id = owner.api.create_gpt(name="Me", conversation_starters=["Who am I?"])["id"]
    action = owner.api.add_action(gpt_id, schema=document(UNSET), auth=oauth(f"http://127.0.0.1:{port}"))
    with ExitStack() as stack:
        provider = stack.enter_context(provider_for(monkeypatch, port, action["callback_url"]))
        api = protected_api_app(provider)
        api_url = stack.enter_context(serve(api))
        body = {"schema": document(api_url), "privacy_policy_url": PRIVACY_URL}
        owner.api.patch(f"/gpts/{gpt_id}/actions/{action['id']}", body)
        owner.api.post(f"/gpts/{gpt_id}/publish", {"visibility": "workspace"}, expect=201)
        yield OAuthGpt(gpt_id, api.state.seen)


def test_sign_in_continue_always_allow_log_out_and_sign_in_again(
    page: Page, owner: Live, oauth_gpt: OAuthGpt
) -> None:
    replies = (call_tools(("me", {})), say("You are **alice**."), call_tools(("me", {})), say("Still alice."))
    with scripted_model(owner, *replies):
        page.goto(f"/g/{oauth_gpt.gpt_id}")  # 1. open the published GPT
        expect(page.get_by_role("heading", name="Me", exact=True)).to_be_visible()
        page.get_by_role("button", name="Who am I?").click()  # a conversation starter
        sign_in = page.get_by_role("button", name="Sign in with 127.0.0.1")  # 2. an OAuth action
        expect(sign_in).to_be_focused()
        assert axe_check(page) == []
        conversation = page.url.split("?c=")[1]
        sign_in.click()  # 3. the real provider approves by itself and sends the browser back

        page.wait_for_url(f"**/g/{oauth_gpt.gpt_id}?c={conversation}")  # 4. the same conversation
        card = page.locator(".confirm-card")
        expect(card.get_by_role("heading", name="Me wants to talk to 127.0.0.1")).to_be_visible()
        expect(page.locator(".sign-in-card")).to_contain_text("Signed in to 127.0.0.1")
        card.get_by_role("button", name="Always Allow").click()  # 5.
        expect(page.locator(".assistant-bubble")).to_have_text("You are alice.")
        assert oauth_gpt.api_seen[-1].startswith("Bearer ")
        assert page.locator(".debug-entry").count() == 0  # never outside Preview
        expect(page.locator("#history-list a")).to_have_count(1)
        expect(page.locator("#history-list a")).to_contain_text("Who am I?")  # named by its first message

        page.get_by_role("link", name="Privacy settings").click()  # 6. log out...
        page.wait_for_url(f"**/g/{oauth_gpt.gpt_id}/privacy")
        ready(page)  # its tabs respond
        page.get_by_role("tab", name="Connected accounts").click()
        page.get_by_role("button", name="Log out of 127.0.0.1").click()
        expect(page.get_by_role("button", name="Log in to 127.0.0.1")).to_be_visible()
        assert [c for c in owner.api.get("/me/connections")["items"] if c["gpt_id"] == oauth_gpt.gpt_id] == []

        page.go_back()  # ...and be asked to sign in again, with no new Allow question
        send(page, "And now?", "Me")
        expect(page.get_by_role("button", name="Sign in with 127.0.0.1")).to_be_visible()
        expect(page.locator(".confirm-card")).to_have_count(1)


def test_the_chat_page_works_at_phone_width(page: Page, owner: Live) -> None:
    with shop() as (_, url), scripted_model(owner, say("Hello from the shop.")):
        gpt_id = shop_gpt(owner, url, publish=True, description="Items and orders")
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(f"/g/{gpt_id}")
        page.wait_for_selector("main[data-ready]")
        send(page, "Hi")
        expect(page.locator(".assistant-bubble")).to_have_text("Hello from the shop.")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        history = page.locator("#history-list a")
        expect(history).to_be_hidden()  # on a phone the conversation comes first
        page.get_by_role("heading", name="Conversations").click()
        expect(history).to_have_count(1)
        expect(history).to_contain_text("Hi")
        page.get_by_role("button", name="Delete conversation: Hi").click()
        expect(page.get_by_text("No conversations yet.")).to_be_visible()
        expect(page.locator(".user-bubble")).to_have_count(0)
        assert owner.api.get(f"/gpts/{gpt_id}/conversations?preview=false")["items"] == []
        assert axe_check(page) == []


def test_a_gpt_outside_reach_reads_as_not_found(page: Page, owner: Live) -> None:
    with shop() as (_, url):
        gpt_id = shop_gpt(owner, url)  # a draft: nobody may chat with it as an end user
        page.goto(f"/g/{gpt_id}")
        expect(page.get_by_role("alert")).to_have_text("GPT inaccessible or not found")
        expect(page.get_by_label("Message Shopper")).to_have_count(0)
