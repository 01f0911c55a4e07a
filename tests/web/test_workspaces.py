"""Workspace roles and settings: who may change what, and what the settings then allow."""

from __future__ import annotations

import httpx

from tests.web.conftest import MakeUser, workspace_id


async def join(owner: httpx.AsyncClient, make_user: MakeUser, email: str, role: str) -> httpx.AsyncClient:
    client = await make_user(email)
    added = await owner.post(
        f"/api/workspaces/{await workspace_id(owner)}/members", json={"email": email, "role": role}
    )
    assert added.status_code == 201, added.text
    return client


async def test_roles_decide_who_changes_settings(owner: httpx.AsyncClient, make_user: MakeUser) -> None:
    ws = await workspace_id(owner)
    admin = await join(owner, make_user, "admin@example.com", "admin")
    member = await join(owner, make_user, "member@example.com", "member")
    settings = f"/api/workspaces/{ws}/settings"

    assert (await member.get(f"/api/workspaces/{ws}")).json()["role"] == "member"
    assert (await member.patch(settings, json={"apps_allowed": False})).status_code == 403
    assert (await admin.patch(settings, json={"apps_allowed": False})).status_code == 200
    only_owner = await admin.patch(settings, json={"domain_policy": "none"})
    assert only_owner.status_code == 403
    assert only_owner.json()["detail"] == "Only workspace owners can change the allowed domains."
    assert (await owner.patch(settings, json={"domain_policy": "none"})).json()["settings"][
        "domain_policy"
    ] == "none"
    refused = await admin.post(
        f"/api/workspaces/{ws}/members", json={"email": "member@example.com", "role": "owner"}
    )
    assert refused.status_code == 403


async def test_gpt_creation_and_sharing_limits(owner: httpx.AsyncClient, make_user: MakeUser) -> None:
    ws = await workspace_id(owner)
    member = await join(owner, make_user, "member@example.com", "member")
    await owner.patch(
        f"/api/workspaces/{ws}/settings", json={"gpt_creators": "admins", "max_visibility": "workspace"}
    )
    refused = await member.post(f"/api/workspaces/{ws}/gpts", json={"name": "Mine"})
    assert refused.status_code == 403
    gpt = (await owner.post(f"/api/workspaces/{ws}/gpts", json={"name": "Ours"})).json()
    assert (await member.get(f"/api/gpts/{gpt['id']}")).status_code == 404  # a builder's draft is theirs
    too_wide = await owner.post(f"/api/gpts/{gpt['id']}/publish", json={"visibility": "link"})
    assert too_wide.status_code == 403
    assert (
        await owner.post(f"/api/gpts/{gpt['id']}/publish", json={"visibility": "workspace"})
    ).status_code == 201


async def test_allowed_domains_are_checked(owner: httpx.AsyncClient) -> None:
    ws = await workspace_id(owner)
    bad = await owner.patch(f"/api/workspaces/{ws}/settings", json={"allowed_domains": ["*.example.com"]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/allowed_domains"
