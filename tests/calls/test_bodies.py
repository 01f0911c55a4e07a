"""Request body encoding: JSON, form-urlencoded (content- and style-based), multipart, text, binary."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

import pytest

from actionforge.calls.bodies import EncodedBody, SchemaView, decode_base64, encode_body
from actionforge.calls.serialize import RequestBuildError
from actionforge.openapi.model import Encoding, RequestBody

DEEP = Encoding(style="deepObject", explode=True)


def body(media_type: str, schema: dict[str, Any] | None = None, **encoding: Encoding) -> RequestBody:
    return RequestBody(
        media_type=media_type, schema=schema or {}, required=True, pointer="/rb", encoding=encoding
    )


def parts(encoded: EncodedBody) -> list[EmailMessage]:
    """The parts of a multipart body, parsed by the standard library's MIME parser."""
    head = f"Content-Type: {encoded.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + encoded.content)
    assert isinstance(message, EmailMessage)
    assert message.is_multipart()
    return [p for p in message.iter_parts() if isinstance(p, EmailMessage)]


# --- JSON ---------------------------------------------------------------------------------------


def test_json_is_compact_utf8_with_the_media_type() -> None:
    encoded = encode_body(body("application/json"), {"name": "Zoë", "tags": ["a"], "n": 1.0, "ok": None})
    assert encoded.content == '{"name":"Zoë","tags":["a"],"n":1.0,"ok":null}'.encode()
    assert encoded.content_type == "application/json"


@pytest.mark.parametrize(
    "media_type", ["application/merge-patch+json", "application/vnd.api+json; charset=utf-8"]
)
def test_any_plus_json_type_is_json(media_type: str) -> None:
    encoded = encode_body(body(media_type), [1, "two"])
    assert json.loads(encoded.content) == [1, "two"]
    assert encoded.content_type == media_type


def test_json_refuses_nan() -> None:
    with pytest.raises(RequestBuildError):
        encode_body(body("application/json"), {"x": float("nan")})


# --- application/x-www-form-urlencoded ----------------------------------------------------------


def _spec_section(spec_dir: Path, start: str) -> str:
    text = (spec_dir / "openapi-3.1.2.md").read_text(encoding="utf-8")
    return text.split(start, 1)[1]


def _code_blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", section, flags=re.DOTALL)


def test_form_with_json_values_matches_the_spec_example(openapi_spec_texts: Path) -> None:
    """OpenAPI 3.1.2, "Example: URL Encoded Form with JSON Values", read from the spec text."""
    section = _spec_section(openapi_spec_texts, "###### Example: URL Encoded Form with JSON Values")
    address = json.loads(_code_blocks(section, "json")[0])
    expected_both, expected_id_as_json = _code_blocks(section, "uri")[:2]
    id_value = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
    schema = {"type": "object", "properties": {"id": {"type": "string"}, "address": {"type": "object"}}}
    form = body("application/x-www-form-urlencoded", schema)
    assert encode_body(form, {"id": id_value, "address": address}).content.decode() == expected_both
    as_json = body("application/x-www-form-urlencoded", schema, id=Encoding(content_type="application/json"))
    assert encode_body(as_json, {"id": id_value}).content.decode() == expected_id_as_json


def test_form_with_base64_values_matches_the_spec_example(openapi_spec_texts: Path) -> None:
    """OpenAPI 3.1.2, "Example: URL Encoded Form with Binary Values": base64 stays text in a form."""
    section = _spec_section(openapi_spec_texts, "###### Example: URL Encoded Form with Binary Values")
    expected = _code_blocks(section, "uri")[0]
    icon = unquote(expected.split("&icon=", 1)[1])
    form = body(
        "application/x-www-form-urlencoded",
        {"type": "object", "properties": {"name": {"type": "string"}, "icon": {"type": "string"}}},
        icon=Encoding(content_type="image/png, image/jpeg"),
    )
    assert encode_body(form, {"name": "example", "icon": icon}).content.decode() == expected


