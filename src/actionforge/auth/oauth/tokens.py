"""`TokenSet` and reading a token endpoint's answer into one.

Token endpoints differ: most answer JSON, some (GitHub's classic OAuth apps) answer
``application/x-www-form-urlencoded``, some answer an HTML error page, GitHub even answers
``200`` with ``error=...``. Everything that is not a usable token becomes a `TokenEndpointError`
saying what came back, without the body (it may hold a token or echo a secret).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx

from actionforge.auth.oauth.clock import Clock, system_clock
from actionforge.auth.oauth.errors import TokenEndpointError, provider_text
from actionforge.secrets.value import SecretValue


@dataclass(frozen=True, slots=True)
class TokenSet:
    """One user's tokens for one action. ``expires_at`` is a Unix time, ``None`` if unknown."""

    access_token: SecretValue
    token_type: str = "Bearer"
    refresh_token: SecretValue | None = None
    expires_at: float | None = None
    scope: str | None = None

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the access token is expired at ``now`` or will be within ``seconds``."""
        if self.expires_at is None:
            return False
        return now + seconds >= self.expires_at


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def _decode(response: httpx.Response, url: str) -> Mapping[str, Any]:
    media_type = _media_type(response)
    text = response.text
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    elif media_type in ("application/x-www-form-urlencoded", "text/plain", ""):
        data = _decode_lenient(text)
    else:
        data = None
    if not isinstance(data, Mapping):
        shown = media_type or "no content type"
        raise TokenEndpointError(
            f"The token endpoint {url} answered HTTP {response.status_code} with {shown}, "
            "not a token response",
            status=response.status_code,
        )
    return data


def _decode_lenient(text: str) -> Mapping[str, Any] | None:
    """JSON or form fields, for endpoints that label their answer wrongly or not at all."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        return data if isinstance(data, Mapping) else None
    if "=" not in stripped or "<" in stripped:
        return None
    try:
        return dict(parse_qsl(stripped, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return None


def _oauth_error(data: Mapping[str, Any], url: str, status: int) -> TokenEndpointError:
    error = provider_text(str(data["error"]))
    description = data.get("error_description")
    detail = f": {provider_text(description)}" if isinstance(description, str) and description else ""
    return TokenEndpointError(
        f"The token endpoint {url} refused the request ({error}){detail}", error=error, status=status
    )


def _expires_at(value: Any, now: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None  # an unreadable lifetime is treated as unknown, as RFC 6749 allows omitting it
    return now + max(seconds, 0.0)


def parse_token_response(
    response: httpx.Response,
    url: str,
    *,
    previous_refresh_token: SecretValue | None = None,
    clock: Clock = system_clock,
) -> TokenSet:
    """Read a token endpoint answer; raise `TokenEndpointError` for anything but a token.

    ``previous_refresh_token`` is kept when a refresh answer does not rotate it (RFC 6749 §6);
    ``expires_in`` counts from ``clock()`` when the answer is read.
    """
    now = clock()
    if response.status_code >= 500:
        raise TokenEndpointError(
            f"The token endpoint {url} failed with HTTP {response.status_code}", status=response.status_code
        )
    data = _decode(response, url)
    if data.get("error"):
        raise _oauth_error(data, url, response.status_code)
    if response.status_code >= 400:
        raise TokenEndpointError(
            f"The token endpoint {url} answered HTTP {response.status_code} without an OAuth error",
            status=response.status_code,
        )
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TokenEndpointError(
            f"The token endpoint {url} answered without an access_token", status=response.status_code
        )
    refresh_token = data.get("refresh_token")
    scope = data.get("scope")
    if isinstance(scope, list):
        scope = " ".join(str(s) for s in scope)
    return TokenSet(
        access_token=SecretValue(access_token),
        token_type=str(data.get("token_type") or "Bearer"),
        refresh_token=(
            SecretValue(refresh_token)
            if isinstance(refresh_token, str) and refresh_token
            else previous_refresh_token
        ),
        expires_at=_expires_at(data.get("expires_in"), now),
        scope=scope if isinstance(scope, str) else None,
    )
