"""Issue 7 §2: what goes on the wire for real document text, end to end through the public API
(``load_action(...).build_request(...)``): form bodies without ``{}`` members, base64 text
bodies and parts sent as written, and tool schemas that say what the encoder can send."""

from __future__ import annotations

import base64
import email.parser
import email.policy
from email.message import EmailMessage
from urllib.parse import unquote

import httpx
import pytest

import actionforge
from actionforge.calls.arguments import ArgumentsError

CUSTOMERS = """
openapi: 3.0.3
info: {title: Payments, version: "1"}
servers: [{url: "https://pay.example.com/v1"}]
paths:
  /customers/{customer}:
    post:
      operationId: updateCustomer
      parameters:
        - {name: customer, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                metadata: {type: object, additionalProperties: {type: string}}
                preferred_locales: {type: array, items: {type: string}}
                description: {type: string}
                address:
                  type: object
                  properties:
                    line1: {type: string}
                    extra: {type: object}
            encoding:
              metadata: {style: deepObject, explode: true}
              preferred_locales: {style: deepObject, explode: true}
              address: {style: deepObject, explode: true}
      responses: {"200": {description: ok}}
"""


def form_items(request: httpx.Request) -> list[str]:
    return [unquote(item) for item in request.content.decode().split("&") if item]


def test_empty_objects_and_lists_in_a_form_body_are_left_out_at_every_depth() -> None:
    action = actionforge.load_action(CUSTOMERS, profile="extended")
    request = action.build_request(
        "updateCustomer",
        {
            "customer": "cus_1",
            "metadata": {},
            "preferred_locales": [],
            "address": {"line1": "1 Main", "extra": {}},
        },
    )
    assert str(request.url) == "https://pay.example.com/v1/customers/cus_1"
    assert form_items(request) == ["address[line1]=1 Main"]


def test_an_empty_string_the_schema_allows_is_sent_as_name_equals() -> None:
    action = actionforge.load_action(CUSTOMERS, profile="extended")
    request = action.build_request(
        "updateCustomer", {"customer": "cus_1", "description": "", "metadata": {"k": "v"}}
    )
    assert sorted(form_items(request)) == ["description=", "metadata[k]=v"]


JPEG = base64.b64encode(b"\xff\xd8\xff\xe0 jpeg").decode()
UPLOADS = """
openapi: 3.1.0
info: {title: Music, version: "1"}
servers: [{url: "https://music.example.com"}]
paths:
  /playlists/{id}/images:
    put:
      operationId: uploadCover
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          image/jpeg:
            schema: {type: string, format: byte, description: Base64 encoded JPEG image data}
      responses: {"202": {description: accepted}}
  /covers31:
    put:
      operationId: uploadCover31
      requestBody:
        required: true
        content:
          image/jpeg:
            schema: {type: string, contentMediaType: image/jpeg, contentEncoding: base64}
      responses: {"202": {description: accepted}}
  /covers-raw:
    put:
      operationId: uploadRaw
      requestBody:
        required: true
        content:
          image/jpeg:
            schema: {type: string, format: binary}
      responses: {"202": {description: accepted}}
  /forms:
    post:
      operationId: uploadForm
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                cover: {type: string, format: byte}
                cover31: {type: string, contentEncoding: base64}
                raw: {type: string, format: binary}
                scan: {type: string, contentMediaType: image/png}
            encoding:
              cover: {contentType: image/jpeg}
              raw: {contentType: image/jpeg}
      responses: {"202": {description: accepted}}
"""


@pytest.mark.parametrize("operation", ["uploadCover", "uploadCover31"])
def test_a_base64_text_body_is_sent_as_the_text_itself(operation: str) -> None:
    action = actionforge.load_action(UPLOADS, profile="extended")
    tool = action.tool(operation)
    arguments = {"body": JPEG} | ({"id": "p1"} if operation == "uploadCover" else {})
    request = action.build_request(operation, arguments)
    assert request.content == JPEG.encode()
    assert request.headers["Content-Type"] == "image/jpeg"
    assert "Base64-encoded file content" not in tool.parameters["properties"]["body"].get("description", "")


