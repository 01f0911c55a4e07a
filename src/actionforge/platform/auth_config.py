"""An action's authentication setting (§1): None, API key, or OAuth, with write-only secrets.

Secrets are sealed into the action's row (`store.sealing`) and reported only as "set" or
"not set". Leaving a secret out of an update keeps the stored one, as the original's editor does
when a field reopens empty; switching the type drops the secrets of the old type.

Beyond the original: an API-key action's ``key_source`` is "builder" (one shared key, set here)
or "user" (each end user adds their own key under Connected accounts; the action then holds no
shared key, and setting one is refused). OAuth has the engine's ``pkce`` switch (on by default)
and ``extra_authorize_params`` (sent on the authorize URL; the names the flow sets are refused).
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
# The engine's RESERVED_AUTHORIZE_PARAMS: the authorization-code flow sets these itself.
FLOW_PARAMS = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method",
})  # fmt: skip
MAX_EXTRA_PARAMS, MAX_PARAM_NAME, MAX_PARAM_VALUE = 20, 100, 2_000
_PARAM_NAME = re.compile(r"^[!-~]+$")  # printable ASCII, no spaces: a query parameter name as typed
_NO_CONTROL = re.compile(r"^[^\x00-\x1f\x7f]*$")
KEY_SOURCES = ("builder", "user")
OAUTH_DEFAULTS: dict[str, Any] = {"pkce": True, "extra_authorize_params": {}}
SHARED_KEY_REFUSED = (
    "Each user adds their own key for this action, so it has no shared key: leave the API key empty, "
    'or choose "One key for everyone".'
)


def apply_auth(box: actionforge.SecretBox, action: Action, auth: dict[str, Any]) -> None:
    kind = auth.get("type", "none")
    config = _config(kind, auth)
    if kind != action.auth_type or config.get("key_source") == "user":
        action.api_key_sealed = None  # a per-user-key action never keeps a shared key
    if kind != action.auth_type:
        action.client_id_sealed = action.client_secret_sealed = None
    for field, column in SECRET_FIELDS.get(kind, {}).items():
        value = auth.get(field)
        if value:
            setattr(action, column, seal(box, value, table="actions", row_id=action.id, column=column))
    if kind == "oauth":
        config["callback_id"] = _callback_id(
            action, config, changed=any(auth.get(f) for f in SECRET_FIELDS[kind])
        )
    action.auth_type, action.auth_config = kind, config


def users_bring_keys(action: Action) -> bool:
    """Whether each end user must add their own key (an API-key action with key_source "user")."""
    return action.auth_type == "api_key" and action.auth_config.get("key_source") == "user"


def _callback_id(action: Action, config: dict[str, Any], *, changed: bool) -> str:
    """The id in the callback URL: new whenever an OAuth setting changes, as in the original
    ("the callback URL will update any time you update one of the OAuth parameters", §1.4 #26)."""
    previous = dict(action.auth_config) if action.auth_type == "oauth" else {}
    kept = previous.pop("callback_id", None)
    if kept is None or changed or _sign_in_fields(previous) != _sign_in_fields(config):
        return new_id("cb")
    return str(kept)


def _sign_in_fields(config: dict[str, Any]) -> dict[str, Any]:
    """The settings the original's callback URL follows, PKCE and the extra parameters included
    (a setting stored before they existed reads as their defaults); the revocation URL is ours,
    not a sign-in setting, so changing it keeps the URL."""
    fields = {**OAUTH_DEFAULTS, **config}
    return {name: value for name, value in fields.items() if name not in ("revocation_url", "callback_id")}


def _config(kind: str, auth: dict[str, Any]) -> dict[str, Any]:
    if kind == "api_key":
        return _api_key_config(auth)
    if kind == "oauth":
        return _oauth_config(auth)
    return {}


def _api_key_config(auth: dict[str, Any]) -> dict[str, Any]:
    mode = auth.get("authorization_type") or "basic"  # the original's default
    header = auth.get("custom_auth_header")
    if mode == "custom" and not (header and _HEADER_NAME.match(header)):
        raise Invalid.at("/auth/custom_auth_header", "Custom auth needs a header name, such as X-Api-Key")
    source = auth.get("key_source") or "builder"
    if source not in KEY_SOURCES:
        raise Invalid.at("/auth/key_source", 'Choose "builder" (one shared key) or "user" (their own).')
    if source == "user" and auth.get("api_key"):
        raise Invalid.at("/auth/api_key", SHARED_KEY_REFUSED)
    return {
        "authorization_type": mode,
        "custom_auth_header": header if mode == "custom" else None,
        "key_source": source,
    }


def _oauth_config(auth: dict[str, Any]) -> dict[str, Any]:
    for field in ("authorization_url", "token_url", "revocation_url"):
        url = auth.get(field) or ""
        if not url.startswith(("https://", "http://")) and (url or field != "revocation_url"):
            raise Invalid.at(f"/auth/{field}", "Enter an absolute http(s) URL")
    pkce = auth.get("pkce")
    return {
        "authorization_url": auth["authorization_url"],
        "token_url": auth["token_url"],
        "scope": auth.get("scope") or "",
        "token_exchange_method": auth.get("token_exchange_method") or "default_post",
        "pkce": True if pkce is None else bool(pkce),
        "extra_authorize_params": extra_params(auth.get("extra_authorize_params") or {}),
        # Optional, not in the original: where Log out revokes the tokens (RFC 7009).
        "revocation_url": auth.get("revocation_url") or None,
    }


def extra_params(params: dict[str, Any]) -> dict[str, str]:
    """The extra authorize parameters, checked: at most MAX_EXTRA_PARAMS, short printable
    names, none the flow sets itself (it would break the sign-in)."""
    base = "/auth/extra_authorize_params"
    if len(params) > MAX_EXTRA_PARAMS:
        raise Invalid.at(base, f"At most {MAX_EXTRA_PARAMS} extra parameters.")
    for name, value in params.items():
        problem = _param_problem(name, value)
        if problem is not None:
            raise Invalid.at(f"{base}/{_escape(name)}", problem)
    return dict(params)


def _param_problem(name: str, value: Any) -> str | None:
    if not (0 < len(name) <= MAX_PARAM_NAME and _PARAM_NAME.match(name)):
        return f"A parameter name is 1 to {MAX_PARAM_NAME} printable characters, with no spaces."
    if name in FLOW_PARAMS:
        return f"{name} is set by the sign-in flow itself, so it cannot be an extra parameter."
    if not isinstance(value, str) or len(value) > MAX_PARAM_VALUE or not _NO_CONTROL.match(value):
        return f"A parameter value is one line of at most {MAX_PARAM_VALUE} characters."
    return None


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")  # RFC 6901


def auth_summary(action: Action) -> dict[str, Any]:
    """The setting as the editor shows it: every field, with each secret as "set" or "not set"."""
    defaults = {"api_key": {"key_source": "builder"}, "oauth": OAUTH_DEFAULTS}.get(action.auth_type, {})
    summary: dict[str, Any] = {"type": action.auth_type, **defaults, **action.auth_config}
    for field, column in SECRET_FIELDS.get(action.auth_type, {}).items():
        summary[field] = "set" if getattr(action, column) else "not set"
    return summary