def test_form_content_based_encoding_details() -> None:
    form = body("application/x-www-form-urlencoded")
    encoded = encode_body(form, {"q": "a b+c&d=e~", "n": 3, "on": True, "tags": ["x", "y"], "gone": None})
    assert encoded.content == b"q=a+b%2Bc%26d%3De%7E&n=3&on=true&tags=x&tags=y"
    assert encoded.content_type == "application/x-www-form-urlencoded"


def test_form_style_based_encoding_uses_rfc6570() -> None:
    form = body(
        "application/x-www-form-urlencoded",
        words=Encoding(style="spaceDelimited", explode=False),
        filter=Encoding(explode=True),
        raw=Encoding(allow_reserved=True),
    )
    encoded = encode_body(form, {"words": ["a", "b c"], "filter": {"k": "v w"}, "raw": "a/b?c"})
    assert encoded.content == b"words=a%20b%20c&k=v%20w&raw=a/b?c"


def test_form_deep_object_like_stripe() -> None:
    form = body(
        "application/x-www-form-urlencoded",
        line_items=DEEP,
        metadata=DEEP,
        expand=DEEP,
        payment_method_types=DEEP,
    )
    encoded = encode_body(
        form,
        {
            "mode": "payment",
            "line_items": [{"price": "price_123", "quantity": 2, "adjustable_quantity": {"enabled": True}}],
            "metadata": {"order_id": "6735", "note": "a&b"},
            "expand": ["customer", "invoice"],
            "payment_method_types": ["card"],
            "success_url": "https://example.com/ok?s={CHECKOUT_SESSION_ID}",
        },
    )
    assert [unquote(item) for item in encoded.content.decode().split("&")] == [
        "mode=payment",
        "line_items[0][price]=price_123",
        "line_items[0][quantity]=2",
        "line_items[0][adjustable_quantity][enabled]=true",
        "metadata[order_id]=6735",
        "metadata[note]=a&b",
        "expand[]=customer",
        "expand[]=invoice",
        "payment_method_types[]=card",
        "success_url=https://example.com/ok?s={CHECKOUT_SESSION_ID}",
    ]
    # ... and the wire form keeps brackets and delimiters inside values encoded.
    assert b"metadata%5Bnote%5D=a%26b" in encoded.content
    assert b"success_url=https%3A%2F%2Fexample.com%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D" in encoded.content


def test_a_string_form_body_is_a_form_already_written() -> None:
    """A schema that allows a string for the whole form body: the string is the body."""
    encoded = encode_body(body("application/x-www-form-urlencoded", {"type": "string"}), "a=1&b=%C3%BC")
    assert encoded == EncodedBody(b"a=1&b=%C3%BC", "application/x-www-form-urlencoded")


def test_form_body_must_be_an_object() -> None:
    with pytest.raises(RequestBuildError, match="must be an object"):
        encode_body(body("application/x-www-form-urlencoded"), ["a"])


# --- multipart/form-data ------------------------------------------------------------------------

UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "title": {"type": "string"},
        "meta": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "count": {"type": "integer"},
    },
}


def test_multipart_files_json_and_text_parts() -> None:
    payload = bytes(range(256))
    encoded = encode_body(
        body("multipart/form-data", UPLOAD_SCHEMA),
        {
            "file": base64.b64encode(payload).decode(),
            "title": 'Zoë\'s "photo"',
            "meta": {"a": 1},
            "tags": ["x", "y"],
            "count": 3,
        },
    )
    assert encoded.content_type.startswith("multipart/form-data; boundary=")
    by_name: dict[str, list[EmailMessage]] = {}
    for part in parts(encoded):
        by_name.setdefault(str(part.get_param("name", header="content-disposition")), []).append(part)
    file_part = by_name["file"][0]
    assert file_part.get_filename() == "file"
    assert file_part.get_content_type() == "application/octet-stream"
    assert file_part.get_payload(decode=True) == payload
    assert by_name["meta"][0].get_content_type() == "application/json"
    assert json.loads(cast(bytes, by_name["meta"][0].get_payload(decode=True))) == {"a": 1}
    assert [p.get_payload(decode=True) for p in by_name["tags"]] == [b"x", b"y"]
    assert by_name["count"][0].get_payload(decode=True) == b"3"
    assert by_name["title"][0].get_payload(decode=True) == 'Zoë\'s "photo"'.encode()
    assert by_name["title"][0].get_filename() is None


