"""Sign-in through the facade: the server's flow (begin, callback, complete) on the real provider.

The code exchange goes through the action's own guarded client, so the egress guard applies to
the token endpoint as to every call.
"""

from __future__ import annotations

import pytest

import actionforge
from tests.auth.conftest import REDIRECT_URI, Api, Provider, browse_to_callback, oidc_provider, protected_api

__all__ = ["oidc_provider", "protected_api"]  # fixtures, re-used from the auth tests

LOOPBACK = actionforge.Settings(allow_loopback=True, allow_http=True, allow_any_port=True)
ALICE = actionforge.StateBinding("alice", "action-1", "published", "conversation-1")


def me_action(api: Api, settings: actionforge.Settings = LOOPBACK) -> actionforge.Action:
    document = f"""
openapi: 3.1.0
info: {{title: Me, version: "1"}}
servers: [{{url: "{api.url}"}}]
paths:
  /me: {{get: {{operationId: whoAmI, responses: {{"200": {{description: ok}}}}}}}}
"""
    return actionforge.load_action(document, "extended", settings=settings)


async def test_begin_complete_and_call(oidc_provider: Provider, protected_api: Api) -> None:
    config = oidc_provider.config()
    states, tokens = actionforge.InMemoryStateStore(), actionforge.InMemoryTokenStore()
    async with me_action(protected_api) as action:
        url = await actionforge.begin_sign_in(
            action, config, redirect_uri=REDIRECT_URI, binding=ALICE, state_store=states
        )
        assert url.startswith(oidc_provider.authorization_url)
        assert "code_challenge=" in url
        query = await browse_to_callback(url, REDIRECT_URI)
        signed_in = await actionforge.complete_sign_in(
            action, config, query=query, redirect_uri=REDIRECT_URI, state_store=states, token_store=tokens
        )
        assert signed_in.binding == ALICE
        assert await tokens.get(ALICE.token_key) == signed_in.tokens
        result = await action.call("whoAmI", {}, auth=config, token_store=tokens, user=ALICE.token_key)
        assert result.ok, result.message

        with pytest.raises(actionforge.StateError) as replayed:
            await actionforge.complete_sign_in(
                action, config, query=query, redirect_uri=REDIRECT_URI, state_store=states, token_store=tokens
            )
        assert replayed.value.reason == "reused"

        refresh_token = signed_in.tokens.refresh_token
        assert refresh_token is not None
        assert await actionforge.sign_out(action, config, user=ALICE.token_key, token_store=tokens)
        assert await tokens.get(ALICE.token_key) is None
        assert (await oidc_provider.introspect(refresh_token.reveal()))["active"] is False  # revoked
        assert not await actionforge.sign_out(action, config, user=ALICE.token_key, token_store=tokens)


async def test_the_code_exchange_goes_through_the_egress_guard(
    oidc_provider: Provider, protected_api: Api
) -> None:
    config = oidc_provider.config()
    states, tokens = actionforge.InMemoryStateStore(), actionforge.InMemoryTokenStore()
    async with me_action(protected_api) as loopback_action:
        url = await actionforge.begin_sign_in(
            loopback_action, config, redirect_uri=REDIRECT_URI, binding=ALICE, state_store=states
        )
    query = await browse_to_callback(url, REDIRECT_URI)
    guarded = me_action(protected_api, settings=actionforge.Settings(allow_http=True, allow_any_port=True))
    async with guarded:
        with pytest.raises(actionforge.RequestBlocked, match=r"127\.0\.0\.1 is a loopback address"):
            await actionforge.complete_sign_in(
                guarded,
                config,
                query=query,
                redirect_uri=REDIRECT_URI,
                state_store=states,
                token_store=tokens,
            )
    assert await tokens.get(ALICE.token_key) is None


async def test_endpoints_off_the_apis_domain_are_refused_before_the_browser(
    oidc_provider: Provider, protected_api: Api
) -> None:
    config = oidc_provider.config(
        authorization_url="https://login.elsewhere.example/auth",
        token_url="https://login.elsewhere.example/token",
    )
    states = actionforge.InMemoryStateStore()
    with pytest.raises(actionforge.OAuthDomainError):
        await actionforge.begin_sign_in(
            me_action(protected_api), config, redirect_uri=REDIRECT_URI, binding=ALICE, state_store=states
        )
