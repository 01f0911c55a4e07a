"""`LeanRoute` answers every request as FastAPI's own route would, and skips FastAPI's solving
only for the well-formed ones (and for every request to a route without a body).

Two routes of one app share an endpoint and a dependency, one a plain `APIRoute`, the other a
`LeanRoute`; each request is sent to both and the answers compared.
"""

from __future__ import annotations

from typing import Annotated, Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from actionforge.web.lean_route import LeanRoute


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str = Field(min_length=1)
    count: int = 1


async def caller(request: Request) -> str:
    name = request.headers.get("x-caller")
    if not name:
        raise HTTPException(401, "who is calling?")
    return name


async def place(shop: str, order: Order, who: Annotated[str, Depends(caller)], request: Request) -> Response:
    text = f"{who} ordered {order.count} {order.item} at {shop} ({request.method})"
    return Response(text, media_type="text/plain")


async def look(shop: str, who: Annotated[str, Depends(caller)], request: Request) -> Response:
    return Response(
        f"{who} looks at {shop} ({request.method}, {request.query_params})", media_type="text/plain"
    )


def shop_app() -> FastAPI:
    router = APIRouter(prefix="/api")
    router.add_api_route("/plain/{shop}/orders", place, methods=["POST"])
    router.add_api_route("/lean/{shop}/orders", place, methods=["POST"], route_class_override=LeanRoute)
    router.add_api_route("/plain/{shop}", look, methods=["GET", "DELETE"])
    router.add_api_route("/lean/{shop}", look, methods=["GET", "DELETE"], route_class_override=LeanRoute)
    app = FastAPI()
    app.include_router(router)
    return app


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths FastAPI solved the parameters of."""
    paths: list[str] = []
    solve = fastapi.routing.solve_dependencies  # type: ignore[attr-defined]  # what its handler calls

    async def counted(**kwargs: Any) -> Any:
        paths.append(kwargs["request"].url.path)
        return await solve(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return paths


JSON = {"content-type": "application/json"}
SIGNED = {**JSON, "x-caller": "ada"}
REQUESTS = [
    ("well-formed", SIGNED, b'{"item": "tea", "count": 2}'),
    ("charset", {**SIGNED, "content-type": "application/json; charset=utf-8"}, b'{"item": "tea"}'),
    ("no caller", JSON, b'{"item": "tea"}'),
    ("no caller, broken JSON", JSON, b'{"item": '),
    ("broken JSON", SIGNED, b'{"item": '),
    ("no caller, refused body", JSON, b'{"item": ""}'),
    ("refused body", SIGNED, b'{"item": "", "extra": 1}'),
    ("wrong type", SIGNED, b'{"item": "tea", "count": "two"}'),
    ("empty body", SIGNED, b""),
    ("not a JSON object", SIGNED, b"[1, 2]"),
    ("text content type", {**SIGNED, "content-type": "text/plain"}, b'{"item": "tea"}'),
    ("no content type", {"x-caller": "ada"}, b'{"item": "tea"}'),
    ("a key twice", SIGNED, b'{"item": "", "item": "tea"}'),
    ("a fraction for a count", SIGNED, b'{"item": "tea", "count": 1.5}'),
    ("not UTF-8", SIGNED, b'{"item": "\xff"}'),
]


@pytest.mark.parametrize(("case", "headers", "body"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_each_request_is_answered_as_fastapi_answers_it(
    case: str, headers: dict[str, str], body: bytes
) -> None:
    transport = httpx.ASGITransport(app=shop_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        plain = await client.post("/api/plain/corner/orders", content=body, headers=headers)
        lean = await client.post("/api/lean/corner/orders", content=body, headers=headers)
    assert (lean.status_code, lean.text) == (plain.status_code, plain.text), case


BODYLESS = [
    ("signed", "GET", {"x-caller": "ada"}, b""),
    ("no caller", "GET", {}, b""),
    ("a query", "GET", {"x-caller": "ada"}, b""),
    ("a body it does not take", "DELETE", {**SIGNED}, b'{"item": '),
    ("a path part that is not ASCII", "GET", {"x-caller": "ada"}, b""),
]


@pytest.mark.parametrize(("case", "method", "headers", "body"), BODYLESS, ids=[r[0] for r in BODYLESS])
async def test_a_route_without_a_body_answers_as_fastapi_answers(
    case: str, method: str, headers: dict[str, str], body: bytes, solved: list[str]
) -> None:
    shop = "caf%C3%A9%20nord" if "ASCII" in case else "corner"
    query = "?limit=3&x=%20" if case == "a query" else ""
    transport = httpx.ASGITransport(app=shop_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        plain = await client.request(method, f"/api/plain/{shop}{query}", content=body, headers=headers)
        lean = await client.request(method, f"/api/lean/{shop}{query}", content=body, headers=headers)
    assert (lean.status_code, lean.text) == (plain.status_code, plain.text), case
    assert [path.split("/")[2] for path in solved] == ["plain"]  # the lean route never solved


async def test_a_route_without_a_body_passes_the_path_as_matched() -> None:
    transport = httpx.ASGITransport(app=shop_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        seen = await client.get("/api/lean/caf%C3%A9?limit=3", headers={"x-caller": "ada"})
        unsigned = await client.get("/api/lean/corner")
    assert (seen.status_code, seen.text) == (200, "ada looks at café (GET, limit=3)")
    assert (unsigned.status_code, unsigned.json()) == (401, {"detail": "who is calling?"})


async def test_only_well_formed_requests_skip_fastapi_s_solving(solved: list[str]) -> None:
    transport = httpx.ASGITransport(app=shop_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        made = await client.post("/api/lean/corner/orders", json={"item": "tea"}, headers={"x-caller": "ada"})
        refused = await client.post("/api/lean/corner/orders", json={"item": ""}, headers={"x-caller": "ada"})
        await client.post("/api/plain/corner/orders", json={"item": "tea"}, headers={"x-caller": "ada"})
    assert (made.status_code, made.text) == (200, "ada ordered 1 tea at corner (POST)")
    assert refused.status_code == 422
    assert solved == ["/api/lean/corner/orders", "/api/plain/corner/orders"]


async def test_dependency_overrides_take_fastapi_s_way(solved: list[str]) -> None:
    app = shop_app()
    app.dependency_overrides[caller] = lambda: "grace"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://shop") as client:
        answer = await client.post("/api/lean/corner/orders", json={"item": "tea"})
    assert answer.text == "grace ordered 1 tea at corner (POST)"
    assert solved == ["/api/lean/corner/orders"]


async def with_query(shop: str, order: Order, limit: Annotated[int, Query()] = 1) -> Response:
    return Response()


def sync_endpoint(shop: str, order: Order) -> Response:
    return Response()


async def two_bodies(shop: str, order: Order, other: Order) -> Response:
    return Response()


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        (with_query, "query, header or cookie parameters"),
        (sync_endpoint, "an endpoint that is not async"),
        (two_bodies, "a body that is not one model"),
    ],
)
def test_a_route_of_another_shape_fails_when_it_is_built(endpoint: Any, problem: str) -> None:
    router = APIRouter()
    with pytest.raises(TypeError, match=f"/{{shop}}/orders cannot be a LeanRoute: .*{problem}"):
        router.add_api_route("/{shop}/orders", endpoint, methods=["POST"], route_class_override=LeanRoute)
