"""/api/editor/tools: the tools of a schema text, with the parameter schemas the test form uses."""

from __future__ import annotations

import httpx

import actionforge
from tests.web.conftest import Server

PETSTORE = actionforge.example_text("petstore")

NO_SERVER = """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: addThing
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                tags: {type: array, items: {type: string}}
                owner: {type: object, properties: {name: {type: string}}}
      responses: {"200": {description: ok}}
"""


async def test_each_operation_comes_with_its_parameter_schema(owner: httpx.AsyncClient) -> None:
    found = (await owner.post("/api/editor/tools", json={"schema": PETSTORE})).json()
    assert [(t["name"], t["method"], t["path"]) for t in found] == [
        ("getInventory", "get", "/store/inventory"),
        ("findPetsByStatusPending", "get", "/pet/findByStatus"),
        ("getPetById", "get", "/pet/{petId}"),
    ]
    assert found[2]["parameters"]["properties"]["petId"]["type"] == "integer"
    assert found[2]["parameters"]["required"] == ["petId"]


async def test_a_base_url_stands_in_for_a_missing_server(owner: httpx.AsyncClient) -> None:
    assert (await owner.post("/api/editor/tools", json={"schema": NO_SERVER})).json() == []
    body = {"schema": NO_SERVER, "base_url": "https://api.example.com"}
    (tool,) = (await owner.post("/api/editor/tools", json=body)).json()
    assert tool["name"] == "addThing"
    assert tool["parameters"]["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert tool["parameters"]["properties"]["owner"]["properties"]["name"] == {"type": "string"}


async def test_text_that_does_not_load_gives_no_tools(owner: httpx.AsyncClient, server: Server) -> None:
    assert (await owner.post("/api/editor/tools", json={"schema": "paths: ["})).json() == []
    async with server.client() as anonymous:
        assert (await anonymous.post("/api/editor/tools", json={"schema": PETSTORE})).status_code == 401
