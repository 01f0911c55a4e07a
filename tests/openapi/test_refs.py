"""$ref bundling: external files into components, cycles, local checks, remote refs."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from actionforge.errors import FetchError
from actionforge.openapi.loader import load_document, load_text
from actionforge.openapi.pointers import resolve_local_ref
from actionforge.openapi.refs import bundle, object_kind
from actionforge.openapi.source import URL, DocumentError
from actionforge.settings import Settings
from tests.servers.threaded import serve


def all_refs(data: Any) -> list[str]:
    return re.findall(r'"\$ref": "([^"]*)"', json.dumps(data))


def issues_of(call: Callable[[], Any]) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as caught:
        call()
    return [(issue.message, issue.pointer) for issue in caught.value.issues]


def warnings_of(text: str, settings: Settings) -> list[tuple[str, str]]:
    return [(issue.message, issue.pointer) for issue in load_text(text, settings=settings).warnings]


def write_files(root: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))


def minimal(paths: dict[str, Any], version: str = "3.0.3", **extra: Any) -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def get_returning(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        }
    }


# --------------------------------------------------------------------------- where refs appear


@pytest.mark.parametrize(
    ("tokens", "version", "kind"),
    [
        ("paths,/a,get,responses,200,content,application/json,schema", "3.0", "schema"),
        ("paths,/a,get,responses,200,content,application/json,schema,items", "3.0", "schema"),
        ("paths,/a,get,responses,200,content,application/json,schema,properties,p", "3.1", "schema"),
        ("paths,/a,get,responses,200,content,application/json,schema,allOf,1", "3.0", "schema"),
        ("paths,/a,get,parameters,0", "3.0", "parameter"),
        ("paths,/a,parameters,0", "3.0", "parameter"),
        ("paths,/a,post,requestBody", "3.0", "requestBody"),
        ("paths,/a,get,responses,404", "3.0", "response"),
        ("paths,/a,get,responses,200,headers,X-Rate", "3.0", "header"),
        ("paths,/a,get,responses,200,links,next", "3.0", "link"),
        ("paths,/a,post,callbacks,cb,{$url},post,requestBody", "3.0", "requestBody"),
        ("paths,/a", "3.0", "pathItem"),
        ("components,schemas,Pet,properties,owner", "3.0", "schema"),
        ("components,securitySchemes,key", "3.1", "securityScheme"),
        ("paths,/a,get,responses,200,schema", "2.0", "schema"),
        ("paths,/a,get,parameters,0,schema", "2.0", "schema"),
        ("definitions,Pet,properties,tags,items", "2.0", "schema"),
        ("parameters,limit", "2.0", "parameter"),
        ("paths,/a,get,responses,200,content,application/json,example", "3.0", None),
        ("paths,/a,get,responses,200,schema", "3.0", None),
        ("x-custom,thing", "3.1", None),
    ],
)
def test_object_kind(tokens: str, version: str, kind: str | None) -> None:
    assert object_kind(tokens.split(","), version) == kind


# --------------------------------------------------------------------------- corpus: multi-file


@pytest.mark.parametrize(
    "variant", ["yaml/petstore-separate/spec/swagger.yaml", "json/petstore-separate/spec/swagger.json"]
)
def test_petstore_separate_is_bundled(corpus: Path, settings: Settings, variant: str) -> None:
    loaded = load_document(corpus / "oai-examples/v2.0" / variant, settings=settings)
    refs = all_refs(loaded.data)
    assert refs, "the bundle keeps refs to its components"
    assert all(ref.startswith("#/") for ref in refs)
    components = loaded.data["components"]
    assert set(components["schemas"]) == {"Pet", "NewPet", "Error"}
    assert set(components["parameters"]) == {"tagsParam", "limitsParam"}
    find_pets = loaded.data["paths"]["/pets"]["get"]
    assert find_pets["parameters"] == [
        {"$ref": "#/components/parameters/tagsParam"},
        {"$ref": "#/components/parameters/limitsParam"},
    ]
    assert find_pets["responses"]["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert components["schemas"]["NewPet"]["allOf"][0] == {"$ref": "#/components/schemas/Pet"}
    assert components["schemas"]["Error"]["required"] == ["code", "message"]
    validate(loaded.data)


def copy_circular(corpus: Path, tmp_path: Path, *, keep_self_loop: bool) -> Path:
    folder = tmp_path / "circular"
    shutil.copytree(corpus / "apidevtools/specs/circular", folder)
    if not keep_self_loop:  # `thing` is a ref to itself and nothing else
        text = (folder / "circular.yaml").read_text()
        text = re.sub(r"\n  /thing:.*?(?=\n  /person:)", "", text, flags=re.S)
        text = re.sub(r"\n  thing:\n.*?\n(?=\n  person:)", "\n", text, flags=re.S)
        (folder / "circular.yaml").write_text(text)
    return folder / "circular.yaml"


def test_cycles_across_files_end_as_local_refs(corpus: Path, tmp_path: Path, settings: Settings) -> None:
    loaded = load_document(copy_circular(corpus, tmp_path, keep_self_loop=False), settings=settings)
    schemas = loaded.data["components"]["schemas"]
    assert set(schemas) == {"pet", "person", "parent", "child"}
    assert schemas["person"]["properties"]["spouse"] == {"$ref": "#/components/schemas/person"}
    assert schemas["parent"]["properties"]["children"]["items"] == {"$ref": "#/components/schemas/child"}
    assert schemas["child"]["properties"]["parents"]["items"] == {"$ref": "#/components/schemas/parent"}
    assert schemas["pet"]["properties"]["species"]["enum"] == ["cat", "dog", "bird", "fish"]
    assert all(ref.startswith("#/") for ref in all_refs(loaded.data))
    validate(loaded.data)


def test_a_ref_that_only_refers_to_itself_is_an_error(
    corpus: Path, tmp_path: Path, settings: Settings
) -> None:
    path = copy_circular(corpus, tmp_path, keep_self_loop=True)
    loop = "$ref '#/definitions/thing' leads back to itself through references only (a loop with no content)"
    assert issues_of(lambda: load_document(path, settings=settings)) == [
        (loop, "/definitions/thing"),
        (loop, "/paths/~1thing/get/responses/200/schema"),
    ]


def test_deep_circular_refs_across_files(corpus: Path, settings: Settings) -> None:
    loaded = load_document(corpus / "apidevtools/specs/deep-circular/deep-circular.yaml", settings=settings)
    schemas = loaded.data["components"]["schemas"]
    assert schemas["required-string"] == {"title": "requiredString", "type": "string", "minLength": 1}
    assert schemas["name"]["properties"]["first"] == {"$ref": "#/components/schemas/required-string"}
    # A ref that passes through another ref on its way ("#/properties/prefix" is itself a ref).
    assert schemas["name"]["properties"]["suffix"]["$ref"].startswith("#/components/schemas/")
    # The 2.0 pointer into a response schema moved with the upgrade, and still resolves.
    tree = loaded.data["paths"]["/family-tree"]["get"]["responses"]["200"]["content"]["application/json"]
    node = tree["schema"]
    for level in range(1, 31):
        node = node["properties"][f"level{level}"]
    assert node["$ref"] == "#/paths/~1family-tree/get/responses/200/content/application~1json/schema"
    assert resolve_local_ref(loaded.data, node["$ref"]) is tree["schema"]
    validate(loaded.data)


def test_path_item_in_another_file_is_inlined_with_its_refs(corpus: Path, settings: Settings) -> None:
    path = corpus / "openapi-core/integration/data/v3.0/parent-reference/openapi.yaml"
    loaded = load_document(path, settings=settings)
    books = loaded.data["paths"]["/books"]["get"]["responses"]["200"]["content"]["application/json"]
    assert books["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/Book"}}
    schemas = loaded.data["components"]["schemas"]
    assert schemas["Book"]["properties"]["id"] == {"$ref": "#/components/schemas/BookId"}
    assert schemas["BookId"] == {"type": "string"}
    validate(loaded.data)


# --------------------------------------------------------------------------- placement details


def test_names_do_not_collide_with_existing_components(tmp_path: Path, settings: Settings) -> None:
    write_files(
        tmp_path,
        {
            "models/Pet.yaml": {"type": "object", "properties": {"name": {"type": "string"}}},
            "common.yaml": {"definitions": {"Error": {"type": "string"}}, "Pet": {"type": "integer"}},
            "openapi.yaml": minimal(
                {
                    "/a": get_returning({"$ref": "models/Pet.yaml"}),
                    "/b": get_returning({"$ref": "common.yaml#/definitions/Error"}),
                    "/c": get_returning({"$ref": "common.yaml#/Pet"}),
                    "/d": get_returning({"$ref": "./models/Pet.yaml"}),
                },
                components={"schemas": {"Pet": {"type": "boolean"}}},
            ),
        },
    )
    data = load_document(tmp_path / "openapi.yaml", settings=settings).data
    schemas = data["components"]["schemas"]
    assert schemas["Pet"] == {"type": "boolean"}, "the root's own component is untouched"
    refs = {path: item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            for path, item in data["paths"].items()}  # fmt: skip
    assert refs["/a"] == refs["/d"], "one file, placed once"
    assert len(set(refs.values())) == 3
    assert refs["/b"] == "#/components/schemas/Error"
    assert resolve_local_ref(data, refs["/a"])["properties"] == {"name": {"type": "string"}}
    assert resolve_local_ref(data, refs["/c"]) == {"type": "integer"}
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in schemas)
    validate(data)


def test_refs_go_to_the_section_of_where_they_appear(tmp_path: Path, settings: Settings) -> None:
    write_files(
        tmp_path,
        {
            "parts.yaml": {
                "limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                "body": {"content": {"application/json": {"schema": {"$ref": "#/Thing"}}}},
                "notFound": {"description": "not found"},
                "Thing": {"type": "object"},
            },
            "openapi.yaml": minimal(
                {
                    "/a": {
                        "post": {
                            "parameters": [{"$ref": "parts.yaml#/limit"}],
                            "requestBody": {"$ref": "parts.yaml#/body"},
                            "responses": {"404": {"$ref": "parts.yaml#/notFound"}},
                        }
                    }
                }
            ),
        },
    )
    data = load_document(tmp_path / "openapi.yaml", settings=settings).data
    post = data["paths"]["/a"]["post"]
    assert post["parameters"] == [{"$ref": "#/components/parameters/limit"}]
    assert post["requestBody"] == {"$ref": "#/components/requestBodies/body"}
    assert post["responses"]["404"] == {"$ref": "#/components/responses/notFound"}
    body_schema = data["components"]["requestBodies"]["body"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/Thing"}
    assert data["components"]["schemas"]["Thing"] == {"type": "object"}
    validate(data)


def test_openapi_31_path_items_go_to_components(tmp_path: Path, settings: Settings) -> None:
    write_files(
        tmp_path,
        {
            "item.yaml": {"get": {"responses": {"200": {"description": "ok"}}}},
            "openapi.yaml": minimal({"/a": {"$ref": "item.yaml"}, "/b": {"$ref": "item.yaml"}}, "3.1.0"),
        },
    )
    data = load_document(tmp_path / "openapi.yaml", settings=settings).data
    assert data["paths"] == {
        "/a": {"$ref": "#/components/pathItems/item"},
        "/b": {"$ref": "#/components/pathItems/item"},
    }
    assert data["components"]["pathItems"]["item"]["get"]["responses"]["200"]["description"] == "ok"


def test_component_entry_that_is_only_a_ref_takes_the_content(tmp_path: Path, settings: Settings) -> None:
    write_files(
        tmp_path,
        {
            "pet.yaml": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "openapi.yaml": minimal(
                {"/a": get_returning({"$ref": "#/components/schemas/Pet"})},
                components={"schemas": {"Pet": {"$ref": "pet.yaml"}}},
            ),
        },
    )
    data = load_document(tmp_path / "openapi.yaml", settings=settings).data
    assert data["components"]["schemas"] == {
        "Pet": {"type": "object", "properties": {"id": {"type": "integer"}}}
    }


def test_refs_inside_examples_and_extensions_are_data(tmp_path: Path, settings: Settings) -> None:
    doc = minimal(
        {
            "/a": {
                "get": {
                    "x-meta": {"$ref": "not/a/file.yaml"},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "enum": [{"$ref": "#/nowhere"}]},
                                    "example": {"$ref": "#/nowhere"},
                                }
                            },
                        }
                    },
                }
            }
        }
    )
    loaded = load_text(json.dumps(doc), settings=settings)
    assert loaded.data == doc


# --------------------------------------------------------------------------- errors at their pointers


def test_properties_named_like_data_keywords_are_still_schemas(settings: Settings) -> None:
    names = ("example", "default", "enum", "x-tag")
    schema = {
        "type": "object",
        "properties": {name: {"$ref": f"#/components/schemas/{name}"} for name in names},
    }
    doc = minimal({"/a": get_returning(schema)})
    where = "/paths/~1a/get/responses/200/content/application~1json/schema/properties/"
    issues = warnings_of(json.dumps(doc), settings)
    assert sorted(pointer for _, pointer in issues) == sorted(where + name for name in names)


def test_every_unresolvable_local_ref_is_a_warning_at_its_pointer(settings: Settings) -> None:
    doc = minimal(
        {
            "/pets": get_returning({"$ref": "#/components/schemas/Missing"}),
            "/other": get_returning({"type": "array", "items": {"$ref": "#/components/schemas/Gone"}}),
            "/fine": get_returning({"$ref": "#/components/schemas/Pet"}),
        },
        components={"schemas": {"Pet": {"type": "object"}}},
    )
    assert sorted(warnings_of(json.dumps(doc), settings)) == sorted(
        [
            (
                "Could not resolve $ref '#/components/schemas/Missing': no key 'Missing'",
                "/paths/~1pets/get/responses/200/content/application~1json/schema",
            ),
            (
                "Could not resolve $ref '#/components/schemas/Gone': no key 'Gone'",
                "/paths/~1other/get/responses/200/content/application~1json/schema/items",
            ),
        ]
    )


def test_relative_file_refs_in_pasted_text_are_errors(settings: Settings) -> None:
    doc = minimal({"/a": get_returning({"$ref": "Pet.yaml"})})
    [(message, where)] = issues_of(lambda: load_text(json.dumps(doc), settings=settings))
    assert message.startswith("Cannot resolve $ref 'Pet.yaml': the document was given as text")
    assert where == "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"  # the ref itself


def test_absolute_file_refs_in_pasted_text_are_refused(tmp_path: Path, settings: Settings) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    doc = minimal({"/a": get_returning({"$ref": secret.as_uri()})})
    [(message, _)] = issues_of(lambda: load_text(json.dumps(doc), settings=settings))
    assert "points to a local file" in message
    assert "hunter2" not in message


def test_missing_file_and_fragment(tmp_path: Path, settings: Settings) -> None:
    write_files(
        tmp_path,
        {
            "parts.yaml": {"Thing": {"type": "object"}},
            "openapi.yaml": minimal(
                {
                    "/a": get_returning({"$ref": "nope.yaml"}),
                    "/b": get_returning({"$ref": "parts.yaml#/Other"}),
                    "/c": get_returning({"$ref": "parts.yaml#Thing"}),
                }
            ),
        },
    )
    found = issues_of(lambda: load_document(tmp_path / "openapi.yaml", settings=settings))
    issues = {where.split("/")[2]: message for message, where in found}
    assert issues["~1a"] == f"File not found: {(tmp_path / 'nope.yaml').as_posix()}"
    assert issues["~1b"].endswith("parts.yaml#/Other: no 'Other' there")
    assert issues["~1c"] == "Cannot resolve $ref 'parts.yaml#Thing': its fragment is not a JSON pointer"


def test_referenced_files_obey_the_limits(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "big.json": json.dumps({"type": "string", "description": "x" * 600}),
            "latin1.yaml": "",
            "openapi.yaml": minimal(
                {"/a": get_returning({"$ref": "big.json"}), "/b": get_returning({"$ref": "latin1.yaml"})}
            ),
        },
    )
    (tmp_path / "latin1.yaml").write_bytes(b"type: string\ndescription: caf\xe9\n")
    settings = Settings(max_document_bytes=500)
    issues = issues_of(lambda: load_document(tmp_path / "openapi.yaml", settings=settings))
    messages = " | ".join(message for message, _ in issues)
    size = (tmp_path / "big.json").stat().st_size
    assert (
        f"{(tmp_path / 'big.json').as_posix()} is too large: {size} bytes (the limit is 500 bytes)"
        in messages
    )
    assert "latin1.yaml is not valid UTF-8: byte 0xe9 at offset 29 (line 2)" in messages
    assert {where for _, where in issues} == {
        "/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
        "/paths/~1b/get/responses/200/content/application~1json/schema/$ref",
    }


def test_number_of_referenced_documents_is_capped(tmp_path: Path) -> None:
    files: dict[str, Any] = {
        f"s{i}.yaml": {"type": "object", "properties": {"next": {"$ref": f"s{i + 1}.yaml"}}}
        for i in range(10)
    }
    files["s10.yaml"] = {"type": "string"}
    files["openapi.yaml"] = minimal({"/a": get_returning({"$ref": "s0.yaml"})})
    write_files(tmp_path, files)
    assert load_document(tmp_path / "openapi.yaml", settings=Settings(max_ref_documents=12)).data
    [(message, where)] = issues_of(
        lambda: load_document(tmp_path / "openapi.yaml", settings=Settings(max_ref_documents=5))
    )
    assert "references too many files (the limit is 5 documents)" in message
    assert where.startswith("/components/schemas/s3/properties/next")


def test_billion_laughs_in_a_referenced_file_fails_fast(tmp_path: Path, settings: Settings) -> None:
    lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lol += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    write_files(
        tmp_path, {"lol.yaml": lol, "openapi.yaml": minimal({"/a": get_returning({"$ref": "lol.yaml"})})}
    )
    [(message, _)] = issues_of(lambda: load_document(tmp_path / "openapi.yaml", settings=settings))
    assert "YAML uses too many aliases" in message


def test_json_nesting_limit_is_enforced_with_a_pointer() -> None:
    deep: Any = {"type": "string"}
    for _ in range(40):
        deep = {"type": "object", "properties": {"p": deep}}
    doc = minimal({"/a": get_returning(deep)})
    [(message, where)] = issues_of(
        lambda: load_text(json.dumps(doc), settings=Settings(max_nesting_depth=50))
    )
    assert message == "The document is nested too deeply: more than 50 levels"
    assert where.startswith("/paths/~1a/get/responses/200/content/application~1json/schema/properties/p/")
    assert load_text(json.dumps(doc), settings=Settings(max_nesting_depth=100)).data == doc


def test_bundle_works_in_place_on_data(settings: Settings) -> None:
    doc = minimal(
        {"/a": get_returning({"$ref": "#/components/schemas/A"})}, components={"schemas": {"A": {}}}
    )
    assert bundle(doc, root_uri=None, version="3.0", settings=settings) == []
    assert doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/A"
    }


# --------------------------------------------------------------------------- remote refs


class FileServer:
    """A real loopback HTTP server serving a dict of paths; counts requests."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.requests: list[str] = []

    def app(self) -> Starlette:
        async def handler(request: Request) -> Response:
            self.requests.append(request.url.path)
            text = self.files.get(request.url.path)
            if text is None:
                return PlainTextResponse("not found", status_code=404)
            return PlainTextResponse(text, media_type="application/yaml")

        return Starlette(routes=[Route("/{path:path}", handler)])