def test_a_binary_body_is_the_decoded_bytes() -> None:
    action = actionforge.load_action(UPLOADS, profile="extended")
    assert action.build_request("uploadRaw", {"body": JPEG}).content == b"\xff\xd8\xff\xe0 jpeg"


def test_a_file_body_with_annotations_still_asks_for_base64_and_sends_the_bytes() -> None:
    """``example`` or ``maxLength`` beside ``type: string`` do not make a file body text."""
    document = UPLOADS.replace(
        "{type: string, format: binary}", "{type: string, example: raw, maxLength: 99}"
    )
    action = actionforge.load_action(document, profile="extended")
    described = action.tool("uploadRaw").parameters["properties"]["body"]
    assert described["contentEncoding"] == "base64"
    assert action.build_request("uploadRaw", {"body": JPEG}).content == b"\xff\xd8\xff\xe0 jpeg"


REFERENCED = """
openapi: 3.1.0
info: {title: Covers, version: "1"}
servers: [{url: "https://covers.example.com"}]
paths:
  /covers:
    put:
      operationId: uploadCover
      requestBody:
        required: true
        content:
          image/jpeg:
            schema: {$ref: "#/components/schemas/Jpeg", contentEncoding: base64}
      responses: {"202": {description: accepted}}
  /raw:
    put:
      operationId: uploadRaw
      requestBody:
        required: true
        content:
          image/jpeg:
            schema: {$ref: "#/components/schemas/Jpeg"}
      responses: {"202": {description: accepted}}
components:
  schemas:
    Jpeg: {type: string, contentMediaType: image/jpeg}
"""


def test_a_referenced_body_with_content_encoding_beside_its_ref_is_sent_as_the_text() -> None:
    """3.1 applies the keywords beside a $ref: ``contentEncoding: base64`` there says text."""
    action = actionforge.load_action(REFERENCED, profile="extended")
    described = action.tool("uploadCover").parameters["properties"]["body"]
    assert described.get("format") != "binary"
    assert "Base64-encoded file content" not in described["description"]
    assert action.build_request("uploadCover", {"body": JPEG}).content == JPEG.encode()
    # The same schema without the encoding is the file itself: its bytes.
    assert action.build_request("uploadRaw", {"body": JPEG}).content == b"\xff\xd8\xff\xe0 jpeg"


