"""Builder 8 (publish), admin 4 (custom actions disabled), and the GPT editor's Configure pane."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, axe_check, ready, screenshot

PRIVACY = "Public actions require valid privacy policy URLs"
DISABLED = "Custom actions are disabled for your workspace. Contact your admin to enable them."


def weather(owner: Live) -> str:
    text: str = owner.api.get("/editor/examples/weather")["text"]
    return text


def open_editor(page: Page, gpt_id: str) -> None:
    page.goto(f"/gpts/{gpt_id}/edit")
    ready(page)


def test_configure_saves_as_you_go_and_lists_actions(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Weather helper", description="Forecasts", instructions="Be brief.")
    owner.api.add_action(gpt["id"], schema=weather(owner), privacy_policy_url="https://example.com/privacy")
    owner.api.add_action(gpt["id"], schema="not a schema")
    open_editor(page, gpt["id"])
    page.get_by_label("Name", exact=True).fill("Weather bot")
    page.get_by_label("Instructions").fill("Answer with the forecast.")
    page.get_by_role("button", name="Add a conversation starter").click()
    page.get_by_label("Conversation starter 1", exact=True).fill("Weather in Paris?")
    page.get_by_label("Description").focus()
    expect(page.locator("#save-state")).to_have_text("Saved")
    stored = owner.api.get(f"/gpts/{gpt['id']}")
    assert (stored["name"], stored["instructions"]) == ("Weather bot", "Answer with the forecast.")
    assert stored["conversation_starters"] == ["Weather in Paris?"]
    expect(page.locator("#gpt-title")).to_have_text("Weather bot")
    rows = page.locator("#action-list li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_role("link")).to_have_text("weather.example.com")
    expect(rows.nth(1).get_by_role("link")).to_have_text("Invalid action")
    expect(page.get_by_label("Apps (one URL per line)")).to_be_disabled()  # actions XOR apps
    expect(page.get_by_label("Recommended model")).to_be_visible()
    expect(page.locator("[data-chat-mount]")).to_have_attribute("data-gpt-id", gpt["id"])
    screenshot(page, "editor.png")
    assert axe_check(page) == []
    page.get_by_role("button", name="Create new action").click()
    expect(page).to_have_url(re.compile(r"/actions/new$"))


def test_oauth_actions_show_a_copyable_callback_url(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="OAuth")
    auth = {
        "type": "oauth", "client_id": "id", "client_secret": "secret",
        "authorization_url": "https://auth.example.com/authorize", "token_url": "https://auth.example.com/token",
    }  # fmt: skip
    action = owner.api.add_action(gpt["id"], schema=weather(owner), auth=auth)
    open_editor(page, gpt["id"])
    field = page.get_by_label("Callback URL", exact=True)
    expect(field).to_have_value(action["callback_url"])
    assert re.fullmatch(rf"{owner.base}/aip/[^/]+/oauth/callback", str(action["callback_url"]))
    page.get_by_role("button", name="Copy the callback URL of weather.example.com").click()
    expect(page.get_by_role("status").filter(has_text="Copied to clipboard")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == action["callback_url"]


def test_create_new_action_is_disabled_with_the_tooltip_when_the_workspace_disables_them(
    page: Page, owner: Live
) -> None:
    gpt = owner.api.create_gpt(name="Locked")
    owner.api.set_workspace(custom_actions_enabled=False)  # admin 4, through the API
    open_editor(page, gpt["id"])
    button = page.get_by_role("button", name="Create new action")
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("title", DISABLED)
    expect(page.get_by_role("tooltip")).to_have_text(DISABLED)
    assert axe_check(page) == []


def test_at_the_limit_the_button_gives_way_to_the_maximum_message(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Full")
    for n in range(10):
        owner.api.add_action(
            gpt["id"], schema=weather(owner).replace("weather.example.com", f"api{n}.example.com")
        )
    open_editor(page, gpt["id"])
    expect(page.locator("#action-list li")).to_have_count(10)
    expect(page.get_by_text("GPTs can have a maximum of 10 actions")).to_be_visible()
    expect(page.get_by_role("button", name="Create new action")).to_have_count(0)


def test_link_publishing_needs_a_privacy_policy_then_succeeds(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Public weather")
    action = owner.api.add_action(gpt["id"], schema=weather(owner))
    open_editor(page, gpt["id"])
    page.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog", name="Share GPT")
    dialog.get_by_label("Anyone with a link").check()
    dialog.get_by_role("button", name="Publish").click()
    errors = dialog.locator("#publish-error-list li")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text(PRIVACY)
    assert owner.api.get(f"/gpts/{gpt['id']}")["published_version"] is None  # refused: nothing stored
    assert axe_check(page) == []
    errors.first.get_by_role("link", name="Click here to update.").click()
    expect(page).to_have_url(re.compile(rf"/actions/{action['id']}/edit#privacy-policy$"))
    ready(page)
    expect(page.get_by_label("Privacy policy")).to_be_focused()
    page.get_by_label("Privacy policy").fill("https://example.com/privacy")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    page.get_by_role("link", name="Back to the GPT").click()
    page.wait_for_url(f"**/gpts/{gpt['id']}/edit")  # the editor's own page, not the one left behind
    ready(page)
    page.get_by_role("button", name="Publish").click()
    dialog.get_by_label("Anyone with a link").check()
    dialog.get_by_role("button", name="Publish").click()
    expect(dialog.locator("#publish-done")).to_have_text("Published version 1.")
    expect(dialog.locator("#publish-errors")).to_be_hidden()
    stored = owner.api.get(f"/gpts/{gpt['id']}")
    assert (stored["published_version"], stored["visibility"]) == (1, "link")


def test_a_publish_error_on_a_field_moves_focus_to_it(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Store")
    open_editor(page, gpt["id"])
    page.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog", name="Share GPT")
    dialog.get_by_label("Everyone (GPT directory)").check()
    dialog.get_by_role("button", name="Publish").click()
    error = dialog.locator("#publish-error-list li").filter(has_text="Public GPTs must have a category")
    error.get_by_role("link").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Category")).to_be_focused()


def test_the_model_picker_offers_only_tool_calling_models_once_the_gpt_has_actions(
    page: Page, owner: Live
) -> None:
    workspace = owner.api.workspace()["id"]
    provider = owner.api.post(
        f"/workspaces/{workspace}/model-providers",
        {"name": "local", "kind": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k"},
    )
    owner.api.post(f"/model-providers/{provider['id']}/models", {"name": "toolful", "label": "Toolful"})
    owner.api.post(f"/model-providers/{provider['id']}/models", {"name": "plain", "supports_tools": False})
    gpt = owner.api.create_gpt(name="Models")
    open_editor(page, gpt["id"])
    picker = page.get_by_label("Recommended model")
    expect(picker.locator("option")).to_have_text(["Default model", "Toolful", "local/plain"])
    picker.select_option(label="Toolful")
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert owner.api.get(f"/gpts/{gpt['id']}")["model"] == "local/toolful"
    owner.api.add_action(gpt["id"], schema=weather(owner))
    page.reload()
    ready(page)
    expect(picker.locator("option")).to_have_text(["Default model", "Toolful"])
    expect(page.locator("#model-note")).to_contain_text("Only models that can call tools are offered")
    expect(picker).to_have_value("local/toolful")


def test_sharing_wider_than_the_workspace_allows_is_not_offered(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Inside")
    owner.api.set_workspace(max_visibility="workspace")
    open_editor(page, gpt["id"])
    page.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog", name="Share GPT")
    expect(dialog.get_by_label("Anyone in your workspace")).to_be_enabled()
    expect(dialog.get_by_label("Anyone with a link")).to_be_disabled()
    expect(dialog.get_by_label("Everyone (GPT directory)")).to_be_disabled()
    dialog.get_by_label("Anyone in your workspace").check()
    dialog.get_by_role("button", name="Publish").click()
    expect(dialog.locator("#publish-done")).to_have_text("Published version 1.")


def test_a_refused_field_says_why_at_the_field_and_is_not_stored(page: Page, owner: Live) -> None:
    gpt = owner.api.create_gpt(name="Short")
    open_editor(page, gpt["id"])
    page.get_by_label("Name", exact=True).fill("x" * 51)
    page.get_by_label("Description").focus()
    error = page.locator('[data-error-for="/name"]')
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#save-state")).to_have_text("Not saved")
    assert owner.api.get(f"/gpts/{gpt['id']}")["name"] == "Short"
    page.get_by_label("Name", exact=True).fill("Short and fine")
    page.get_by_label("Description").focus()
    expect(page.locator("#save-state")).to_have_text("Saved")
    expect(error).to_be_hidden()