@pytest.fixture(scope="module")
def file_server() -> Iterator[tuple[FileServer, str]]:
    server = FileServer()
    with serve(server.app()) as url:
        yield server, url


def http_fetch(url: str) -> str:
    try:
        response = httpx.get(url, timeout=5)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise FetchError(str(error)) from None
    return response.text


def test_remote_refs_are_refused_by_default(tmp_path: Path, file_server: tuple[FileServer, str]) -> None:
    server, url = file_server
    server.files["/models/pet.yaml"] = yaml.safe_dump({"type": "object"})
    write_files(
        tmp_path, {"openapi.yaml": minimal({"/a": get_returning({"$ref": f"{url}/models/pet.yaml"})})}
    )
    before = len(server.requests)
    [(message, where)] = issues_of(
        lambda: load_document(tmp_path / "openapi.yaml", settings=Settings(), fetch=http_fetch)
    )
    assert message.startswith(f"Remote $ref '{url}/models/pet.yaml' is not allowed")
    assert where == "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
    assert len(server.requests) == before, "nothing was fetched"


def test_remote_refs_are_fetched_through_fetch_when_allowed(
    tmp_path: Path, file_server: tuple[FileServer, str]
) -> None:
    server, url = file_server
    server.files["/models/pet.yaml"] = yaml.safe_dump(
        {"type": "object", "properties": {"owner": {"$ref": "owner.yaml"}}}
    )
    server.files["/models/owner.yaml"] = yaml.safe_dump(
        {"type": "object", "properties": {"pet": {"$ref": "pet.yaml"}}}
    )
    write_files(
        tmp_path, {"openapi.yaml": minimal({"/a": get_returning({"$ref": f"{url}/models/pet.yaml"})})}
    )
    settings = Settings(allow_remote_refs=True)
    data = load_document(tmp_path / "openapi.yaml", settings=settings, fetch=http_fetch).data
    schemas = data["components"]["schemas"]
    assert schemas["pet"]["properties"]["owner"] == {"$ref": "#/components/schemas/owner"}
    assert schemas["owner"]["properties"]["pet"] == {"$ref": "#/components/schemas/pet"}
    validate(data)
    with pytest.raises(DocumentError, match="needs a fetcher"):
        load_document(tmp_path / "openapi.yaml", settings=settings)


