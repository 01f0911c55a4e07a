"""Who may open a published GPT, by its visibility; the public directory; the published view."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import MakeUser, workspace_id
from tests.web.test_gpts_and_actions import new_gpt, schema

PRIVACY = "https://api.example.com/privacy"


async def published_gpt(owner: httpx.AsyncClient, visibility: str, **fields: object) -> str:
    gpt = await new_gpt(owner, **{"instructions": "secret instructions", "category": "Writing", **fields})
    action = {
        "schema": schema(),
        "privacy_policy_url": PRIVACY,
        "auth": {"type": "api_key", "api_key": "k-123"},
    }
    assert (await owner.post(f"/api/gpts/{gpt['id']}/actions", json=action)).status_code == 201
    published = await owner.post(f"/api/gpts/{gpt['id']}/publish", json={"visibility": visibility})
    assert published.status_code == 201, published.text
    return str(gpt["id"])


@pytest.fixture
async def people(owner: httpx.AsyncClient, make_user: MakeUser) -> dict[str, httpx.AsyncClient]:
    """The owner, an admin and a member of the owner's workspace, and a stranger from elsewhere."""
    ws = await workspace_id(owner)
    found = {"owner": owner}
    for name, role in (("admin", "admin"), ("member", "member"), ("stranger", None)):
        found[name] = await make_user(f"{name}@example.com")
        if role is not None:
            added = await owner.post(
                f"/api/workspaces/{ws}/members", json={"email": f"{name}@example.com", "role": role}
            )
            assert added.status_code == 201
    return found


async def who_may_open(people: dict[str, httpx.AsyncClient], gpt_id: str) -> set[str]:
    statuses = {
        name: (await c.get(f"/api/gpts/{gpt_id}/published")).status_code for name, c in people.items()
    }
    assert set(statuses.values()) <= {200, 404}
    return {name for name, status in statuses.items() if status == 200}


@pytest.mark.parametrize(
    ("visibility", "admitted"),
    [
        ("private", {"owner", "admin"}),  # only me (and the admins who may edit it anyway)
        ("workspace", {"owner", "admin", "member"}),
        ("link", {"owner", "admin", "member", "stranger"}),  # any signed-in user with the link
        ("public", {"owner", "admin", "member", "stranger"}),
    ],
)
async def test_visibility_decides_who_may_open_the_published_gpt(
    people: dict[str, httpx.AsyncClient], visibility: str, admitted: set[str]
) -> None:
    gpt_id = await published_gpt(people["owner"], visibility)
    assert await who_may_open(people, gpt_id) == admitted
    listed = (await people["stranger"].get("/api/directory")).json()["items"]
    assert ([g["id"] for g in listed] == [gpt_id]) == (visibility == "public")


async def test_signed_out_callers_see_neither_the_directory_nor_public_gpts(
    people: dict[str, httpx.AsyncClient], server: object
) -> None:
    gpt_id = await published_gpt(people["owner"], "public")
    transport = people["owner"]._transport  # the same app, without the session cookie
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        assert (await anonymous.get("/api/directory")).status_code == 401
        assert (await anonymous.get(f"/api/gpts/{gpt_id}/published")).status_code == 401


async def test_an_unpublished_draft_has_no_published_view(people: dict[str, httpx.AsyncClient]) -> None:
    gpt = await new_gpt(people["owner"])
    assert await who_may_open(people, str(gpt["id"])) == set()


async def test_the_published_view_is_the_snapshot_without_instructions_or_secrets(
    people: dict[str, httpx.AsyncClient],
) -> None:
    owner = people["owner"]
    gpt_id = await published_gpt(
        owner, "link", description="Finds things", conversation_starters=["Find a thing"]
    )
    await owner.patch(f"/api/gpts/{gpt_id}", json={"name": "Renamed draft"})
    response = await people["stranger"].get(f"/api/gpts/{gpt_id}/published")
    view = response.json()
    assert (view["name"], view["description"], view["conversation_starters"]) == (
        "G",
        "Finds things",
        ["Find a thing"],
    )
    assert (view["version"], view["visibility"], view["category"]) == (1, "link", "Writing")
    (action,) = view["actions"]
    assert action == {
        "id": action["id"], "auth_type": "api_key",
        "domain": "api.example.com", "privacy_policy_url": PRIVACY,
    }  # fmt: skip
    draft_ids = [a["id"] for a in (await owner.get(f"/api/gpts/{gpt_id}/actions")).json()["items"]]
    assert action["id"] not in draft_ids  # the published copy's id, as connected accounts name it
    for hidden in ("secret instructions", "k-123", "listThings", "openapi"):
        assert hidden not in response.text


async def test_narrowing_the_workspace_setting_narrows_gpts_already_shared(
    people: dict[str, httpx.AsyncClient],
) -> None:
    owner = people["owner"]
    gpt_id = await published_gpt(owner, "public")
    ws = await workspace_id(owner)
    assert (
        await owner.patch(f"/api/workspaces/{ws}/settings", json={"max_visibility": "workspace"})
    ).status_code == 200
    assert await who_may_open(people, gpt_id) == {"owner", "admin", "member"}
    assert (await people["member"].get(f"/api/gpts/{gpt_id}/published")).json()["visibility"] == "workspace"
    assert (await people["stranger"].get("/api/directory")).json()["items"] == []


async def test_the_directory_pages_and_filters_by_category(people: dict[str, httpx.AsyncClient]) -> None:
    owner = people["owner"]
    ids = [await published_gpt(owner, "public") for _ in range(3)]
    await published_gpt(owner, "public", category="Education")
    reader = people["stranger"]
    first = (await reader.get("/api/directory?category=Writing&limit=2")).json()
    second = (
        await reader.get(f"/api/directory?category=Writing&limit=2&cursor={first['next_cursor']}")
    ).json()
    assert [g["id"] for g in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    assert len((await reader.get("/api/directory")).json()["items"]) == 4
