from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from actionforge.calls.response import (
    ResponseText,
    format_size,
    is_text_media_type,
    parse_content_type,
    read_response,
    render_body,
)
from actionforge.settings import Settings
from tests.servers.threaded import serve
from tests.servers.upstream import PRETTY_JSON, upstream_app


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve(upstream_app()) as url:
        yield url


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


async def fetch(client: httpx.AsyncClient, url: str, settings: Settings) -> ResponseText:
    response = await client.send(client.build_request("GET", url), stream=True)
    result = await read_response(response, settings)
    assert response.is_closed
    return result


# --- media types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "media_type",
    [
        "text/plain",
        "text/html",
        "text/csv",
        "application/json",
        "application/problem+json",
        "application/vnd.api+json",
        "application/xml",
        "application/atom+xml",
        "application/javascript",
        "application/yaml",
        "application/x-www-form-urlencoded",
    ],
)
def test_text_media_types(media_type: str) -> None:
    assert is_text_media_type(media_type)


@pytest.mark.parametrize(
    "media_type",
    [
        "image/png",
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "video/mp4",
        "audio/mpeg",
    ],
)
def test_binary_media_types(media_type: str) -> None:
    assert not is_text_media_type(media_type)


def test_content_type_parsing() -> None:
    assert parse_content_type('Text/HTML; Charset="ISO-8859-1"; q=1') == ("text/html", "ISO-8859-1")
    assert parse_content_type("application/json") == ("application/json", None)
    assert parse_content_type(None) == (None, None)


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (1, "1 byte"),
        (999, "999 bytes"),
        (14_200, "14.2 kB"),
        (2_300_000, "2.3 MB"),
        (5_000_000_000, "5.0 GB"),
    ],
)
def test_sizes_read_like_people_write_them(size: int, words: str) -> None:
    assert format_size(size) == words


# --- rendering -----------------------------------------------------------------------------------


def test_json_is_compacted_without_escaping_unicode() -> None:
    data = json.dumps(PRETTY_JSON, indent=4, ensure_ascii=True).encode()
    body = render_body(data, "application/json", over_cap=False, settings=Settings())
    assert body.text == '{"name":"Zoë","tags":["a","b"],"nested":{"n":1,"ok":true,"none":null}}'
    assert not body.truncated


def test_invalid_json_is_shown_as_sent() -> None:
    body = render_body(b"{not json", "application/json", over_cap=False, settings=Settings())
    assert body.text == "{not json"


def test_json_numbers_json_cannot_write_back_are_left_alone() -> None:
    body = render_body(b"[1e999, 2]", "application/json", over_cap=False, settings=Settings())
    assert body.text == "[1e999, 2]"


def test_a_body_over_the_character_cap_is_cut_with_a_marker_inside_the_cap() -> None:
    settings = Settings(max_response_chars=100)
    body = render_body(b"a" * 1000, "text/plain", over_cap=False, settings=settings)
    assert body.truncated
    assert len(body.text) <= 100
    marker = "\n[truncated: response was 1,000 characters, showing the first "
    assert marker in body.text
    shown = int(body.text.rsplit(" ", 2)[-2])
    assert body.text == "a" * shown + f"{marker}{shown:,} characters]"


def test_characters_not_bytes_are_counted() -> None:
    settings = Settings(max_response_chars=200)
    text = "é😀" * 100  # 200 characters, 600 bytes
    body = render_body(text.encode(), "text/plain; charset=utf-8", over_cap=False, settings=settings)
    assert body.text == text
    body = render_body((text + "!").encode(), "text/plain", over_cap=False, settings=settings)
    assert body.truncated
    assert "response was 201 characters" in body.text
    assert len(body.text) <= 200
    assert body.text.startswith("é😀é😀")


@hsettings(max_examples=100)
@given(text=st.text(min_size=0, max_size=300), cap=st.integers(min_value=1, max_value=400))
def test_what_the_model_sees_never_exceeds_the_cap(text: str, cap: int) -> None:
    body = render_body(text.encode(), "text/plain", over_cap=False, settings=Settings(max_response_chars=cap))
    assert len(body.text) <= cap
    assert body.truncated == (len(text) > cap)
    if not body.truncated:
        assert body.text == text
    elif cap >= 80:  # room for the marker: the kept part is a prefix of the original
        kept = body.text[: body.text.index("\n[truncated: ")]
        assert text.startswith(kept)


def test_the_truncation_counts_the_compacted_json() -> None:
    data = json.dumps(list(range(100)), indent=2).encode()
    compact = json.dumps(list(range(100)), separators=(",", ":"))
    body = render_body(data, "application/json", over_cap=False, settings=Settings(max_response_chars=1000))
    assert body.text == compact  # fits once compacted, though the raw bytes did not


