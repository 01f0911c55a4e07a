"""The public API end to end: validate, load_action, tools, build_request and call."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import actionforge
from actionforge.auth import ApiKeyAuthConfig
from actionforge.examples import example_text
from actionforge.secrets.redact import REDACTED
from actionforge.secrets.value import SecretValue
from tests.servers.threaded import serve

LOOPBACK = actionforge.Settings(allow_loopback=True, allow_http=True, allow_any_port=True)

TODO_SPEC = """
openapi: 3.1.0
info: {title: Todo, version: "1", description: Keeps a todo list.}
servers: [{url: "BASE/api"}]
paths:
  /todo:
    get:
      operationId: listTodos
      security: []
      responses: {"200": {description: ok}}
    post:
      operationId: addTodo
      x-openai-isConsequential: true
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties: {title: {type: string}, done: {type: boolean}}
      responses: {"200": {description: ok}}
  /todo/{id}:
    delete:
      operationId: deleteTodo
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
components: {schemas: {}}
"""


def todo_spec(base: str) -> str:
    return TODO_SPEC.replace("BASE", base)


def test_validate_examples_match_the_original() -> None:
    weather = actionforge.validate(example_text("weather")).to_dict()
    assert weather["success"] is True
    assert weather["spec"]["root_domain"] == "weather.example.com"
    assert [o["operationName"] for o in weather["spec"]["operations"]] == ["GetCurrentWeather"]

    petstore = actionforge.validate(example_text("petstore")).to_dict()
    assert petstore["spec"]["root_domain"] == "petstore.swagger.io"
    assert len(petstore["spec"]["operations"]) == 3

    blank = actionforge.validate(example_text("blank")).to_dict()
    assert blank["success"] is False
    assert blank["errors"][0]["message"] == "Could not find a valid URL in `servers`"
    assert blank["errors"][0]["pointer"].startswith("/servers")


def test_load_action_raises_schema_error_carrying_the_report() -> None:
    with pytest.raises(actionforge.SchemaError) as caught:
        actionforge.load_action(example_text("blank"))
    assert caught.value.report.success is False
    assert "servers" in str(caught.value)


def test_garbage_gives_a_report_not_a_crash() -> None:
    for text in ["", "[1, 2]", "{", "openapi: [", "\x00\x01", "openapi: 9.9.9\ninfo: {}\npaths: {}"]:
        report = actionforge.validate(text)
        assert report.success is False
        assert report.errors


def test_build_request_is_pure_and_exact() -> None:
    action = actionforge.load_action(example_text("petstore"))
    request = action.build_request("getPetById", {"petId": 42})
    assert isinstance(request, httpx.Request)
    assert str(request.url) == "https://petstore.swagger.io/v2/pet/42"
    with pytest.raises(actionforge.ArgumentsError, match="UnrecognizedKwargsError: petid"):
        action.build_request("getPetById", {"petid": 42})
    with pytest.raises(actionforge.UnknownToolError, match="getPetById"):
        action.build_request("deletePet", {})


def test_tool_names_stay_unique_across_a_gpts_actions() -> None:
    first = actionforge.load_action(example_text("petstore"))
    second = actionforge.load_action(example_text("petstore"), taken_names=[t.name for t in first.tool_list])
    names = [t.name for t in first.tool_list + second.tool_list]
    assert len(names) == len(set(names))
    assert second.tool("getPetById").name != "getPetById"  # looked up by its operationId still


async def test_call_sends_the_api_key_except_to_unauthenticated_operations(echo_server: str) -> None:
    key = ApiKeyAuthConfig(kind="bearer", key=SecretValue("sk-distinctive-7f3a9"))
    async with actionforge.load_action(todo_spec(echo_server), settings=LOOPBACK) as action:
        added = await action.call("addTodo", {"title": "milk"}, auth=key)
        listed = await action.call("listTodos", {}, auth=key)
    assert added.ok
    assert listed.ok
    sent = json.loads(added.body)
    assert sent["headers"]["authorization"] == "Bearer sk-distinctive-7f3a9"
    assert json.loads(sent["body"]) == {"title": "milk"}
    assert "authorization" not in json.loads(listed.body)["headers"]
    assert "sk-distinctive-7f3a9" not in repr(key) + str(key) + repr(action.tool("addTodo"))


async def test_a_query_api_key_never_reaches_the_http_library_logs(
    echo_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs each request's URL at INFO; an application logging at INFO must not see the key.
    The query name is an ordinary word, so it is the registered value that gets masked."""
    caplog.set_level(logging.DEBUG)
    key = ApiKeyAuthConfig(kind="query", query_name="k", key=SecretValue("sk-query-6d1b8"))
    async with actionforge.load_action(todo_spec(echo_server), settings=LOOPBACK) as action:
        result = await action.call("addTodo", {"title": "milk"}, auth=key)
    assert result.ok
    assert json.loads(result.body)["query"] == "k=sk-query-6d1b8"  # the API did receive it
    request_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any(f"/api/todo?k={REDACTED}" in line for line in request_lines), request_lines
    assert "sk-query-6d1b8" not in caplog.text


