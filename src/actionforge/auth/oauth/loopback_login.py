"""Sign in from a terminal: a one-shot callback server on 127.0.0.1, as RFC 8252 §7.3 describes.

The provider redirects the browser to ``http://127.0.0.1:<port>/callback``; this module serves
that one request with the standard library's HTTP server (a CLI helper needs nothing more, and
no web framework belongs in the engine's dependencies), then completes the sign-in.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import webbrowser
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from actionforge.auth.oauth.clock import Clock, system_clock
from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.flow import begin_authorization, callback_params, complete_authorization
from actionforge.auth.oauth.state import InMemoryStateStore, StateBinding, StateStore
from actionforge.auth.oauth.store import TokenStore
from actionforge.auth.oauth.tokens import TokenSet
from actionforge.errors import AuthError
from actionforge.settings import Settings, default_settings

log = logging.getLogger(__name__)

CALLBACK_PATH = "/callback"
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>actionforge</title>"
    "<p>{message} You can close this tab and return to the terminal.</p>"
)


class LoginTimeout(AuthError):
    """No callback arrived in time."""


def _make_handler(deliver: Callable[[Mapping[str, str]], None]) -> type[BaseHTTPRequestHandler]:
    class CallbackHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != CALLBACK_PATH:
                self.send_error(404)
                return
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            message = "Sign-in failed." if "error" in query else "Sign-in received."
            body = _PAGE.format(message=message).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            deliver(query)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the default writes the request line, code included, to stderr

    return CallbackHandler


async def login_in_browser(
    config: OAuthConfig,
    *,
    token_store: TokenStore,
    binding: StateBinding,
    client: httpx.AsyncClient,
    open_browser: Callable[[str], object] = webbrowser.open,
    port: int = 0,
    state_store: StateStore | None = None,
    settings: Settings | None = None,
    clock: Clock = system_clock,
) -> TokenSet:
    """Run the whole sign-in for a terminal user and store the tokens under ``binding``.

    ``open_browser`` receives the authorize URL (it runs in a worker thread, so a blocking
    function is fine); the wait for the callback ends after ``settings.oauth_login_timeout_s``.
    """
    settings = settings or default_settings()
    state_store = state_store or InMemoryStateStore(clock)
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future[Mapping[str, str]] = loop.create_future()

    def settle(query: Mapping[str, str]) -> None:
        if not arrived.done():  # a second callback (a reload) changes nothing
            arrived.set_result(query)

    def deliver(query: Mapping[str, str]) -> None:
        loop.call_soon_threadsafe(settle, query)

    server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(deliver))
    thread = threading.Thread(target=server.serve_forever, name="oauth-callback", daemon=True)
    thread.start()
    try:
        redirect_uri = f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}"
        url = await begin_authorization(
            config,
            redirect_uri=redirect_uri,
            binding=binding,
            state_store=state_store,
            settings=settings,
            clock=clock,
        )
        log.info("waiting for the sign-in callback on %s", redirect_uri)
        await asyncio.to_thread(open_browser, url)
        try:
            query = await asyncio.wait_for(arrived, settings.oauth_login_timeout_s)
        except TimeoutError:
            raise LoginTimeout(
                f"No sign-in callback arrived within {settings.oauth_login_timeout_s:g} s"
            ) from None
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    signed_in = await complete_authorization(
        config,
        redirect_uri=redirect_uri,
        state_store=state_store,
        token_store=token_store,
        client=client,
        binding_check=lambda b: b == binding,
        clock=clock,
        **callback_params(query),
    )
    return signed_in.tokens
