"""Run every OAuth path with distinctive secrets and look for them in everything a person or a
model could read: log records (DEBUG, every logger), exception messages, reprs and tracebacks."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from actionforge.auth.oauth import (
    InMemoryStateStore,
    PendingAuthorization,
    TokenSet,
    begin_authorization,
    callback_params,
    complete_authorization,
    disconnect,
)
from actionforge.auth.oauth.clock import Clock
from actionforge.secrets.value import SecretValue
from tests.auth.conftest import REDIRECT_URI, Api, Session, bearer, browse_to_callback, sign_in
from tests.servers.threaded import free_port


class RecordingStateStore(InMemoryStateStore):
    """Keeps every pending sign-in so the test knows the PKCE verifiers to look for."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.issued: list[PendingAuthorization] = []

    async def put(self, pending: PendingAuthorization) -> None:
        self.issued.append(pending)
        await super().put(pending)


async def browse_quietly(url: str) -> dict[str, str]:
    """The user's browser is not our code: its own HTTP logging (which shows the code in the
    provider's Location header) is kept out of the capture."""
    logging.disable(logging.CRITICAL)
    try:
        return await browse_to_callback(url, REDIRECT_URI)
    finally:
        logging.disable(logging.NOTSET)


def _texts_of(value: object) -> list[str]:
    texts = [str(value), repr(value)]
    if isinstance(value, BaseException):
        texts.append("".join(traceback.format_exception(value)))
    return texts


async def test_no_secret_appears_in_logs_errors_or_reprs(
    session: Session, client: httpx.AsyncClient, protected_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # root: httpx, httpcore, starlette, uvicorn ...
    caplog.set_level(logging.DEBUG, logger="actionforge")
    store = RecordingStateStore(session.clock)
    session.state_store = store
    seen: list[str] = []  # everything a person or a model could read
    secrets: list[str] = [session.config.client_secret.reveal()]

    callbacks: list[dict[str, str]] = []  # what the browser brought back, code included

    async def browse_keeping_the_code(url: str) -> dict[str, str]:
        query = await browse_quietly(url)
        secrets.append(query["code"])
        callbacks.append(query)
        return query

    def remember_tokens(tokens: TokenSet | None) -> None:
        if tokens is not None:
            secrets.append(tokens.access_token.reveal())
            if tokens.refresh_token is not None:
                secrets.append(tokens.refresh_token.reveal())

    async def expect_failure(coroutine: object) -> None:
        try:
            await coroutine  # type: ignore[misc]
        except Exception as exc:
            seen.extend(_texts_of(exc))
        else:
            raise AssertionError("expected a failure")

    # Sign in, call, refresh ahead of expiry, refresh after a 401.
    signed_in = await sign_in(session, client, browse=browse_keeping_the_code)
    query = callbacks[-1]
    remember_tokens(signed_in.tokens)
    seen.extend(_texts_of(signed_in))
    auth = bearer(session, client, skew=60)
    seen.extend(_texts_of(auth))
    response = await client.get(f"{protected_api.url}/me", auth=auth)
    assert response.status_code == 200
    remember_tokens(await session.token_store.get(session.binding.token_key))
    current = await session.token_store.get(session.binding.token_key)
    assert current is not None
    await session.provider.revoke(current.access_token.reveal())
    assert (await client.get(f"{protected_api.url}/me", auth=bearer(session, client))).status_code == 200
    remember_tokens(await session.token_store.get(session.binding.token_key))

    # The same code again; a replayed state; a wrong client secret; the token endpoint down.
    fresh_url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=store,
        clock=session.clock,
    )
    await expect_failure(
        complete_authorization(
            session.config,
            redirect_uri=REDIRECT_URI,
            state_store=store,
            clock=session.clock,
            token_store=session.token_store,
            client=client,
            state=httpx.URL(fresh_url).params["state"],
            code=query["code"],
        )
    )
    await expect_failure(
        complete_authorization(
            session.config,
            redirect_uri=REDIRECT_URI,
            state_store=store,
            clock=session.clock,
            token_store=session.token_store,
            client=client,
            **callback_params(query),
        )
    )
    wrong_secret = "wrong-secret-Jc7Tz4Mp"
    secrets.append(wrong_secret)
    wrong = session.config.model_copy(update={"client_secret": SecretValue(wrong_secret)})
    session_config = session.config
    session.config = wrong
    await expect_failure(client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60)))
    session.config = session_config.model_copy(update={"token_url": f"http://127.0.0.1:{free_port()}/t"})
    await expect_failure(client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60)))
    session.config = session_config

    # The grant revoked: sign in again. Then sign in once more and disconnect.
    current = await session.token_store.get(session.binding.token_key)
    assert current is not None
    assert current.refresh_token is not None
    seen.extend(_texts_of(current))
    await session.provider.revoke(current.refresh_token.reveal())
    await expect_failure(client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60)))
    signed_in = await sign_in(session, client, browse=browse_keeping_the_code)
    remember_tokens(signed_in.tokens)
    await disconnect(
        session.binding.token_key, token_store=session.token_store, config=session.config, client=client
    )

    for pending in store.issued:
        seen.extend(_texts_of(pending))
        assert pending.code_verifier is not None
        secrets.append(pending.code_verifier.reveal())
    seen.extend(_texts_of(session.config))
    for record in caplog.records:
        seen.append(record.getMessage())
        if record.exc_info:
            seen.append("".join(traceback.format_exception(*record.exc_info)))
    seen.append(caplog.text)

    assert len(secrets) >= 12
    assert len(caplog.records) > 10  # the logs were really captured
    everything = "\n".join(seen)
    leaked = [s for s in secrets if s in everything]
    where = {s: [t[max(0, t.find(s) - 300) : t.find(s) + 60] for t in seen if s in t][:2] for s in leaked}
    assert leaked == [], where