def test_multipart_binary_is_recognised_through_refs_in_the_tool_schema() -> None:
    tool_view = SchemaView(
        {"type": "object", "properties": {"doc": {"$ref": "#/$defs/File"}}},
        {"$defs": {"File": {"type": "string", "format": "binary"}}},
    )
    encoded = encode_body(
        body("multipart/form-data", {"$ref": "#/components/schemas/Upload"}),
        {"doc": base64.b64encode(b"%PDF-1.7").decode()},
        (tool_view,),
    )
    [part] = parts(encoded)
    assert part.get_payload(decode=True) == b"%PDF-1.7"
    assert part.get_filename() == "doc"


def test_multipart_encoding_content_type_and_deep_object_style() -> None:
    # Stripe's POST /v1/files: file_link_data is deepObject-encoded inside multipart.
    encoded = encode_body(
        body(
            "multipart/form-data",
            UPLOAD_SCHEMA,
            file=Encoding(content_type="image/png, image/jpeg"),
            file_link_data=DEEP,
            expand=DEEP,
        ),
        {
            "file": base64.b64encode(b"\x89PNG").decode(),
            "file_link_data": {"create": True, "metadata": {"k": "a b"}},
            "expand": ["file_link"],
        },
    )
    found = [
        (
            str(p.get_param("name", header="content-disposition")),
            p.get_content_type(),
            p.get_payload(decode=True),
        )
        for p in parts(encoded)
    ]
    assert ("file", "image/png", b"\x89PNG") in found
    assert ("file_link_data[create]", "text/plain", b"true") in found
    assert ("file_link_data[metadata][k]", "text/plain", b"a b") in found
    assert ("expand[]", "text/plain", b"file_link") in found


def test_a_multipart_body_already_written_is_sent_with_its_boundary() -> None:
    written = '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--\r\n'
    encoded = encode_body(body("multipart/form-data", {"type": "string"}), written)
    assert encoded == EncodedBody(written.encode(), "multipart/form-data; boundary=xyz")


def test_another_value_for_a_multipart_body_is_one_field() -> None:
    encoded = encode_body(body("multipart/form-data", {"type": "string"}), "just text")
    [part] = parts(encoded)
    assert (part.get_param("name", header="content-disposition"), part.get_payload()) == ("body", "just text")


def test_empty_multipart_body_is_the_close_delimiter_alone() -> None:
    """What browsers send for a form without fields."""
    encoded = encode_body(body("multipart/form-data"), {})
    boundary = encoded.content_type.split("boundary=", 1)[1]
    assert encoded.content == f"--{boundary}--\r\n".encode()


def test_multipart_rejects_bad_base64_naming_the_field() -> None:
    with pytest.raises(RequestBuildError) as info:
        encode_body(body("multipart/form-data", UPLOAD_SCHEMA), {"file": "not base64!"})
    assert info.value.where == "file"


# --- text and binary ----------------------------------------------------------------------------


def test_text_plain() -> None:
    assert encode_body(body("text/plain"), "héllo\n") == EncodedBody("héllo\n".encode(), "text/plain")
    assert encode_body(body("text/csv"), 42).content == b"42"


def test_octet_stream_decodes_base64() -> None:
    data = b"\x00\xff\xfe binary"
    for text in (
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode().rstrip("="),
        "data:application/octet-stream;base64," + base64.b64encode(data).decode(),
    ):
        assert encode_body(body("application/octet-stream"), text) == EncodedBody(
            data, "application/octet-stream"
        )
    assert encode_body(body("image/png"), base64.b64encode(b"\x89PNG").decode()).content == b"\x89PNG"


def test_a_wildcard_file_type_takes_its_content_type_from_the_data_url() -> None:
    png = base64.b64encode(b"\x89PNG").decode()
    named = encode_body(body("image/*"), f"data:Image/PNG;base64,{png}")
    assert named == EncodedBody(b"\x89PNG", "image/png")
    for unnamed in (png, f"data:text/plain;base64,{png}", f"data:image/*;base64,{png}", 7):
        with pytest.raises(RequestBuildError, match=r"data URL naming its type: data:image/<subtype>;base64"):
            encode_body(body("image/*"), unnamed)


