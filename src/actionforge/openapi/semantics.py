"""The rules of the OpenAPI text that no JSON Schema can state, as openapi-spec-validator checked
them and with its messages: operationIds unique, no parameter twice in one list, every declared
path parameter in the path template, tag names unique.

Template variables that no parameter declares are left to operations.py, which reports them once,
at the operation, in the profile's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from actionforge.openapi.oas_schema import Finding
from actionforge.openapi.pointers import find_local_ref

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")


def semantic_findings(document: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _duplicate_tags(document.get("tags"))
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return
    operation_ids: set[str] = set()
    for url, item in paths.items():
        if isinstance(url, str) and isinstance(item, Mapping):
            yield from _path_item(document, url, item, operation_ids)


def _path_item(
    document: Mapping[str, Any], url: str, item: Mapping[str, Any], operation_ids: set[str]
) -> Iterator[Finding]:
    shared = _parameters(document, item.get("parameters"))
    yield from _duplicates(("paths", url, "parameters"), shared)
    for method in _METHODS:
        operation = item.get(method)
        if not isinstance(operation, Mapping):
            continue
        at = ("paths", url, method)
        operation_id = operation.get("operationId")
        if isinstance(operation_id, str) and operation_id in operation_ids:
            yield Finding(
                at, "operationId", f"Operation ID '{operation_id}' for '{method}' in '{url}' is not unique"
            )
        if isinstance(operation_id, str):
            operation_ids.add(operation_id)
        own = _parameters(document, operation.get("parameters"))
        yield from _duplicates((*at, "parameters"), own)
        yield from _undeclared_in_template(at, url, method, [*shared, *own])


def _parameters(document: Mapping[str, Any], listed: Any) -> list[tuple[str, str]]:
    """(name, in) of each parameter of a list, refs followed; malformed ones left out (the OAS
    schema reports them)."""
    found: list[tuple[str, str]] = []
    for parameter in listed if isinstance(listed, list) else ():
        if isinstance(parameter, Mapping) and isinstance(parameter.get("$ref"), str):
            parameter = find_local_ref(document, parameter["$ref"])
        if isinstance(parameter, Mapping):
            name, location = parameter.get("name"), parameter.get("in")
            if isinstance(name, str) and isinstance(location, str):
                found.append((name, location))
    return found


def _duplicates(at: tuple[str, ...], parameters: list[tuple[str, str]]) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for key in parameters:
        if key in seen:
            yield Finding(at, "parameters", f"Duplicate parameter '{key[0]}'")
        seen.add(key)


def _undeclared_in_template(
    at: tuple[str, ...], url: str, method: str, parameters: list[tuple[str, str]]
) -> Iterator[Finding]:
    """Path parameters the template does not name: the value would go nowhere."""
    in_template = set(_TEMPLATE_VARIABLE.findall(url))
    for name in sorted({name for name, location in parameters if location == "path"} - in_template):
        yield Finding(
            at, "parameters", f"Path parameter '{name}' for '{method}' operation in '{url}' was not resolved"
        )


def _duplicate_tags(tags: Any) -> Iterator[Finding]:
    seen: set[str] = set()
    for tag in tags if isinstance(tags, list) else ():
        name = tag.get("name") if isinstance(tag, Mapping) else None
        if isinstance(name, str) and name in seen:
            yield Finding(("tags",), "tags", f"Duplicate tag name '{name}'", harmless=True)
        if isinstance(name, str):
            seen.add(name)
