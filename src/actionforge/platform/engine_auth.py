"""A stored action's auth setting as the engine's config, with its secrets unsealed for one call.

The secrets become `SecretValue`s at once, so the process redactor masks them in anything that
is logged or stored afterwards (the audit's request copy included). An action whose users bring
their own keys never falls back to a shared key: without the user's own key there is no config,
and the call is refused with `own_key_needed` (it tells the user where to add it).
"""

from __future__ import annotations

import pydantic

import actionforge
from actionforge.platform.auth_config import users_bring_keys
from actionforge.platform.errors import Invalid
from actionforge.store.sealing import unseal
from actionforge.store.tables import Action

EngineAuth = actionforge.NoAuthConfig | actionforge.ApiKeyAuthConfig | actionforge.OAuthConfig
OWN_KEY_NEEDED = "This action needs your own API key: add your key for {domain} under Connected accounts."


def own_key_needed(action: Action) -> str:
    """The one sentence a user without their own key reads (the model reads it too)."""
    return OWN_KEY_NEEDED.format(domain=action.domain or "this action")


def engine_auth(
    box: actionforge.SecretBox, action: Action, own_key: actionforge.SecretValue | None = None
) -> EngineAuth:
    """The engine's config for ``action``; Invalid (pointing at the auth field) if it is incomplete.

    ``own_key`` is the calling user's own API key (a connected account): it replaces the
    builder's shared key, if any. With key_source "user" it is the only key ever used; call
    `own_key_needed` first when the user may not have one.
    """
    try:
        if action.auth_type == "api_key":
            shared = None if users_bring_keys(action) else _secret(box, action, "api_key_sealed")
            return _api_key(action, own_key or shared)
        if action.auth_type == "oauth":
            return _oauth(box, action)
        return actionforge.NoAuthConfig()
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid.at("/auth", f"The action's authentication is incomplete: {first['msg']}") from None


def _secret(box: actionforge.SecretBox, action: Action, column: str) -> actionforge.SecretValue | None:
    token: str | None = getattr(action, column)
    if token is None:
        return None
    return unseal(box, token, table="actions", row_id=action.id, column=column)


def _api_key(action: Action, key: actionforge.SecretValue | None) -> EngineAuth:
    config = action.auth_config
    return actionforge.ApiKeyAuthConfig(
        kind=config.get("authorization_type") or "basic",
        key=key,
        header_name=config.get("custom_auth_header"),
    )


def _oauth(box: actionforge.SecretBox, action: Action) -> EngineAuth:
    config = action.auth_config
    client_id = _secret(box, action, "client_id_sealed")
    return actionforge.OAuthConfig.model_validate({
        "client_id": client_id.reveal() if client_id is not None else "",
        "client_secret": _secret(box, action, "client_secret_sealed"),
        "authorization_url": config.get("authorization_url", ""),
        "token_url": config.get("token_url", ""),
        "scope": config.get("scope") or "",
        "token_exchange_method": config.get("token_exchange_method") or "default_post",
        "pkce": config.get("pkce", True),
        "extra_authorize_params": config.get("extra_authorize_params") or {},
        "revocation_url": config.get("revocation_url"),
    })  # fmt: skip
