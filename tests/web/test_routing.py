"""`ScreeningRouter`: a router turns away paths outside its routes' literal beginnings without
trying each route, and routes everything else exactly as FastAPI does."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import Scope

from actionforge.web.app import BUSIEST_FIRST, ROUTERS, routing_order
from actionforge.web.routing import ScreeningRouter

TRIED: list[str] = []


class CountedRoute(APIRoute):
    def matches(self, scope: Scope) -> Any:
        TRIED.append(self.path)
        return super().matches(scope)


def app_with_two_routers() -> tuple[FastAPI, ScreeningRouter]:
    items = ScreeningRouter(prefix="/api/items", route_class=CountedRoute)
    items.get("/{item_id}")(lambda item_id: {"item": item_id})
    items.get("")(lambda: {"items": []})
    notes = ScreeningRouter(prefix="/api", route_class=CountedRoute)
    notes.get("/notes/{note_id}")(lambda note_id: {"note": note_id})
    notes.get("/items/{item_id}/notes")(lambda item_id: {"notes of": item_id})
    app = FastAPI()
    app.include_router(items)
    app.include_router(notes)
    return app, notes


async def call(app: FastAPI, method: str, path: str, root_path: str = "") -> httpx.Response:
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path)


async def test_a_path_outside_a_router_never_tries_its_routes() -> None:
    app, _ = app_with_two_routers()
    TRIED.clear()
    response = await call(app, "GET", "/api/notes/7")
    assert response.json() == {"note": "7"}
    assert TRIED.count("/api/notes/{note_id}") >= 1
    assert not [path for path in TRIED if path.startswith("/api/items")]


async def test_a_path_that_begins_like_a_router_s_routes_but_matches_none_skips_them() -> None:
    app, _ = app_with_two_routers()
    TRIED.clear()
    assert (await call(app, "GET", "/api/items/3/notes")).json() == {"notes of": "3"}
    assert not {"/api/items/{item_id}", "/api/items"} & set(TRIED)  # the items router's own routes


async def test_matching_is_fastapis_own_full_partial_and_none() -> None:
    app, _ = app_with_two_routers()
    assert (await call(app, "GET", "/api/items/3")).json() == {"item": "3"}
    assert (await call(app, "GET", "/api/items")).json() == {"items": []}
    assert (await call(app, "POST", "/api/items/3")).status_code == 405  # a partial match still counts
    assert (await call(app, "GET", "/api/other")).status_code == 404


async def test_routes_added_after_the_first_request_are_found() -> None:
    app, notes = app_with_two_routers()
    assert (await call(app, "GET", "/api/tags/x")).status_code == 404
    notes.get("/tags/{tag}")(lambda tag: {"tag": tag})
    app.router.routes.clear()  # FastAPI copies an included router's routes when including it
    app.include_router(notes)
    assert (await call(app, "GET", "/api/tags/x")).json() == {"tag": "x"}


async def test_a_root_path_is_taken_off_before_the_test() -> None:
    app, _ = app_with_two_routers()
    response = await call(app, "GET", "/base/api/notes/1", root_path="/base")
    assert response.json() == {"note": "1"}


def _could_match_the_same_path(first: str, second: str) -> bool:
    """Whether some path matches both templates: as long, each segment equal or a parameter in
    one of them (the app's templates have no ``:path`` parameters, which span segments)."""
    a, b = first.strip("/").split("/"), second.strip("/").split("/")
    return len(a) == len(b) and all(x == y or "{" in x or "{" in y for x, y in zip(a, b, strict=True))


def test_the_routing_order_changes_no_request_s_route() -> None:
    """The app tries its busiest routers first (`app.routing_order`); that can change which route
    answers a path only where routes of two routers both match it, and there the documentation's
    order is kept."""
    position = {id(router): i for i, router in enumerate(routing_order())}
    for earlier, later in itertools.combinations(ROUTERS, 2):
        for one, other in itertools.product(earlier.routes, later.routes):
            paths = (getattr(one, "path", ""), getattr(other, "path", ""))
            assert ":path" not in "".join(paths)
            if _could_match_the_same_path(*paths):
                assert position[id(earlier)] < position[id(later)], paths


def test_the_busiest_routers_are_tried_first_and_every_router_once() -> None:
    order = routing_order()
    assert order[: len(BUSIEST_FIRST)] == BUSIEST_FIRST
    assert sorted(map(id, order)) == sorted(map(id, ROUTERS))
