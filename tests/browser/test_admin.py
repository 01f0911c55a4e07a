"""Admin 1 and 3, and the rest of the workspace admin page: custom actions on or off, the domain
policy (all, the approved list with "Add new domain", none), members and roles, model providers
and models, and the action-call audit log with its filters. With the policy at none, a call in
chat is refused, and the chat says why."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from actionforge.testing import call_tools, say
from tests.browser.chat_world import scripted_model, send, shop, shop_gpt
from tests.browser.conftest import Live, axe_check, screenshot
from tests.web.conftest import PASSWORD
from tests.web.processes import CLI, environment

# What differs on every run of the same page, set to one value in admin.png: the scripted model's
# port, each call's time and latency.
ADMIN_STEADY = {
    "#provider-rows td.mono": "http://127.0.0.1:8000/v1",
    "#call-rows td:nth-child(1)": "12/6/2026, 9:00:00 AM",
    "#call-rows td:nth-child(8)": "12 ms",
}


def settings(owner: Live) -> dict[str, Any]:
    found: dict[str, Any] = owner.api.workspace()["settings"]
    return found


def direct_test(owner: Live, gpt_id: str, operation: str, arguments: dict[str, Any]) -> None:
    action = owner.api.get(f"/gpts/{gpt_id}/actions")["items"][0]
    body = {"operation": operation, "arguments": arguments}
    owner.api.post(f"/gpts/{gpt_id}/actions/{action['id']}/test", body)


def open_admin(page: Page) -> None:
    page.goto("/admin")
    page.wait_for_selector("main[data-ready]")


def test_the_admin_page_sets_the_policy_and_shows_members_models_and_calls(page: Page, owner: Live) -> None:
    with shop() as (_, url), scripted_model(owner):
        shopper = shop_gpt(owner, url)
        other = shop_gpt(owner, url, name="Orders desk")
        direct_test(owner, shopper, "getItem", {"id": 1})
        direct_test(owner, shopper, "getItem", {"id": 2})
        direct_test(owner, other, "createOrder", {"item": 5})
        open_admin(page)
        expect(page.get_by_role("heading", name="Workspace settings")).to_be_visible()
        expect(page.locator("#member-rows tr td:nth-child(2)")).to_have_text(["owner@example.com"])
        expect(page.get_by_label("Role of owner@example.com")).to_have_value("owner")
        expect(page.locator("#provider-rows")).to_contain_text("local")
        expect(page.get_by_label("local/scripted")).to_be_checked()
        expect(page.locator("#call-rows tr")).to_have_count(3)
        expect(page.locator("#call-rows tr").first).to_contain_text("createOrder")  # newest first
        expect(page.locator("#audit-count")).to_have_text("3 of 3 calls")
        expect(page.locator("#audit-more")).to_be_hidden()  # one page holds them
        with page.expect_request(lambda r: "/calls?" in r.url and f"gpt={other}" in r.url):  # server filters
            page.get_by_label("GPT", exact=True).select_option(label="Orders desk")
        expect(page.locator("#call-rows tr")).to_have_count(1)
        expect(page.locator("#audit-count")).to_have_text("1 of 3 calls")
        page.get_by_label("GPT", exact=True).select_option(label="All")
        expect(page.locator("#call-rows tr")).to_have_count(3)

        page.get_by_label("Only the approved domains").check()
        expect(page.locator("#admin-state")).to_have_text("Saved")
        expect(page.get_by_text("No domains added. No GPT Actions will be allowed.")).to_be_visible()
        page.get_by_label("New domain").fill("example.com")
        page.get_by_role("button", name="Add new domain").click()
        expect(page.locator("#domain-list")).to_contain_text("example.com")
        assert settings(owner)["domain_policy"] == "list"
        assert settings(owner)["allowed_domains"] == ["example.com"]
        page.get_by_label("New domain").fill("not a domain!")
        page.get_by_role("button", name="Add new domain").click()
        expect(page.locator("#domain-error")).to_be_visible()
        assert settings(owner)["allowed_domains"] == ["example.com"]  # refused: nothing changed

        page.get_by_label("Allow all domains for GPT Actions").check()
        expect(page.locator("#domain-editor")).to_be_hidden()
        assert settings(owner)["domain_policy"] == "all"
        page.get_by_label("Allow custom actions in GPTs").uncheck()
        expect(page.locator("#admin-state")).to_have_text("Saved")
        assert settings(owner)["custom_actions_enabled"] is False
        page.get_by_label("No domains").check()  # Admin 1
        expect(page.locator("#policy-note")).to_have_text(
            "No domains are allowed: GPT Actions cannot run in this workspace."
        )
        assert settings(owner)["domain_policy"] == "none"
        page.reload()
        page.wait_for_selector("main[data-ready]")
        expect(page.get_by_label("No domains")).to_be_checked()
        expect(page.get_by_label("Allow custom actions in GPTs")).not_to_be_checked()
        assert axe_check(page) == []
        screenshot(page, "admin.png", ADMIN_STEADY)


def test_the_audit_log_loads_a_hundred_calls_at_a_time_newest_first(page: Page, owner: Live) -> None:
    with shop() as (_, url), scripted_model(owner):
        shopper = shop_gpt(owner, url)
        for n in range(101):
            direct_test(owner, shopper, "getItem", {"id": n})
        open_admin(page)
        expect(page.locator("#call-rows tr")).to_have_count(100)
        expect(page.locator("#audit-count")).to_have_text("100 of 101 calls")
        page.get_by_role("button", name="Load older calls").click()
        expect(page.locator("#call-rows tr")).to_have_count(101)
        expect(page.locator("#audit-count")).to_have_text("101 of 101 calls")
        expect(page.locator("#audit-more")).to_be_hidden()
        expect(page.locator("#call-rows tr").last.locator("details pre")).to_contain_text('"id": 0')


def test_with_no_domains_allowed_a_call_in_chat_is_refused_with_the_reason(page: Page, owner: Live) -> None:
    with shop() as (api, url), scripted_model(owner, call_tools(("getItem", {"id": 1})), say("I could not.")):
        gpt_id = shop_gpt(owner, url)
        owner.api.put(f"/gpts/{gpt_id}/consents", {"domain": "127.0.0.1", "choice": "always"})
        open_admin(page)
        page.get_by_label("No domains").check()
        expect(page.locator("#admin-state")).to_have_text("Saved")

        page.goto(f"/gpts/{gpt_id}/edit")
        page.wait_for_selector("#chat[data-ready]")
        send(page, "Item 1?")
        expect(page.locator(".status-line")).to_have_text(["Error talking to 127.0.0.1"])
        reason = page.locator(".status-reason")
        expect(reason).to_have_text("No domains are allowed by your workspace's settings.")
        expect(page.locator(".assistant-bubble")).to_have_text("I could not.")
        assert api.hits["getItem"] == 0


def another_account(tmp_path: Path, email: str) -> None:
    """An account made as an operator would, with ``actionforge admin create-user`` on the live
    server's database."""
    subprocess.run(
        [*CLI, "admin", "create-user", "--email", email, "--name", email.split("@")[0], "--password-stdin"],
        input=f"{PASSWORD}\n", text=True, check=True, capture_output=True,
        env=environment(tmp_path, f"sqlite:///{tmp_path / 'browser.db'}"),
    )  # fmt: skip


