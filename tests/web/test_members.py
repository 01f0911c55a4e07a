"""Changing a member's role and removing a member: owners and admins only, only owners touch the
owner role, the last owner always stays, and another workspace's members are out of reach (404)."""

from __future__ import annotations

import httpx

from tests.web.conftest import MakeUser, workspace_id
from tests.web.test_workspaces import join


async def ids(client: httpx.AsyncClient, ws: str) -> dict[str, str]:
    items = (await client.get(f"/api/workspaces/{ws}/members")).json()["items"]
    return {m["user"]["email"]: m["user"]["id"] for m in items}


async def roles(client: httpx.AsyncClient, ws: str) -> dict[str, str]:
    items = (await client.get(f"/api/workspaces/{ws}/members")).json()["items"]
    return {m["user"]["email"]: m["role"] for m in items}


async def test_an_owner_changes_roles_and_removes_members(
    owner: httpx.AsyncClient, make_user: MakeUser
) -> None:
    ws = await workspace_id(owner)
    member = await join(owner, make_user, "member@example.com", "member")
    who = await ids(owner, ws)
    promoted = await owner.patch(
        f"/api/workspaces/{ws}/members/{who['member@example.com']}", json={"role": "admin"}
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "admin"
    assert (await member.get(f"/api/workspaces/{ws}")).json()["role"] == "admin"
    removed = await owner.delete(f"/api/workspaces/{ws}/members/{who['member@example.com']}")
    assert removed.status_code == 204
    assert (await member.get(f"/api/workspaces/{ws}")).status_code == 404
    assert "member@example.com" not in await roles(owner, ws)


async def test_members_cannot_and_admins_cannot_touch_owners(
    owner: httpx.AsyncClient, make_user: MakeUser
) -> None:
    ws = await workspace_id(owner)
    admin = await join(owner, make_user, "admin@example.com", "admin")
    member = await join(owner, make_user, "member@example.com", "member")
    who = await ids(owner, ws)
    path = f"/api/workspaces/{ws}/members"
    assert (
        await member.patch(f"{path}/{who['admin@example.com']}", json={"role": "member"})
    ).status_code == 403
    assert (await member.delete(f"{path}/{who['admin@example.com']}")).status_code == 403
    assert (
        await admin.patch(f"{path}/{who['owner@example.com']}", json={"role": "member"})
    ).status_code == 403
    assert (await admin.delete(f"{path}/{who['owner@example.com']}")).status_code == 403
    assert (
        await admin.patch(f"{path}/{who['member@example.com']}", json={"role": "owner"})
    ).status_code == 403
    assert (
        await admin.patch(f"{path}/{who['member@example.com']}", json={"role": "admin"})
    ).status_code == 200
    assert await roles(owner, ws) == {
        "owner@example.com": "owner", "admin@example.com": "admin", "member@example.com": "admin",
    }  # fmt: skip


async def test_the_last_owner_can_be_neither_demoted_nor_removed(
    owner: httpx.AsyncClient, make_user: MakeUser
) -> None:
    ws = await workspace_id(owner)
    other = await join(owner, make_user, "second@example.com", "member")
    who = await ids(owner, ws)
    me = f"/api/workspaces/{ws}/members/{who['owner@example.com']}"
    demoted = await owner.patch(me, json={"role": "admin"})
    assert demoted.status_code == 409
    assert demoted.json()["errors"][0]["pointer"] == "/role"
    assert "last owner" in demoted.json()["detail"]
    assert (await owner.delete(me)).status_code == 409
    assert (await roles(owner, ws))["owner@example.com"] == "owner"
    second = f"/api/workspaces/{ws}/members/{who['second@example.com']}"
    assert (await owner.patch(second, json={"role": "owner"})).status_code == 200
    assert (await other.patch(me, json={"role": "member"})).status_code == 200  # two owners: one may go
    assert (await other.delete(me)).status_code == 204
    assert await roles(other, ws) == {"second@example.com": "owner"}


async def test_another_workspaces_members_are_out_of_reach(
    owner: httpx.AsyncClient, make_user: MakeUser
) -> None:
    ws = await workspace_id(owner)
    stranger = await make_user("stranger@example.com")
    stranger_ws = await workspace_id(stranger)
    mine = await ids(owner, ws)
    theirs = await ids(stranger, stranger_ws)
    for client, workspace, user in (
        (stranger, ws, mine["owner@example.com"]),  # a workspace the caller is not in
        (owner, ws, theirs["stranger@example.com"]),  # a user who is not a member here
    ):
        path = f"/api/workspaces/{workspace}/members/{user}"
        assert (await client.patch(path, json={"role": "member"})).status_code == 404
        assert (await client.delete(path)).status_code == 404
    assert await roles(stranger, stranger_ws) == {"stranger@example.com": "owner"}
    assert await roles(owner, ws) == {"owner@example.com": "owner"}