PETS_XML = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://pets.example.com"}]
paths:
  /pets:
    post:
      operationId: addPet
      requestBody:
        required: true
        content:
          application/xml:
            schema: {$ref: "#/components/schemas/Pet"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Pet:
      type: object
      xml: {name: pet}
      properties:
        id: {type: integer, xml: {attribute: true}}
        name: {type: string, xml: {name: pet-name}}
        category: {$ref: "#/components/schemas/Category"}
        tags:
          type: array
          xml: {wrapped: true}
          items: {$ref: "#/components/schemas/Tag"}
    Category:
      type: object
      xml: {name: kind}
      properties:
        name: {type: string, xml: {name: label}}
    Tag:
      type: object
      xml: {name: tag}
      properties:
        name: {type: string, xml: {attribute: true}}
"""


def test_xml_objects_of_referenced_schemas_name_their_elements() -> None:
    action = actionforge.load_action(PETS_XML, profile="extended")
    arguments = {"id": 1, "name": "Rex", "category": {"name": "dogs"}, "tags": [{"name": "a"}, {"name": "b"}]}
    request = action.build_request("addPet", arguments)
    assert request.content.decode().endswith(
        '<pet id="1"><pet-name>Rex</pet-name><kind><label>dogs</label></kind>'
        '<tags><tag name="a" /><tag name="b" /></tags></pet>'
    )


def parts(request: httpx.Request) -> dict[str, EmailMessage]:
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    assert isinstance(message, EmailMessage)
    found = [p for p in message.iter_parts() if isinstance(p, EmailMessage)]
    return {str(p.get_param("name", header="content-disposition")): p for p in found}


def test_base64_parts_carry_the_text_and_binary_parts_the_bytes() -> None:
    action = actionforge.load_action(UPLOADS, profile="extended")
    png = base64.b64encode(b"\x89PNG").decode()
    request = action.build_request("uploadForm", {"cover": JPEG, "cover31": JPEG, "raw": JPEG, "scan": png})
    by_name = parts(request)
    for name in ("cover", "cover31"):
        assert by_name[name].get_payload(decode=False) == JPEG  # the text, not the decoded bytes
        assert by_name[name]["Content-Transfer-Encoding"] == "base64"
    assert by_name["cover"].get_content_type() == "image/jpeg"
    assert by_name["cover31"].get_content_type() == "application/octet-stream"
    raw = request.content.split(b'name="raw"', 1)[1]
    assert b"\xff\xd8\xff\xe0 jpeg" in raw.split(b"\r\n--", 1)[0]
    assert by_name["raw"].get_content_type() == "image/jpeg"
    scan = request.content.split(b'name="scan"', 1)[1]
    assert b"\x89PNG" in scan.split(b"\r\n--", 1)[0]  # contentMediaType without an encoding: bytes


PARAMETERS = """
openapi: 3.0.3
info: {title: Items, version: "1"}
servers: [{url: "https://items.example.com"}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: X-Token, in: header, schema: {type: string, pattern: '^[\\S\\s]*$'}}
      responses: {"200": {description: ok}}
  /networks/{network}/devices/{device}:
    get:
      operationId: getDevice
      parameters:
        - {name: network, in: path, required: true, schema: {type: string, minLength: 0}}
        - {name: device, in: path, required: true, schema: {type: string, nullable: true}}
      responses: {"200": {description: ok}}
  /sets/{ids}:
    get:
      operationId: getSet
      parameters:
        - {name: ids, in: path, required: true, schema: {type: array, items: {type: integer}}}
      responses: {"200": {description: ok}}
"""


@pytest.mark.parametrize(
    ("operation", "arguments", "where"),
    [
        ("getItem", {"id": ""}, "id"),
        ("getSet", {"ids": []}, "ids"),
        ("getDevice", {"network": "", "device": "d"}, "network"),
        ("getDevice", {"network": "n", "device": None}, "device"),
        ("getItem", {"id": "a", "X-Trace": "a\r\nSet-Cookie: x=1"}, "X-Trace"),
        ("getItem", {"id": "a", "X-Token": "a\nb"}, "X-Token"),
    ],
)
def test_the_tool_schema_refuses_what_no_request_can_carry(
    operation: str, arguments: dict[str, object], where: str
) -> None:
    """Schema-valid arguments always build a request, so these are schema errors naming the
    argument, not build failures."""
    action = actionforge.load_action(PARAMETERS, profile="extended")
    with pytest.raises(ArgumentsError, match=where):
        action.build_request(operation, arguments)


EXPORTS = """
swagger: "2.0"
info: {title: Mail, version: "3"}
host: mail.example.com
basePath: /v3
schemes: [https]
paths:
  /email/history/export?filename={filename}:
    get:
      operationId: exportHistory
      parameters:
        - {name: filename, in: path, required: true, type: string}
        - {name: days, in: query, type: integer}
      responses: {"200": {description: ok}}
  /lists/{id}/export?format=csv:
    get:
      operationId: exportList
      parameters:
        - {name: id, in: path, required: true, type: string}
      responses: {"200": {description: ok}}
"""


def test_a_path_key_s_query_string_is_sent_as_the_query() -> None:
    """One published document has 19 such keys; its variables declared as path parameters."""
    action = actionforge.load_action(EXPORTS, profile="extended")
    request = action.build_request("exportHistory", {"filename": "june report.csv", "days": 30})
    path, _, query = str(request.url).partition("?")
    assert path == "https://mail.example.com/v3/email/history/export"
    assert sorted(query.split("&")) == ["days=30", "filename=june%20report.csv"]
    listed = action.build_request("exportList", {"id": "l1", "format": "csv"})
    assert str(listed.url) == "https://mail.example.com/v3/lists/l1/export?format=csv"