def test_member_roles_change_and_members_are_removed_but_the_last_owner_stays(
    page: Page, owner: Live, tmp_path: Path
) -> None:
    another_account(tmp_path, "helper@example.com")
    workspace = owner.api.workspace()["id"]
    owner.api.post(f"/workspaces/{workspace}/members", {"email": "helper@example.com", "role": "member"})
    open_admin(page)
    role = page.get_by_label("Role of helper@example.com")
    expect(role).to_have_value("member")
    role.select_option(label="Admin")
    expect(page.locator("#admin-state")).to_have_text("Role changed")
    members = owner.api.get(f"/workspaces/{workspace}/members")["items"]
    roles = {m["user"]["email"]: m["role"] for m in members}
    assert roles == {"owner@example.com": "owner", "helper@example.com": "admin"}

    page.get_by_label("Role of owner@example.com").select_option(label="Member")  # the only owner
    expect(page.locator("#member-error")).to_contain_text("The last owner of a workspace cannot be demoted")
    expect(page.get_by_label("Role of owner@example.com")).to_have_value("owner")  # what is stored
    assert axe_check(page) == []

    page.get_by_role("button", name="Remove helper@example.com").click()
    expect(page.locator("#admin-state")).to_have_text("Member removed")
    expect(page.locator("#member-rows tr")).to_have_count(1)
    assert [m["user"]["email"] for m in owner.api.get(f"/workspaces/{workspace}/members")["items"]] == [
        "owner@example.com"
    ]