def test_any_file_type_takes_plain_base64_or_a_data_url() -> None:
    png = base64.b64encode(b"\x89PNG").decode()
    binary = {"type": "string", "format": "binary"}
    assert encode_body(body("*/*", binary), png) == EncodedBody(b"\x89PNG", "application/octet-stream")
    assert encode_body(body("*/*", binary), f"data:image/png;base64,{png}") == EncodedBody(
        b"\x89PNG", "image/png"
    )


def test_decode_base64_tolerates_line_breaks_and_refuses_garbage() -> None:
    assert decode_base64("aGVs\nbG8=", "x") == b"hello"
    for bad in ("a", "@@@@", 5):
        with pytest.raises(RequestBuildError):
            decode_base64(bad, "x")


def test_other_media_types_take_ready_made_strings_as_they_are() -> None:
    xml = "<pet><name>Rex</name></pet>"
    assert encode_body(body("application/xml"), xml) == EncodedBody(xml.encode(), "application/xml")
    vendor = body("application/vnd.example.v2")
    assert encode_body(vendor, {"a": [1]}) == EncodedBody(b'{"a":[1]}', "application/vnd.example.v2")


PET_XML = {
    "type": "object",
    "xml": {"name": "pet", "namespace": "https://example.com/ns"},
    "properties": {
        "id": {"type": "integer", "xml": {"attribute": True}},
        "name": {"type": "string"},
        "photoUrls": {
            "type": "array",
            "xml": {"wrapped": True},
            "items": {"type": "string", "xml": {"name": "url"}},
        },
        "tags": {"type": "array", "items": {"type": "object", "xml": {"name": "tag"}}},
    },
}


def test_an_object_for_an_xml_body_is_written_as_xml_by_the_xml_objects() -> None:
    """OpenAPI's XML Object: attribute, wrapped arrays, renamed items, namespace; text escaped."""
    encoded = encode_body(
        body("application/xml", PET_XML),
        {"id": 7, "name": "Rex & <Co>", "photoUrls": ["a", "b"], "tags": [{"name": "x"}], "gone": None},
    )
    assert encoded.content_type == "application/xml"
    assert encoded.content.decode() == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<pet xmlns="https://example.com/ns" id="7"><name>Rex &amp; &lt;Co&gt;</name>'
        "<photoUrls><url>a</url><url>b</url></photoUrls><tag><name>x</name></tag></pet>"
    )


def test_an_xml_root_is_named_by_its_component_and_names_are_made_valid() -> None:
    encoded = encode_body(
        body("text/xml; charset=utf-8", {"$ref": "#/components/schemas/Order"}), {"1st item": 2}
    )
    assert encoded.content.endswith(b"<Order><_1st_item>2</_1st_item></Order>")


def test_a_non_text_value_for_a_file_body_is_sent_as_its_json() -> None:
    """Only a schema that is not a file's allows one; the encoder sends what it was given."""
    assert encode_body(body("application/octet-stream", {"type": "array"}), []) == EncodedBody(
        b"[]", "application/octet-stream"
    )


def test_wildcard_media_types_send_a_concrete_type() -> None:
    assert encode_body(body("*/*"), {"a": 1}) == EncodedBody(b'{"a":1}', "application/json")
    assert encode_body(body("*/*"), "hi") == EncodedBody(b"hi", "text/plain")


def test_multipart_with_text_fields_only_is_still_multipart_in_order() -> None:
    encoded = encode_body(body("multipart/form-data"), {"b": "2", "a": "1", "c": ["x", "y"]})
    assert encoded.content_type.startswith("multipart/form-data; boundary=")
    found = [
        (str(p.get_param("name", header="content-disposition")), p.get_payload()) for p in parts(encoded)
    ]
    assert found == [("b", "2"), ("a", "1"), ("c", "x"), ("c", "y")]
    assert b"Content-Type" not in encoded.content  # plain fields carry no part headers
