"""An action's authentication setting (§1): None, API key, or OAuth, with write-only secrets.

Secrets are sealed into the action's row (`store.sealing`) and reported only as "set" or
"not set". Leaving a secret out of an update keeps the stored one, as the original's editor does
when a field reopens empty; switching the type drops the secrets of the old type.
"""

from __future__ import annotations

import re
from typing import Any

import actionforge
from actionforge.platform.errors import Invalid
from actionforge.store.sealing import seal
from actionforge.store.tables import Action
from actionforge.store.types import new_id

SECRET_FIELDS = {
    "api_key": {"api_key": "api_key_sealed"},
    "oauth": {"client_id": "client_id_sealed", "client_secret": "client_secret_sealed"},
}
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token


def apply_auth(box: actionforge.SecretBox, action: Action, auth: dict[str, Any]) -> None:
    kind = auth.get("type", "none")
    config = _config(kind, auth)
    if kind != action.auth_type:
        action.api_key_sealed = action.client_id_sealed = action.client_secret_sealed = None
    for field, column in SECRET_FIELDS.get(kind, {}).items():
        value = auth.get(field)
        if value:
            setattr(action, column, seal(box, value, table="actions", row_id=action.id, column=column))
    if kind == "oauth":
        config["callback_id"] = _callback_id(
            action, config, changed=any(auth.get(f) for f in SECRET_FIELDS[kind])
        )
    action.auth_type, action.auth_config = kind, config


def _callback_id(action: Action, config: dict[str, Any], *, changed: bool) -> str:
    """The id in the callback URL: new whenever an OAuth setting changes, as in the original
    ("the callback URL will update any time you update one of the OAuth parameters", §1.4 #26)."""
    previous = dict(action.auth_config) if action.auth_type == "oauth" else {}
    kept = previous.pop("callback_id", None)
    if kept is None or changed or _sign_in_fields(previous) != _sign_in_fields(config):
        return new_id("cb")
    return str(kept)


def _sign_in_fields(config: dict[str, Any]) -> dict[str, Any]:
    """The settings the original's callback URL follows; the revocation URL is ours, not a
    sign-in setting, so changing it keeps the URL."""
    return {name: value for name, value in config.items() if name != "revocation_url"}


def _config(kind: str, auth: dict[str, Any]) -> dict[str, Any]:
    if kind == "api_key":
        mode = auth.get("authorization_type") or "basic"  # the original's default
        header = auth.get("custom_auth_header")
        if mode == "custom" and not (header and _HEADER_NAME.match(header)):
            raise Invalid.at("/auth/custom_auth_header", "Custom auth needs a header name, such as X-Api-Key")
        return {"authorization_type": mode, "custom_auth_header": header if mode == "custom" else None}
    if kind == "oauth":
        for field in ("authorization_url", "token_url", "revocation_url"):
            url = auth.get(field) or ""
            if not url.startswith(("https://", "http://")) and (url or field != "revocation_url"):
                raise Invalid.at(f"/auth/{field}", "Enter an absolute http(s) URL")
        return {
            "authorization_url": auth["authorization_url"],
            "token_url": auth["token_url"],
            "scope": auth.get("scope") or "",
            "token_exchange_method": auth.get("token_exchange_method") or "default_post",
            # Optional, not in the original: where Log out revokes the tokens (RFC 7009).
            "revocation_url": auth.get("revocation_url") or None,
        }
    return {}


def auth_summary(action: Action) -> dict[str, Any]:
    """The setting as the editor shows it: every field, with each secret as "set" or "not set"."""
    summary: dict[str, Any] = {"type": action.auth_type, **action.auth_config}
    for field, column in SECRET_FIELDS.get(action.auth_type, {}).items():
        summary[field] = "set" if getattr(action, column) else "not set"
    return summary