def test_binary_becomes_a_note() -> None:
    body = render_body(b"\x89PNG" + b"\0" * 2_299_996, "image/png", over_cap=False, settings=Settings())
    assert body.text == "The API returned 2.3 MB of image/png, which is not text; it cannot be shown."


def test_undecodable_text_becomes_a_note() -> None:
    body = render_body(b"\xff\xfe\xfa", "text/plain; charset=utf-8", over_cap=False, settings=Settings())
    assert body.text == (
        "The API returned 3 bytes of text/plain that could not be decoded as text; it cannot be shown."
    )


def test_the_declared_charset_is_used() -> None:
    body = render_body(
        "café".encode("latin-1"), "text/plain; charset=ISO-8859-1", over_cap=False, settings=Settings()
    )
    assert body.text == "café"


def test_an_unknown_charset_falls_back_to_utf8() -> None:
    body = render_body("café".encode(), "text/plain; charset=x-made-up", over_cap=False, settings=Settings())
    assert body.text == "café"


def test_utf16_json_without_charset_is_detected() -> None:
    body = render_body('{"a": "ü"}'.encode("utf-16"), "application/json", over_cap=False, settings=Settings())
    assert body.text == '{"a":"ü"}'


def test_no_content_type_text_is_shown_and_binary_is_not() -> None:
    assert render_body(b'{"a": 1}', None, over_cap=False, settings=Settings()).text == '{"a":1}'
    assert render_body(b"plain words", None, over_cap=False, settings=Settings()).text == "plain words"
    note = render_body(b"\x00\x01\x02", None, over_cap=False, settings=Settings()).text
    assert note.startswith("The API returned 3 bytes of data with no content type")


def test_a_multibyte_character_cut_by_the_byte_cap_is_not_an_error() -> None:
    data = "€€€".encode()[:-1]  # the last character is cut in half
    body = render_body(data, "text/plain", over_cap=True, settings=Settings(max_response_bytes=8))
    assert body.truncated
    assert body.text.startswith("€€\n[truncated: response was over 8 bytes, showing the first 2 characters]")


def test_empty_bodies_are_fine() -> None:
    assert render_body(b"", "application/json", over_cap=False, settings=Settings()) == ResponseText(
        "", "application/json"
    )


# --- streaming from a real server ----------------------------------------------------------------


async def test_pretty_json_from_the_server_is_compacted(upstream: str, client: httpx.AsyncClient) -> None:
    body = await fetch(client, f"{upstream}/json", Settings())
    assert json.loads(body.text) == PRETTY_JSON
    assert " " not in body.text.replace("Zoë", "")
    assert body.media_type == "application/json"


async def test_gzip_bodies_are_decompressed(upstream: str, client: httpx.AsyncClient) -> None:
    body = await fetch(client, f"{upstream}/gzip", Settings())
    assert json.loads(body.text) == PRETTY_JSON


async def test_an_endless_stream_is_stopped_by_the_byte_cap(upstream: str, client: httpx.AsyncClient) -> None:
    body = await fetch(  # the stream never ends: returning at all shows the cap stopped it
        client, f"{upstream}/endless", Settings(max_response_bytes=200_000, max_response_chars=500)
    )
    assert body.truncated
    assert len(body.text) == 500
    assert body.text.endswith(
        "y\n[truncated: response was over 200,000 bytes, showing the first 421 characters]"
    )


async def test_an_endless_binary_stream_is_measured_up_to_the_cap(
    upstream: str, client: httpx.AsyncClient
) -> None:
    body = await fetch(
        client, f"{upstream}/endless?type=application/octet-stream", Settings(max_response_bytes=300_000)
    )
    assert body.text == (
        "The API returned more than 300.0 kB of application/octet-stream, which is not text; "
        "it cannot be shown."
    )


async def test_binary_of_known_length_is_not_downloaded(upstream: str, client: httpx.AsyncClient) -> None:
    body = await fetch(client, f"{upstream}/binary?n=50000000", Settings())
    assert body.text == "The API returned 50.0 MB of image/png, which is not text; it cannot be shown."


async def test_binary_of_unknown_length_is_counted(upstream: str, client: httpx.AsyncClient) -> None:
    body = await fetch(client, f"{upstream}/binary-stream?n=4500", Settings())
    assert (
        body.text
        == "The API returned 4.5 kB of application/octet-stream, which is not text; it cannot be shown."
    )


async def test_html_is_text(upstream: str, client: httpx.AsyncClient) -> None:
    url = f"{upstream}/encoded?text=<p>hi</p>&content_type=text/html"
    body = await fetch(client, url, Settings())
    assert body.text == "<p>hi</p>"
    assert body.media_type == "text/html"