def test_url_document_with_relative_refs(file_server: tuple[FileServer, str]) -> None:
    server, url = file_server
    server.files["/api/openapi.yaml"] = yaml.safe_dump(
        minimal({"/a": get_returning({"$ref": "schemas/thing.yaml"})})
    )
    server.files["/api/schemas/thing.yaml"] = yaml.safe_dump({"type": "string"})
    loaded = load_document(
        URL(f"{url}/api/openapi.yaml"), settings=Settings(allow_remote_refs=True), fetch=http_fetch
    )
    assert loaded.base_uri == f"{url}/api/openapi.yaml"
    assert loaded.data["components"]["schemas"]["thing"] == {"type": "string"}
    # Relative refs of a URL document are remote refs too.
    [(message, _)] = issues_of(
        lambda: load_document(URL(f"{url}/api/openapi.yaml"), settings=Settings(), fetch=http_fetch)
    )
    assert message.startswith("Remote $ref 'schemas/thing.yaml' is not allowed")


def test_a_remote_document_may_not_reference_local_files(
    tmp_path: Path, file_server: tuple[FileServer, str]
) -> None:
    server, url = file_server
    secret = tmp_path / "secret.yaml"
    secret.write_text("type: string\n")
    server.files["/evil.yaml"] = yaml.safe_dump(minimal({"/a": get_returning({"$ref": secret.as_uri()})}))
    [(message, _)] = issues_of(
        lambda: load_document(
            URL(f"{url}/evil.yaml"), settings=Settings(allow_remote_refs=True), fetch=http_fetch
        )
    )
    assert "points to a local file" in message


def test_fetch_failure_of_a_ref_is_reported_at_the_ref(file_server: tuple[FileServer, str]) -> None:
    server, url = file_server
    server.files["/broken.yaml"] = yaml.safe_dump(minimal({"/a": get_returning({"$ref": "missing.yaml"})}))
    [(message, where)] = issues_of(
        lambda: load_document(
            URL(f"{url}/broken.yaml"), settings=Settings(allow_remote_refs=True), fetch=http_fetch
        )
    )
    assert message.startswith(f"Could not fetch {url}/missing.yaml: ")
    assert "404" in message
    assert where == "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