async def test_call_passes_context_headers(echo_server: str) -> None:
    context = actionforge.CallContext(conversation_id="c-1", gpt_id="g-2", user_id="u-3")
    async with actionforge.load_action(todo_spec(echo_server), settings=LOOPBACK) as action:
        result = await action.call("listTodos", {}, context=context)
    headers = json.loads(result.body)["headers"]
    assert headers["actionforge-conversation-id"] == "c-1"
    assert headers["actionforge-gpt-id"] == "g-2"
    assert headers["actionforge-user-id"] == "u-3"


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    async def hit(request: Request) -> PlainTextResponse:
        hits.append(request.scope["raw_path"].decode())
        return PlainTextResponse("ok")

    with serve(Starlette(routes=[Route("/{p:path}", hit, methods=["GET", "POST", "DELETE"])])) as url:
        yield url, hits


async def test_bad_arguments_come_back_to_the_model_and_nothing_is_sent(
    counting_server: tuple[str, list[str]],
) -> None:
    url, hits = counting_server
    async with actionforge.load_action(todo_spec(url), settings=LOOPBACK) as action:
        result = await action.call("addTodo", {"title": 5, "colour": "red"})
    assert result.ok is False
    assert result.error == "arguments"
    assert "UnrecognizedKwargsError: colour" in result.for_model()
    assert hits == []


async def test_a_value_that_cannot_go_on_the_wire_is_an_arguments_error(
    counting_server: tuple[str, list[str]],
) -> None:
    url, hits = counting_server
    async with actionforge.load_action(todo_spec(url), settings=LOOPBACK) as action:
        empty = await action.call("deleteTodo", {"id": ""})
        traversal = await action.call("deleteTodo", {"id": "../admin"})
    assert empty.ok is False
    assert empty.error == "arguments"
    assert "id" in (empty.message or "")
    assert traversal.ok is True  # sent, but inside its own segment
    assert hits == ["/api/todo/..%2Fadmin"]


async def test_loopback_is_blocked_by_default(counting_server: tuple[str, list[str]]) -> None:
    url, hits = counting_server
    async with actionforge.load_action(todo_spec(url)) as action:
        result = await action.call("listTodos", {})
    assert result.ok is False
    assert result.error == "blocked"
    assert hits == []


async def test_workspace_policy_none_refuses_with_the_original_message(
    counting_server: tuple[str, list[str]],
) -> None:
    url, hits = counting_server
    policy = actionforge.DomainPolicy.none()
    async with actionforge.load_action(todo_spec(url), settings=LOOPBACK, policy=policy) as action:
        result = await action.call("listTodos", {})
    assert result.error == "blocked"
    assert "No domains are allowed by your workspace's settings." in (result.message or "")
    assert hits == []


def test_import_from_url_goes_through_the_egress_guard(tmp_path: Path) -> None:
    async def spec(request: Request) -> PlainTextResponse:
        return PlainTextResponse(example_text("petstore"), media_type="application/yaml")

    with serve(Starlette(routes=[Route("/openapi.yaml", spec)])) as url:
        blocked = actionforge.validate(url=f"{url}/openapi.yaml")
        allowed = actionforge.validate(url=f"{url}/openapi.yaml", settings=LOOPBACK)
        named = actionforge.load_action(actionforge.URL(f"{url}/openapi.yaml"), settings=LOOPBACK)
    assert blocked.success is False
    assert any("127.0.0.1" in e.message for e in blocked.errors)
    assert allowed.success is True
    assert allowed.root_domain == "petstore.swagger.io"
    assert named.root_domain == "petstore.swagger.io"


def test_a_str_is_always_text_never_a_path(tmp_path: Path) -> None:
    path = tmp_path / "petstore.yaml"
    path.write_text(example_text("petstore"))
    assert actionforge.validate(path).success
    for text in (str(path), "/etc/passwd"):
        report = actionforge.validate(text)
        assert report.success is False
        assert report.errors[0].message == "The document must be a JSON or YAML object, got a string"


def test_a_str_url_is_text_too() -> None:
    report = actionforge.validate("https://127.0.0.1/openapi.json")
    assert report.success is False
    assert not any("blocked" in e.message for e in report.errors)  # never fetched


def test_a_parsed_document_is_accepted() -> None:
    document = yaml.safe_load(example_text("petstore"))
    before = json.dumps(document, sort_keys=True, default=str)
    action = actionforge.load_action(document)
    assert action.root_domain == "petstore.swagger.io"
    assert json.dumps(document, sort_keys=True, default=str) == before  # the caller's data is untouched
    assert actionforge.validate({"openapi": "3.1.0", "info": {}, "paths": {}}).success is False


