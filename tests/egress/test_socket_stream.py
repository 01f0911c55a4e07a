"""The guarded pool's stream keeps its socket, and still tells a closed idle connection apart."""

from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from actionforge.egress import DomainPolicy, guarded_async_client
from actionforge.egress.socket_stream import SocketStream, is_readable
from actionforge.settings import Settings
from tests.egress.conftest import Recorder, StubResolver, recording_app
from tests.servers.tls import serve_tls

ALL = DomainPolicy.allow_all()
DEV = Settings(allow_http=True, allow_loopback=True, allow_any_port=True)
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class ClosingServer:
    """Answers one request per connection as keep-alive, then closes the connection anyway, as a
    server whose idle timeout is shorter than the client's does."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        self.closed.set()


async def test_an_idle_connection_the_server_closed_is_replaced_not_reused() -> None:
    upstream = ClosingServer()
    server = await asyncio.start_server(upstream.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, guarded_async_client(ALL, DEV) as client:
        first = await client.get(f"http://127.0.0.1:{port}/a")
        stream = first.extensions["network_stream"]
        await upstream.closed.wait()
        assert isinstance(stream, SocketStream)
        assert stream.get_extra_info("is_readable") is True  # the server's FIN is waiting
        second = await client.get(f"http://127.0.0.1:{port}/b")
    assert (first.text, second.text) == ("ok", "ok")
    assert upstream.connections == 2


async def test_an_open_idle_connection_is_reused(upstream: tuple[str, Recorder]) -> None:
    url, recorder = upstream
    async with guarded_async_client(ALL, DEV) as client:
        first = await client.get(f"{url}/a")
        stream = first.extensions["network_stream"]
        assert stream.get_extra_info("is_readable") is False
        second = await client.get(f"{url}/b")
    assert second.extensions["network_stream"] is stream
    assert recorder.paths() == ["/a", "/b"]


async def test_over_tls_the_stream_keeps_the_socket_and_answers_for_the_tls_layer() -> None:
    recorder = Recorder()
    resolver = StubResolver({"api.pinned.example": ["127.0.0.1"]})
    settings = Settings(allow_loopback=True, allow_any_port=True)
    with serve_tls(recording_app(recorder), ["api.pinned.example"]) as (port, ca):
        verify = ca.client_context()
        async with guarded_async_client(ALL, settings, resolver=resolver, verify=verify) as client:
            response = await client.get(f"https://api.pinned.example:{port}/a")
            stream = response.extensions["network_stream"]
            assert isinstance(stream, SocketStream)
            assert stream.get_extra_info("socket").fileno() > 0
            assert isinstance(stream.get_extra_info("ssl_object"), ssl.SSLObject)
            assert stream.get_extra_info("is_readable") is False
    assert recorder.paths() == ["/a"]


@pytest.mark.parametrize("closed", [True, False])
def test_a_socket_that_is_gone_counts_as_readable(closed: bool) -> None:
    """What httpcore's own probe answers: a connection without a socket is not reused."""
    left, right = socket.socketpair()
    with right:
        if closed:
            left.close()
            assert is_readable(left) is True
        else:
            with left:
                assert is_readable(left) is False
    assert is_readable(None) is True
