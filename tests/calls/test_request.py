"""build_request: every location and style, path safety, bodies, and the bytes a real server sees."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from actionforge.calls.request import RequestBuildError, build_request
from actionforge.openapi.model import Encoding, RequestBody
from actionforge.tools.model import ArgumentBinding, Tool
from tests.calls.documents import make_tool, param, tools_of

DATA = Path(__file__).resolve().parents[1] / "data" / "calls"
STRIPE = json.loads((DATA / "stripe_excerpt.json").read_text(encoding="utf-8"))


# --- URL ----------------------------------------------------------------------------------------


def test_server_base_path_is_kept_and_path_parameters_are_filled() -> None:
    tool = make_tool("/users/{user}/repos/{repo}", [param("user", "path"), param("repo", "path")])
    request = build_request(tool, {"user": "octo", "repo": "hello"})
    assert request.method == "GET"
    assert str(request.url) == "https://api.example.com/v1/users/octo/repos/hello"


def test_server_url_with_trailing_slash_or_query() -> None:
    tool = make_tool("/x", [param("q", "query")], server_url="https://h.example/api/?key=1")
    assert build_request(tool, {"q": "a"}).url.raw_path == b"/api/x?key=1&q=a"


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("../admin", "..%2Fadmin"),
        ("a/b", "a%2Fb"),
        ("?admin=1", "%3Fadmin%3D1"),
        ("#top", "%23top"),
        ("%2e%2e", "%252e%252e"),
        ("100%", "100%25"),
        ("a b", "a%20b"),
        ("ünï/cødé", "%C3%BCn%C3%AF%2Fc%C3%B8d%C3%A9"),
        ("...", "..."),
    ],
)
def test_path_values_cannot_leave_their_segment(value: str, segment: str) -> None:
    tool = make_tool("/files/{name}/meta", [param("name", "path")])
    request = build_request(tool, {"name": value})
    assert request.url.raw_path == f"/v1/files/{segment}/meta".encode()
    assert request.url.host == "api.example.com"


@pytest.mark.parametrize("value", [".", ".."])
def test_a_value_that_would_make_a_dot_segment_is_refused(value: str) -> None:
    tool = make_tool("/files/{name}/meta", [param("name", "path")])
    with pytest.raises(RequestBuildError, match="another resource") as caught:
        build_request(tool, {"name": value})
    assert caught.value.where == "name"


@pytest.mark.parametrize(
    ("a", "b", "segment"),
    [("a.b", "tar.gz", "a.b.tar.gz"), (".", "x", "..x"), ("x", ".", "x.."), ("", "x", ".x")],
)
def test_dotted_values_fill_a_shared_segment(a: str, b: str, segment: str) -> None:
    tool = make_tool("/files/{a}.{b}/raw", [param("a", "path"), param("b", "path")])
    if a == "":
        with pytest.raises(RequestBuildError, match="empty"):
            build_request(tool, {"a": a, "b": b})
        return
    assert build_request(tool, {"a": a, "b": b}).url.raw_path == f"/v1/files/{segment}/raw".encode()


def test_values_that_together_make_a_dot_segment_are_refused() -> None:
    tool = make_tool("/files/{a}{b}/raw", [param("a", "path"), param("b", "path")])
    with pytest.raises(RequestBuildError, match="another resource") as caught:
        build_request(tool, {"a": ".", "b": "."})
    assert caught.value.where == "b"


def test_a_template_placeholder_without_a_parameter_is_refused() -> None:
    tool = make_tool("/files/{name}/{version}", [param("name", "path")])
    with pytest.raises(RequestBuildError, match=r"\{version\} but no path parameter fills it"):
        build_request(tool, {"name": "a"})


@pytest.mark.parametrize("value", ["", "."])
def test_a_label_value_that_would_make_a_dot_segment_is_refused(value: str) -> None:
    tool = make_tool("/items/{id}", [param("id", "path", style="label")])
    with pytest.raises(RequestBuildError, match="another resource"):
        build_request(tool, {"id": value})


def test_a_query_string_in_the_template_goes_into_the_query_never_into_the_path() -> None:
    """The openapi layer splits such keys (``openapi/paths.py``); a template that still holds a
    ``?`` must not become ``/export%3Ffilename=...``."""
    tool = make_tool("/export?filename={filename}&v=2", [param("filename", "path"), param("q", "query")])
    request = build_request(tool, {"filename": "a b?.csv", "q": "x"})
    assert request.url.raw_path == b"/v1/export?filename=a%20b%3F.csv&v=2&q=x"


def test_path_styles_and_template_literals() -> None:
    tool = make_tool(
        "/café/{a}{b}/x{c}",
        [
            param("a", "path", {"type": "array"}, style="matrix", explode=True),
            param("b", "path", {"type": "object"}, style="label", explode=False),
            param("c", "path", {"type": "integer"}),
        ],
    )
    request = build_request(tool, {"a": ["1", "2"], "b": {"k": "v"}, "c": 7})
    assert request.url.raw_path == b"/v1/caf%C3%A9/;a=1;a=2.k,v/x7"


def test_empty_or_missing_path_values_are_refused() -> None:
    tool = make_tool("/items/{id}", [param("id", "path")])
    with pytest.raises(RequestBuildError) as info:
        build_request(tool, {"id": ""})
    assert info.value.where == "id"
    with pytest.raises(RequestBuildError, match="missing"):
        build_request(tool, {})


def test_query_order_follows_the_operation_and_omits_absent_and_null_values() -> None:
    tool = make_tool(
        "/search",
        [
            param("q", "query"),
            param("tags", "query", {"type": "array"}),
            param("ids", "query", {"type": "array"}, explode=False),
            param("filter", "query", {"type": "object"}, style="deepObject", explode=True),
            param("sep", "query", {"type": "array"}, style="pipeDelimited", explode=False),
            param("page", "query", {"type": "integer"}),
            param("unused", "query"),
            param("nothing", "query"),
        ],
    )
    request = build_request(
        tool,
        {
            "page": 2,
            "sep": ["a", "b"],
            "filter": {"name": "x y"},
            "ids": [1, 2],
            "tags": ["a", "b&c"],
            "q": "hello world",
            "nothing": None,
        },
    )
    assert request.url.query == (
        b"q=hello%20world&tags=a&tags=b%26c&ids=1,2&filter%5Bname%5D=x%20y&sep=a%7Cb&page=2"
    )


def test_allow_empty_value_and_required_empty_collections() -> None:
    tool = make_tool(
        "/s",
        [
            param("flag", "query", allow_empty_value=True),
            param("list", "query", {"type": "array"}, required=True),
            param("opt", "query", {"type": "array"}),
        ],
    )
    assert build_request(tool, {"flag": None, "list": [], "opt": []}).url.query == b"flag=&list="


def test_empty_strings_in_optional_query_parameters_are_left_out() -> None:
    """OpenAPI allows empty-valued query parameters only with allowEmptyValue."""
    tool = make_tool("/s", [param("q", "query"), param("must", "query", required=True), param("e", "query")])
    assert build_request(tool, {"q": "", "must": "", "e": "x"}).url.query == b"must=&e=x"


def test_allow_reserved_query() -> None:
    tool = make_tool("/s", [param("path", "query", allow_reserved=True)])
    assert build_request(tool, {"path": "/a/b:c&d"}).url.query == b"path=/a/b:c%26d"


def test_content_parameters_are_json_then_encoded_for_their_location() -> None:
    tool = make_tool(
        "/c/{sel}",
        [
            param("sel", "path", content_type="application/json"),
            param("filter", "query", content_type="application/json"),
            param("X-Filter", "header", content_type="application/json"),
            param("raw", "query", content_type="text/plain"),
        ],
    )
    request = build_request(
        tool, {"sel": {"a": 1}, "filter": {"name": "x", "n": [1, 2]}, "X-Filter": ["a"], "raw": "a b"}
    )
    assert request.url.raw_path == (
        b"/v1/c/%7B%22a%22%3A1%7D?filter=%7B%22name%22%3A%22x%22%2C%22n%22%3A%5B1%2C2%5D%7D&raw=a%20b"
    )
    assert request.headers["X-Filter"] == '["a"]'


# --- headers and cookies ------------------------------------------------------------------------


def test_headers_cookies_and_platform_headers() -> None:
    tool = make_tool(
        "/h",
        [
            param("X-Request-Id", "header"),
            param("X-Tags", "header", {"type": "array"}),
            param("User-Agent", "header"),
            param("Accept", "header"),
            param("session", "cookie"),
            param("prefs", "cookie", {"type": "object"}, explode=True),
        ],
    )
    request = build_request(
        tool,
        {
            "X-Request-Id": "abc 123",
            "X-Tags": ["a", "b"],
            "User-Agent": "model-chosen",
            "Accept": "text/html",
            "session": "s=1;x",
            "prefs": {"theme": "dark", "lang": "en"},
        },
        headers={"User-Agent": "actionforge", "Cookie": "platform=1"},
    )
    assert request.headers["X-Request-Id"] == "abc 123"
    assert request.headers["X-Tags"] == "a,b"
    assert request.headers.get_list("User-Agent") == ["actionforge"]
    assert "Accept" not in request.headers  # Accept parameters are ignored (OpenAPI)
    assert request.headers.get_list("Cookie") == ["platform=1; session=s%3D1%3Bx; theme=dark; lang=en"]


def test_header_injection_is_refused() -> None:
    tool = make_tool("/h", [param("X-Note", "header")])
    with pytest.raises(RequestBuildError) as info:
        build_request(tool, {"X-Note": "ok\r\nX-Admin: 1"})
    assert info.value.where == "X-Note"


def test_non_ascii_header_values_go_out_as_utf8() -> None:
    tool = make_tool("/h", [param("X-Name", "header")])
    request = build_request(tool, {"X-Name": "Zoë"})
    assert (b"X-Name", "Zoë".encode()) in request.headers.raw


# --- bodies -------------------------------------------------------------------------------------


def test_body_properties_are_collected_into_an_object() -> None:
    body = RequestBody("application/json", {"type": "object"}, True, "/rb")
    tool = make_tool("/pets", method="post", body=body, body_properties=("name", "tag", "age"))
    request = build_request(tool, {"name": "Rex", "age": 3}, headers={"Content-Type": "text/plain"})
    assert request.method == "POST"
    assert request.content == b'{"name":"Rex","age":3}'
    assert request.headers.get_list("Content-Type") == ["application/json"]
    assert request.headers["Content-Length"] == "22"


def test_whole_body_binding_sends_the_value_itself() -> None:
    body = RequestBody("application/json", {"type": "array"}, True, "/rb")
    tool = make_tool("/batch", method="post", body=body, whole_body=True)
    assert build_request(tool, {"body": [1, {"a": None}]}).content == b'[1,{"a":null}]'


def test_required_body_without_arguments_is_an_empty_object_optional_is_absent() -> None:
    required = make_tool("/a", method="post", body=RequestBody("application/json", {}, True, "/rb"))
    optional = make_tool("/a", method="post", body=RequestBody("application/json", {}, False, "/rb"))
    assert build_request(required, {}).content == b"{}"
    plain = build_request(optional, {})
    assert plain.content == b""
    assert "Content-Type" not in plain.headers


def test_octet_stream_body_from_base64() -> None:
    body = RequestBody("application/octet-stream", {"type": "string", "format": "binary"}, True, "/rb")
    tool = make_tool("/upload", method="put", body=body, whole_body=True)
    request = build_request(tool, {"body": base64.b64encode(b"\x00\x01binary").decode()})
    assert request.content == b"\x00\x01binary"
    assert request.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("media_type", ["image/png", "application/pdf", "audio/ogg"])
def test_a_document_s_file_upload_body_is_sent_as_the_decoded_bytes(media_type: str) -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Files", "version": "1"},
        "servers": [{"url": "https://files.example.com"}],
        "paths": {
            "/avatars/{user}": {
                "put": {
                    "operationId": "putAvatar",
                    "parameters": [
                        {"name": "user", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"required": True, "content": {media_type: {}}},
                    "responses": {"204": {"description": "stored"}},
                }
            }
        },
    }
    tool = tools_of(document)["putAvatar"]
    file_argument = next(b.property for b in tool.bindings if b.location == "body_whole")
    described = tool.parameters["properties"][file_argument]
    assert described["type"] == "string"
    assert described.get("contentEncoding") == "base64"
    payload = b"\x89PNG\r\n\x1a\n\x00binary"
    request = build_request(tool, {"user": "ada", file_argument: base64.b64encode(payload).decode()})
    assert request.url.raw_path == b"/avatars/ada"
    assert request.content == payload
    assert request.headers["Content-Type"] == media_type


def test_arguments_the_tool_does_not_know_are_refused() -> None:
    tool = make_tool("/a", [param("q", "query")])
    with pytest.raises(RequestBuildError) as info:
        build_request(tool, {"q": "x", "extra": 1})
    assert info.value.where == "extra"


def test_errors_name_the_tool_argument_not_the_wire_name() -> None:
    operation = make_tool("/items/{id}", [param("id", "path"), param("X-Note", "header")]).operation
    tool = Tool(
        "op",
        "op",
        "",
        {},
        operation,
        (ArgumentBinding("id__path", "path", "id"), ArgumentBinding("note", "header", "X-Note")),
    )
    with pytest.raises(RequestBuildError) as info:
        build_request(tool, {"id__path": ""})
    assert info.value.where == "id__path"
    with pytest.raises(RequestBuildError) as info:
        build_request(tool, {"id__path": "1", "note": "a\nb"})
    assert info.value.where == "note"
    assert str(info.value).startswith("note: ")

    body = RequestBody("application/octet-stream", {}, True, "/rb")
    upload = make_tool("/u", method="put", body=body, whole_body=True)
    with pytest.raises(RequestBuildError) as info:
        build_request(upload, {"body": "%%%"})
    assert info.value.where == "body"
    form = make_tool(
        "/f",
        method="post",
        body=RequestBody("multipart/form-data", {"properties": {"doc": {"format": "binary"}}}, True, "/rb"),
    )
    form = Tool("op", "op", "", {}, form.operation, (ArgumentBinding("document", "body", "doc"),))
    with pytest.raises(RequestBuildError) as info:
        build_request(form, {"document": "%%%"})
    assert info.value.where == "document"


def test_binding_to_a_missing_parameter_is_refused() -> None:
    tool = make_tool("/a")
    broken = type(tool)(
        tool.name, tool.original_name, "", {}, tool.operation, (ArgumentBinding("q", "query", "q"),)
    )
    with pytest.raises(RequestBuildError, match="lacks"):
        build_request(broken, {"q": "x"})


# --- through the spec layer: Stripe -------------------------------------------------------------


def test_stripe_checkout_session_form_body() -> None:
    tool = tools_of(STRIPE)["PostCheckoutSessions"]
    request = build_request(
        tool,
        {
            "mode": "payment",
            "line_items": [{"price": "price_1", "quantity": 2}, {"price": "price_2", "quantity": 1}],
            "metadata": {"order": "6735"},
            "expand": ["payment_intent"],
            "success_url": "https://example.com/success",
        },
    )
    assert str(request.url) == "https://api.stripe.com/v1/checkout/sessions"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    pairs = [tuple(p.split("=", 1)) for p in request.content.decode().split("&")]
    assert pairs == [
        ("mode", "payment"),
        ("line_items%5B0%5D%5Bprice%5D", "price_1"),
        ("line_items%5B0%5D%5Bquantity%5D", "2"),
        ("line_items%5B1%5D%5Bprice%5D", "price_2"),
        ("line_items%5B1%5D%5Bquantity%5D", "1"),
        ("metadata%5Border%5D", "6735"),
        ("expand%5B%5D", "payment_intent"),
        ("success_url", "https%3A%2F%2Fexample.com%2Fsuccess"),
    ]


def test_stripe_list_customers_deep_object_query() -> None:
    tool = tools_of(STRIPE)["GetCustomers"]
    request = build_request(
        tool, {"created": {"gte": 1700000000}, "expand": ["data.default_source"], "limit": 3}
    )
    assert request.url.query == b"created%5Bgte%5D=1700000000&expand%5B%5D=data.default_source&limit=3"
    assert build_request(tool, {"created": 1700000000}).url.query == b"created=1700000000"


# --- the real wire ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["...", "../../etc/passwd", "a/b?c#d", "%2e%2e%2f", "é ü", "a;b=c,d"])
async def test_the_server_receives_exactly_what_was_built(echo_server: str, value: str) -> None:
    body = RequestBody(
        "multipart/form-data",
        {"type": "object", "properties": {"doc": {"type": "string", "format": "binary"}}},
        True,
        "/rb",
        encoding={"meta": Encoding(content_type="application/json")},
    )
    tool = make_tool(
        "/files/{name}/upload",
        [
            param("name", "path"),
            param("tags", "query", {"type": "array"}),
            param("X-Trace", "header"),
            param("sid", "cookie"),
        ],
        method="post",
        server_url=echo_server + "/base",
        body=body,
        body_properties=("doc", "title", "meta"),
    )
    arguments: dict[str, Any] = {
        "name": value,
        "tags": [value, "x"],
        "X-Trace": "t-1",
        "sid": value,
        "doc": base64.b64encode(b"\x00PDF\xff").decode(),
        "title": value,
        "meta": {"v": value},
    }
    request = build_request(tool, arguments)
    async with httpx.AsyncClient() as client:
        response = await client.send(request)
    seen = response.json()
    raw_path, _, query = request.url.raw_path.decode().partition("?")
    assert seen["method"] == "POST"
    assert seen["raw_path"] == raw_path
    assert seen["raw_path"].startswith("/base/files/")
    assert seen["raw_path"].endswith("/upload")
    assert seen["raw_path"].count("/") == 4  # the value stayed one segment
    assert unquote(seen["raw_path"]) == f"/base/files/{value}/upload"  # and decodes back to itself
    assert seen["query"] == query
    assert seen["headers"]["x-trace"] == "t-1"
    assert seen["headers"]["cookie"] == request.headers["Cookie"]
    assert seen["headers"]["content-type"] == request.headers["Content-Type"]
    assert seen["body"] == request.content.decode("utf-8", "replace")  # the echo decodes it so
