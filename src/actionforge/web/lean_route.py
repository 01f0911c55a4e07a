"""`LeanRoute`: an API route that FastAPI builds, documents and checks as usual, and whose
well-formed requests skip FastAPI's per-request solving of their parameters.

Why by hand: FastAPI (0.165) works each request's parameters out anew: each path parameter goes
through its field's checks, the body through a type adapter, each dependency through its cache
key and kind. No setting skips it. For test-operation, the busiest route, that was 166 µs of a
request's CPU in process, 6% (measured paired: one request of each kind in turn, 6 x 1,000).

The lean path takes a request only where FastAPI's way would find nothing to refuse: a JSON body
(``Content-Type: application/json``) that parses and that the body model accepts, or any request
to a route without a body (its path parameters are plain strings: nothing there to refuse). It
then does what FastAPI does, in an order that shows the same: the path parameters as the router
matched them (strings), each dependency called with the request, then the endpoint. Any other
request goes FastAPI's way, which answers it exactly as before: a body that does not parse is
refused before the caller is known, one the model refuses after. Dependency overrides (tests) and
OpenTelemetry (FastAPI's spans) take FastAPI's way too.

A route on it has only ``str`` path parameters without constraints, at most one JSON body model,
dependencies that take only the request (`deps.principal`), at most a ``request: Request``
parameter besides, and an endpoint that returns a `Response` (`answers.json_answer`,
`answers.model_answer`). A route of another shape fails when it is built. Its router must add no
dependencies of its own: this route's own dependant is what the lean path solves.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.telemetry import get_telemetry_data
from pydantic import BaseModel, ValidationError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Dependency = Callable[[Request], Awaitable[Any]]


class LeanRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        fastapi_way = super().get_route_handler()
        plan = _Plan.of(self)
        endpoint: Callable[..., Awaitable[Any]] = self.endpoint

        async def handler(request: Request) -> Response:
            values = await plan.values(request) if _lean_applies(request, plan) else None
            if values is None:
                return await fastapi_way(request)
            answer = await endpoint(**values)
            if not isinstance(answer, Response):
                raise TypeError(f"{self.path}: a LeanRoute endpoint returns a Response")
            return answer

        return handler


@dataclass(frozen=True)
class _Plan:
    path_names: tuple[str, ...]
    body: tuple[str, type[BaseModel]] | None  # the body parameter's name and model, if it takes one
    dependencies: tuple[tuple[str, Dependency], ...]
    request_name: str | None

    @classmethod
    def of(cls, route: APIRoute) -> _Plan:
        found = route.dependant
        problems = _shape_problems(found, route.endpoint)
        if problems:
            raise TypeError(f"{route.path} cannot be a LeanRoute: {'; '.join(problems)}")
        body = None
        if found.body_params:
            (param,) = found.body_params
            body = (param.name, param.field_info.annotation)
        dependencies = tuple((str(d.name), _callable(d)) for d in found.dependencies)
        return cls(
            path_names=tuple(p.name for p in found.path_params), body=body,  # type: ignore[arg-type]  # checked above
            dependencies=dependencies, request_name=found.request_param_name,
        )  # fmt: skip

    async def values(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's arguments, or None where FastAPI's way must answer."""
        values: dict[str, Any] = {name: request.path_params[name] for name in self.path_names}
        if self.body is not None:
            name, model = self.body
            try:  # json.loads, as FastAPI parses; then the model, as FastAPI validates
                values[name] = model.model_validate(json.loads(await request.body()))
            except (ValueError, ValidationError):  # JSONDecodeError, UnicodeDecodeError are ValueErrors
                return None
        for name, call in self.dependencies:
            values[name] = await call(request)
        if self.request_name is not None:
            values[self.request_name] = request
        return values


def _lean_applies(request: Request, plan: _Plan) -> bool:
    """No dependency overrides (the app's, where FastAPI reads them), no OpenTelemetry, and a
    JSON body where the route takes one."""
    if getattr(request.app, "dependency_overrides", None) or get_telemetry_data() is not None:
        return False
    if plan.body is None:
        return True
    content_type = request.headers.get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == "application/json"


def _callable(dependency: Dependant) -> Dependency:
    assert dependency.call is not None  # checked by _shape_problems
    return dependency.call


def _shape_problems(found: Dependant, endpoint: Callable[..., Any]) -> list[str]:
    problems = []
    if found.query_params or found.header_params or found.cookie_params:
        problems.append("query, header or cookie parameters")
    if any(p.field_info.annotation is not str or p.field_info.metadata for p in found.path_params):
        problems.append("a path parameter that is not a plain str")
    bodies = found.body_params
    if len(bodies) > 1 or (bodies and not _is_model(bodies[0].field_info.annotation)):
        problems.append("a body that is not one model")
    elif bodies and getattr(bodies[0].field_info, "embed", False):
        problems.append("an embedded body")
    if any(not _request_only(d) for d in found.dependencies):
        problems.append("a dependency that takes more than the request")
    others = (
        found.http_connection_param_name, found.websocket_param_name, found.response_param_name,
        found.background_tasks_param_name, found.security_scopes_param_name,
    )  # fmt: skip
    if any(name is not None for name in others):
        problems.append("a parameter other than the request, the path, the body and dependencies")
    if not inspect.iscoroutinefunction(endpoint):
        problems.append("an endpoint that is not async")
    return problems


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _request_only(dependency: Dependant) -> bool:
    has_params = (
        dependency.path_params or dependency.query_params or dependency.header_params
        or dependency.cookie_params or dependency.body_params or dependency.dependencies
    )  # fmt: skip
    return (
        dependency.name is not None and dependency.request_param_name is not None and not has_params
        and inspect.iscoroutinefunction(dependency.call)
    )  # fmt: skip
