"""RFC 9457 problem documents for every refusal, each with JSON pointers to the fields at fault."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from actionforge.platform import errors

MEDIA_TYPE = "application/problem+json"

STATUS = {
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Invalid: 422,
    errors.RateLimited: 429,
}


def problem(
    status: int, detail: str, fields: Sequence[dict[str, str]] = (), headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    body["detail"] = detail
    if fields:
        body["errors"] = list(fields)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers or None)


def pointer(location: Sequence[str | int]) -> str:
    """FastAPI's error location as a JSON pointer: ``("body", "auth", "type")`` → ``/auth/type``.

    Body fields point into the body; query, path and header parameters keep their source as the
    first segment (``/query/limit``).
    """
    parts = list(location[1:]) if location and location[0] == "body" else list(location)
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


async def _platform_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.PlatformError)
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    fields = [{"pointer": p.pointer, "detail": p.message} for p in exc.problems]
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, errors.RateLimited) else {}
    return problem(status, exc.message, fields, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [{"pointer": pointer(e["loc"]), "detail": _message(e)} for e in exc.errors()]
    return problem(422, "The request does not match the API's schema.", fields)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "Unknown field"
    return str(error.get("msg", "Invalid value"))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.PlatformError, _platform_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