def test_a_parsed_document_that_is_not_json_data_gets_a_report() -> None:
    report = actionforge.validate({"openapi": "3.1.0", "info": {"title": object()}})
    assert report.errors[0].message == "The document is not JSON data: object values are not JSON data"


def test_any_mapping_is_accepted_not_only_dict() -> None:
    document = yaml.safe_load(example_text("petstore"))
    document["info"] = MappingProxyType(document["info"])
    assert actionforge.load_action(MappingProxyType(document)).root_domain == "petstore.swagger.io"


def test_yaml_dates_in_parsed_data_are_written_as_text() -> None:
    document = yaml.safe_load(example_text("petstore"))
    document["info"]["x-released"] = datetime.date(2024, 5, 1)
    assert actionforge.validate(document).success


def test_a_parsed_document_nested_too_deeply_gets_a_report() -> None:
    document: dict[str, object] = {}
    inner = document
    for _ in range(50_000):
        inner["a"] = inner = {}
    report = actionforge.validate(document)
    assert [e.message for e in report.errors] == ["The document is nested too deeply to be JSON data"]


@pytest.mark.parametrize("source", [b"openapi: 3.1.0", 42, ["openapi"], None])
def test_an_unsupported_source_is_a_type_error(source: object) -> None:
    with pytest.raises(TypeError, match="a document is its text"):
        actionforge.validate(source)  # type: ignore[arg-type]


def test_source_and_url_together_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="either as source or as url="):
        actionforge.validate("openapi: 3.1.0", url="https://example.com/openapi.json")


RELATIVE_SERVER = """
openapi: 3.1.0
info: {title: Things, version: "1"}
servers: [{url: SERVER}]
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
"""


def test_server_url_says_where_an_api_without_a_host_runs() -> None:
    document = RELATIVE_SERVER.replace("SERVER", "/api")
    assert actionforge.validate(document).success is False
    assert actionforge.validate(document, server_url="https://api.example.com/base").success
    action = actionforge.load_action(document, server_url="https://api.example.com/base")
    assert action.root_domain == "api.example.com"
    assert (
        str(action.build_request("getThing", {"id": "x"}).url) == "https://api.example.com/base/api/things/x"
    )


def test_server_variables_fill_the_server_url() -> None:
    templated = '"https://{tenant}.example.com/v1", variables: {tenant: {default: demo}}'
    document = RELATIVE_SERVER.replace("url: SERVER", f"url: {templated}")
    action = actionforge.load_action(document, server_variables={"tenant": "acme"})
    assert action.root_domain == "acme.example.com"
    assert str(action.build_request("getThing", {"id": "x"}).url) == "https://acme.example.com/v1/things/x"


def test_a_bad_server_url_is_a_report_error() -> None:
    report = actionforge.validate(RELATIVE_SERVER.replace("SERVER", "/api"), server_url="ftp://example.com")
    assert [e.message for e in report.errors] == ["The server URL given must start with https:// or http://"]


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    """Loading pauses the cyclic collector (see action._collector_paused), even when it fails."""
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        actionforge.load_action(example_text("petstore"), "extended")
        assert gc.isenabled() is enabled
        with pytest.raises(actionforge.SchemaError):
            actionforge.load_action("openapi: 3.1.0\n", "gpt")
        assert gc.isenabled() is enabled
        actionforge.validate("not: [a document", "gpt")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_loading_leaves_what_the_host_froze_frozen() -> None:
    """A server freezes its start-up objects (`web.collector`); loading an action moves its own
    new objects along without handing those back to the collector (`gc.unfreeze` would)."""
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        actionforge.load_action(example_text("petstore"), "extended")
        actionforge.validate(example_text("weather"), "gpt")
        assert gc.get_freeze_count() > frozen // 2  # some may be freed meanwhile; unfreeze leaves none
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("host_froze", [False, True])
def test_after_a_large_load_new_objects_move_on_but_not_what_the_host_froze(host_froze: bool) -> None:
    """`action._to_oldest_generation`, at the size of a large document's load (the GC paused)."""
    import gc

    from actionforge.action import _LARGE_LOAD, _to_oldest_generation

    was = gc.isenabled()
    gc.disable()
    if host_froze:
        gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        loaded: list[list[object]] = [[] for _ in range(_LARGE_LOAD + 1000)]  # a large load's new objects
        _to_oldest_generation()
        if host_froze:  # left frozen; the new objects stay young, for the young collections
            assert gc.get_freeze_count() > frozen // 2
            assert gc.get_count()[0] >= _LARGE_LOAD
        else:  # moved to the oldest generation, unexamined
            assert gc.get_freeze_count() == 0
            assert gc.get_count()[0] < 1000
        del loaded  # alive until here, as a loaded action's objects are
    finally:
        gc.unfreeze()
        (gc.enable if was else gc.disable)()
