"""Builder 7 and the chat component in Preview: chat with the scripted model, approve a call by
mouse and by keyboard alone, see the answer, the status lines, the "sent this info" record and the
debug entry; a reload and a second tab show the same conversation and keep streaming; hostile
HTML in an API response and in the answer never runs."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from actionforge.models import NO_MODEL_CONFIGURED
from actionforge.testing import call_tools, say
from tests.browser.chat_world import HOSTILE, PRIVACY_URL, scripted_model, send, shop, shop_gpt
from tests.browser.conftest import Live, axe_check, screenshot


def open_preview(page: Page, gpt_id: str) -> None:
    page.goto(f"/gpts/{gpt_id}/edit")
    page.wait_for_selector("#chat[data-ready]")


def test_chat_in_preview_approve_a_call_and_see_the_answer(page: Page, owner: Live) -> None:
    order = ("createOrder", {"item": 7, "quantity": 2})
    with shop() as (api, url), scripted_model(owner, call_tools(order), say("Ordered **two** teapots.")):
        gpt_id = shop_gpt(owner, url)
        open_preview(page, gpt_id)
        send(page, "Order two of item 7")
        card = page.locator(".confirm-card")
        expect(card.get_by_role("heading", name="Shopper wants to talk to 127.0.0.1")).to_be_visible()
        expect(card).to_contain_text("Only allow sites you trust.")
        expect(card).to_contain_text('"quantity": 2')
        expect(card.get_by_role("link", name="Privacy policy")).to_have_attribute("href", PRIVACY_URL)
        # A consequential call (POST): the server offers no "Always Allow".
        expect(card.get_by_role("button")).to_have_text(["Allow", "Decline"])
        assert api.hits["createOrder"] == 0
        assert axe_check(page) == []
        screenshot(page, "preview-confirmation.png")

        card.get_by_role("button", name="Allow").click()
        answer = page.locator(".assistant-bubble")
        expect(answer).to_have_text("Ordered two teapots.")
        expect(answer.locator("strong")).to_have_text("two")  # Markdown, rendered
        expect(card).to_contain_text("Allowed")
        expect(page.locator(".status-line")).to_have_text(["Talked to 127.0.0.1"])
        expect(page.get_by_text("Shopper sent this info to 127.0.0.1")).to_be_visible()
        debug = page.locator(".debug-entry")
        debug.locator("summary").click()
        expect(debug).to_contain_text('"method": "POST"')
        expect(debug).to_contain_text("/orders")
        assert api.orders == [{"item": 7, "quantity": 2}]


def test_the_confirmation_card_works_by_keyboard_alone(page: Page, owner: Live) -> None:
    read = ("getItem", {"id": 3})
    with shop() as (api, url), scripted_model(owner, call_tools(read), say("It is a Blue teapot.")):
        gpt_id = shop_gpt(owner, url)
        open_preview(page, gpt_id)
        page.get_by_label("Message Shopper").focus()
        page.keyboard.type("What is item 3?")
        page.keyboard.press("Enter")
        card = page.locator(".confirm-card")
        expect(card.get_by_role("button")).to_have_text(["Allow", "Always Allow", "Decline"])
        # The card takes the focus when it arrives; Tab moves along its controls.
        expect(card.get_by_role("button", name="Allow", exact=True)).to_be_focused()
        page.keyboard.press("Tab")
        expect(card.get_by_role("button", name="Always Allow")).to_be_focused()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        expect(card.get_by_role("link", name="Privacy policy")).to_be_focused()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Always Allow
        expect(page.locator(".assistant-bubble")).to_have_text("It is a Blue teapot.")
        expect(card).to_contain_text("Always allowed")
        assert api.hits["getItem"] == 1
        consents = owner.api.get(f"/gpts/{gpt_id}/consents")["items"]
        assert [(c["domain"], c["choice"]) for c in consents] == [("127.0.0.1", "always")]


def test_a_reload_and_a_second_tab_show_the_same_conversation_and_keep_streaming(
    page: Page, owner: Live
) -> None:
    first, second = ("getItem", {"id": 1}), ("getItem", {"id": 2})
    replies = (call_tools(first), say("One."), call_tools(second), say("Two."))
    with shop() as (_, url), scripted_model(owner, *replies):
        gpt_id = shop_gpt(owner, url)
        open_preview(page, gpt_id)
        send(page, "Item 1?")
        page.get_by_role("button", name="Allow", exact=True).click()
        expect(page.locator(".assistant-bubble")).to_have_text(["One."])

        page.reload()
        page.wait_for_selector("#chat[data-ready]")
        expect(page.locator(".user-bubble")).to_have_text(["Item 1?"])
        expect(page.locator(".assistant-bubble")).to_have_text(["One."])

        other = page.context.new_page()  # a second tab of the same browser
        other.goto(f"/gpts/{gpt_id}/edit")
        other.wait_for_selector("#chat[data-ready]")
        expect(other.locator(".assistant-bubble")).to_have_text(["One."])
        send(page, "Item 2?")
        # The second tab sees the new turn as it happens, and can answer its card.
        other.locator(".confirm-card").last.get_by_role("button", name="Allow", exact=True).click()
        expect(other.locator(".assistant-bubble")).to_have_text(["One.", "Two."])
        expect(page.locator(".assistant-bubble")).to_have_text(["One.", "Two."])
        expect(page.locator(".confirm-card").last).to_contain_text("Allowed")
        other.close()


def test_hostile_html_in_a_response_and_in_the_answer_never_runs(page: Page, owner: Live) -> None:
    replies = (call_tools(("getNote", {})), say(f"The note says: {HOSTILE}"))
    with shop() as (api, url), scripted_model(owner, *replies):
        gpt_id = shop_gpt(owner, url)
        owner.api.put(f"/gpts/{gpt_id}/consents", {"domain": "127.0.0.1", "choice": "always"})
        open_preview(page, gpt_id)
        send(page, "Read the note")
        answer = page.locator(".assistant-bubble")
        expect(answer).to_contain_text("The note says:")
        page.locator(".debug-entry summary").click()
        expect(page.locator(".debug-entry")).to_contain_text("<script>window.__pwned=2")  # shown as text
        assert api.hits["getNote"] == 1
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#chat script, #chat [onerror]").count() == 0
        assert page.locator(".assistant-bubble img").count() <= 1  # sanitized: no handler left on it
    # The `page` fixture fails the test on any alert() or uncaught error.


def test_the_action_editors_preview_button_runs_the_originals_chat_test(page: Page, owner: Live) -> None:
    replies = (call_tools(("getItem", {"id": 1})), say("Item 1 is a Blue teapot."))
    with shop() as (api, url), scripted_model(owner, *replies):
        gpt_id = shop_gpt(owner, url)
        action_id = owner.api.get(f"/gpts/{gpt_id}/actions")["items"][0]["id"]
        page.goto(f"/gpts/{gpt_id}/actions/{action_id}/edit")
        page.wait_for_selector("#chat[data-ready]")
        page.get_by_role("button", name="Test getItem in Preview").click()
        message = page.locator(".user-bubble")
        expect(message).to_have_text("TestCall the 127.0.0.1 API with the getItem operation")
        page.get_by_role("button", name="Allow", exact=True).click()
        expect(page.locator(".status-line")).to_have_text(["Tested getItem"])
        expect(page.locator(".assistant-bubble")).to_have_text("Item 1 is a Blue teapot.")
        assert api.hits["getItem"] == 1


def test_stop_ends_a_call_in_flight_and_the_chat_goes_on(page: Page, owner: Live) -> None:
    replies = (call_tools(("getSlow", {})), say("Here again."))  # the stopped turn asks no more
    with shop() as (api, url), scripted_model(owner, *replies):
        gpt_id = shop_gpt(owner, url)
        owner.api.put(f"/gpts/{gpt_id}/consents", {"domain": "127.0.0.1", "choice": "always"})
        open_preview(page, gpt_id)
        send(page, "Be slow")
        expect(page.locator(".status-line")).to_have_text(["Talking to 127.0.0.1"])
        page.get_by_role("button", name="Stop").click()
        expect(page.locator(".status-line")).to_have_text(["Stopped talking to 127.0.0.1"])
        expect(page.get_by_role("button", name="Stop")).to_be_hidden()
        api.gate.set()
        send(page, "Still there?")
        expect(page.locator(".assistant-bubble")).to_have_text(["Here again."])
        assert api.hits["getSlow"] == 1


def test_without_a_model_the_chat_says_so_and_stays_usable(page: Page, owner: Live) -> None:
    with shop() as (_, url):
        gpt_id = shop_gpt(owner, url)
        open_preview(page, gpt_id)
        send(page, "Hello?")
        expect(page.locator(".notice-line")).to_have_text(NO_MODEL_CONFIGURED)
        expect(page.get_by_role("button", name="Send")).to_be_enabled()
        expect(page.get_by_role("button", name="Stop")).to_be_hidden()


def test_a_hostile_gpt_name_description_and_starter_render_as_text(page: Page, owner: Live) -> None:
    name, starter = "<b>Bold</b><img src=x onerror=alert(3)>", "<script>alert(4)</script>"
    with shop() as (_, url), scripted_model(owner, call_tools(("getItem", {"id": 1}))):
        gpt_id = shop_gpt(
            owner, url, publish=True, name=name, description=HOSTILE, conversation_starters=[starter]
        )
        page.goto(f"/g/{gpt_id}")
        page.wait_for_selector("main[data-ready]")
        expect(page.locator("#gpt-name")).to_have_text(name)
        expect(page.locator("#gpt-description")).to_have_text(HOSTILE)
        page.get_by_role("button", name=starter).click()
        expect(page.locator(".confirm-card h3")).to_have_text(f"{name} wants to talk to 127.0.0.1")
        injected = page.evaluate(
            "() => document.querySelectorAll('main b, main img, main script, [onerror]').length"
        )
        assert injected == 0
        assert page.evaluate("window.__pwned") is None
