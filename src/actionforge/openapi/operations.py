"""Turns a (bundled, local-ref-only) OpenAPI 3.x document into the engine's Operations.

This is where a profile's rules bite: which servers, methods, operations and parameters survive,
and the importer's messages (openai-actions.md §2 and Appendix B) when something is dropped. Every
issue carries a JSON pointer to the place it is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast
from urllib.parse import urlsplit

from actionforge.openapi.media import essence, is_binary_media_type
from actionforge.openapi.model import Encoding, Location, Method, Operation, Parameter, RequestBody
from actionforge.openapi.naming import unique_name
from actionforge.openapi.paths import PathKey, QueryField, read_path_key
from actionforge.openapi.pointers import RefError, deref
from actionforge.openapi.profiles import Profile
from actionforge.openapi.report import Issue, pointer
from actionforge.openapi.servers import (
    NO_SERVER,
    ServerContext,
    ServerResolver,
    check_server_url,
    check_server_variables,
)
from actionforge.settings import Settings

# Path Item Object fields that are not operations (OpenAPI 3.0-3.2); skipped without a word.
_PATH_ITEM_FIELDS = frozenset({"$ref", "summary", "description", "servers", "parameters"})
_OPERATION_KEYS: tuple[Method, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")
# OpenAPI: header parameters named like these "SHALL be ignored"; the engine sets them itself.
_RESERVED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_NOT_CONSEQUENTIAL_METHODS = frozenset({"get", "head", "options"})
# Request body media types in order of preference; "+json" matches any structured-syntax JSON type.
_PREFERRED_MEDIA_TYPES = (
    "application/json",
    "+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "application/octet-stream",
)
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class OperationsResult:
    operations: tuple[Operation, ...]
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    root_domain: str | None


def extract_operations(
    document: Mapping[str, Any],
    profile: Profile,
    settings: Settings,
    *,
    base_uri: str | None = None,
    server_url: str | None = None,
    server_variables: Mapping[str, str] | None = None,
) -> OperationsResult:
    """Every operation the profile accepts, with the errors and warnings found on the way.

    ``base_uri`` is where the document came from; the ``extended`` profile resolves relative server
    URLs against it. ``server_url`` is the caller's base URL, for documents written for APIs each
    customer runs (``servers: [{url: /}]``, or none): a relative server path is joined onto it, and
    it replaces an absolute one. ``server_variables`` give values to server variables
    (``https://{tenant}.example.com``), before their defaults. ``settings`` is accepted for symmetry
    with the other passes: the profile already carries the limits taken from it.
    """
    del settings  # the limits arrive through the profile
    problem = (check_server_url(server_url) if server_url is not None else None) or check_server_variables(
        server_variables or {}
    )
    if problem is not None:
        return OperationsResult(operations=(), errors=(Issue(problem, ""),), warnings=(), root_domain=None)
    context = ServerContext(
        server_url=server_url,
        variables=dict(server_variables or {}),
        document_uri=base_uri,
        resolve_against_document=profile.resolve_relative_servers,
    )
    return _Extractor(document, profile, context).run()


def ref_message(exc: RefError) -> str:
    """The message for a reference that leads nowhere, naming it as written (``#/...``)."""
    ref = f"#{exc.ref}" if exc.ref.startswith("/") else exc.ref
    return f"Could not resolve $ref {ref!r}: {exc.reason}"


def _ref_reason(exc: RefError) -> str:
    ref = f"#{exc.ref}" if exc.ref.startswith("/") else exc.ref
    return f"$ref {ref!r} cannot be resolved ({exc.reason})"


def choose_media_type(media_types: list[str]) -> str | None:
    """The media type of a request body the engine sends, by the preference order above."""
    bases = [(essence(m), m) for m in media_types]
    for wanted in _PREFERRED_MEDIA_TYPES:
        for base, original in bases:
            if base == wanted or (wanted.startswith("+") and base.endswith(wanted)):
                return original
    for base, original in bases:
        if base.startswith("text/") or base.endswith(("/xml", "+xml")) or base in ("*/*", "application/*"):
            return original
    for base, original in bases:
        if is_binary_media_type(base):  # an upload: image/png, application/pdf, ...
            return original
    return None


def generated_operation_id(method: str, path: str) -> str:
    """A readable id from method and path: get /pets/{petId}/toys -> get_pets_petId_toys."""
    words = [_NOT_IDENTIFIER.sub("_", segment).strip("_") for segment in path.split("/")]
    words = [w for w in words if w]
    return "_".join([method, *words]) if words else f"{method}_root"


@dataclass(frozen=True, slots=True)
class _Site:
    """Where an operation is written: its path key as written and as read, and its Path Item."""

    path: str  # the key as written, for messages
    key: PathKey
    method: Method
    item: Mapping[str, Any]
    item_at: str


class _Skip(Exception):
    """An operation that cannot be called as written: skipped with a warning, the others load."""

    def __init__(self, reason: str, at: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.at = at


class _Extractor:
    """One pass over ``paths``; collects issues instead of raising so every problem is reported."""

    def __init__(self, document: Mapping[str, Any], profile: Profile, context: ServerContext) -> None:
        self.doc = document
        self.profile = profile
        self.servers = ServerResolver(context, self.warning)
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.root_host: str | None = None
        self.ref_memo: dict[str, tuple[Any, str]] = {}  # for deref: the document does not change here

    def error(self, message: str, at: str) -> None:
        self.errors.append(Issue(message, at))

    def warning(self, message: str, at: str) -> None:
        self.warnings.append(Issue(message, at))

    # --- document-level rules -------------------------------------------------------------

    def run(self) -> OperationsResult:
        self.check_components()
        root_url = self.root_server()
        if root_url is not None:
            self.root_host = _hostname(root_url)
        operations = self.all_operations(root_url or "")
        limit = self.profile.max_operations
        if limit is not None and len(operations) > limit:
            self.error(f"OpenAPI spec can have a maximum of {limit} operations", "/paths")
        return OperationsResult(
            operations=tuple(operations) if root_url is not None else (),
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
            root_domain=self.root_host,
        )

    def check_components(self) -> None:
        components = self.doc.get("components")
        if not isinstance(components, Mapping):
            return
        if "schemas" in components and not isinstance(components["schemas"], Mapping):
            self.error("In components section, schemas subsection is not an object", "/components/schemas")
        schemes = components.get("securitySchemes")
        if self.profile.warn_multiple_security_schemes and isinstance(schemes, Mapping) and len(schemes) > 1:
            self.warning(
                "Found multiple security schemes, only 1 is supported", "/components/securitySchemes"
            )

    def root_server(self) -> str | None:
        url, problem_at = self.servers.root(self.doc)
        if url is None:
            self.error(NO_SERVER, problem_at)
        return url

    def override_server(self, servers: Any, at: str, inherited: str) -> str | None:
        """A Path Item's or Operation's own `servers`: its first URL, ``inherited`` if it has none,
        None (with a warning: the operations there are skipped, the others load) if unusable.
        A relative URL there is read against the root server."""
        if not isinstance(servers, list) or not servers:
            return inherited
        url, problem_at = self.servers.resolve(servers[0], f"{at}/servers/0", parent=inherited)
        if url is None:
            self.warning(f"{NO_SERVER}; skipping the operations it applies to", problem_at)
        return url

    # --- paths and operations -------------------------------------------------------------

    def all_operations(self, root_url: str) -> list[Operation]:
        paths = self.doc.get("paths")
        if not isinstance(paths, Mapping):
            return []
        taken_ids = {
            op["operationId"]
            for item in paths.values()
            if isinstance(item, Mapping)
            for key, op in item.items()
            if key in _OPERATION_KEYS and isinstance(op, Mapping) and _has_operation_id(op)
        }
        operations: list[Operation] = []
        for path, raw_item in paths.items():
            if isinstance(path, str) and not path.startswith("x-"):
                operations.extend(self.path_item(path, raw_item, root_url, taken_ids))
        return operations

    def path_item(self, path: str, raw_item: Any, root_url: str, taken_ids: set[str]) -> list[Operation]:
        item_at = pointer("paths", path)
        try:
            item, target = deref(self.doc, raw_item, memo=self.ref_memo)
        except RefError as exc:
            self.warning(f"In path {path}, {_ref_reason(exc)}; skipping the path", item_at)
            return []
        if not isinstance(item, Mapping):
            return []
        key = self.path_key(path, item_at)
        item_at = target or item_at
        item_url = self.override_server(item.get("servers"), item_at, root_url)
        operations: list[Operation] = []
        for method, op in item.items():
            if method in _PATH_ITEM_FIELDS or not isinstance(method, str) or method.startswith("x-"):
                continue
            if method not in self.profile.methods:
                self.warning(f"Path {path} has unrecognized method {method}; skipping", f"{item_at}/{method}")
                continue
            if not isinstance(op, Mapping):
                continue
            site = _Site(path, key, cast(Method, method), item, item_at)
            try:
                built = self.operation(site, op, item_url, taken_ids)
            except _Skip as skip:
                self.warning(f"In path {path}, method {method}, {skip.reason}; skipping", skip.at)
                continue
            if built is not None:
                operations.append(built)
        return operations

    def path_key(self, path: str, at: str) -> PathKey:
        """The key read as a request: a missing leading ``/`` added, a query string split off."""
        key = read_path_key(path)
        if key.added_slash:
            self.warning(f"Path {path} does not start with '/'; it is read as {key.path}", at)
        if key.query or key.has_fragment:
            carried = "a fragment" if key.has_fragment else "a query string"
            self.warning(
                f"Path {path} carries {carried}; its fields are sent as query parameters of {key.path}",
                at,
            )
        return key

    def operation(
        self, site: _Site, op: Mapping[str, Any], item_url: str | None, taken_ids: set[str]
    ) -> Operation | None:
        """The operation at ``site``; None when dropped with a message, _Skip when it cannot be
        called (a warning: the other operations still load)."""
        path, method = site.path, site.method
        at = f"{site.item_at}/{method}"
        generated = False
        if _has_operation_id(op):
            operation_id: str = op["operationId"]
        elif self.profile.require_operation_id:
            self.warning(f"In path {path}, method {method} is missing operationId; skipping", at)
            return None
        else:
            operation_id = unique_name(generated_operation_id(method, site.key.path), taken_ids)
            taken_ids.add(operation_id)
            generated = True

        # item_url is None when the path's own `servers` is unusable (already reported); "" when the
        # root server is: the operation is still checked so every problem shows at once.
        server_url = self.override_server(op.get("servers"), at, item_url) if item_url is not None else None
        if server_url is None:
            return None
        if (
            self.profile.single_hostname
            and self.root_host
            and server_url
            and _hostname(server_url) != self.root_host
        ):
            self.warning(f"Found multiple hostnames, dropping {server_url}", at)
            return None

        self.check_description_lengths(path, method, op, at)
        parameters = self.parameters(site, site.item.get("parameters"), op.get("parameters"), at)
        parameters = self.query_string_parameters(site, parameters, at)
        request_body = self.request_body(path, method, op.get("requestBody"), at)
        declared = {p.name for p in parameters if p.location == "path"}
        undeclared = [name for name in _TEMPLATE_VARIABLE.findall(site.key.path) if name not in declared]
        if undeclared:
            raise _Skip(f"path parameters are not defined: {', '.join(undeclared)}", at)

        consequential = op.get("x-openai-isConsequential")
        security = op.get("security")
        return Operation(
            operation_id=operation_id,
            method=method,
            path=site.key.path,
            server_url=server_url,
            pointer=at,
            parameters=tuple(parameters),
            request_body=request_body,
            summary=_text(op.get("summary")),
            description=_text(op.get("description")),
            is_consequential=(
                consequential if isinstance(consequential, bool) else method not in _NOT_CONSEQUENTIAL_METHODS
            ),
            security=(
                tuple(req for req in security if isinstance(req, Mapping))
                if isinstance(security, list)
                else None
            ),
            deprecated=op.get("deprecated") is True,
            generated_id=generated,
        )

    def check_description_lengths(self, path: str, method: str, op: Mapping[str, Any], at: str) -> None:
        limit = self.profile.max_operation_description_chars
        for field in ("summary", "description"):
            text = op.get(field)
            if isinstance(text, str) and len(text) > limit:
                self.warning(
                    f"In path {path}, method {method}, {field} is longer than {limit} characters; "
                    "it will be truncated",
                    f"{at}/{field}",
                )

    # --- parameters -----------------------------------------------------------------------

    def parameters(self, site: _Site, item_params: Any, op_params: Any, at: str) -> list[Parameter]:
        """Path-level and operation-level parameters merged (the operation wins)."""
        merged: dict[tuple[str, str], Parameter] = {}
        lists = ((item_params, f"{site.item_at}/parameters"), (op_params, f"{at}/parameters"))
        for raw_list, list_at in lists:
            if not isinstance(raw_list, list):
                continue
            for index, raw in enumerate(raw_list):
                param_at = f"{list_at}/{index}"
                try:
                    resolved, target = deref(self.doc, raw, memo=self.ref_memo)
                except RefError as exc:
                    raise _Skip(_ref_reason(exc), param_at) from None
                param = self.parameter(site.path, site.method, resolved, target or param_at)
                if param is not None:
                    merged[(param.name, param.location)] = param
        return [param for param in merged.values() if self.keep_parameter(site.path, site.method, param)]

    def parameter(self, path: str, method: str, raw: Any, at: str) -> Parameter | None:
        if not isinstance(raw, Mapping):
            self.warning(f"In path {path}, method {method}, a parameter is not an object; ignoring it", at)
            return None
        name, location = raw.get("name"), raw.get("in")
        if not isinstance(name, str) or not name:
            self.warning(f"In path {path}, method {method}, a parameter has no name; ignoring it", at)
            return None
        if location not in _LOCATIONS:
            raise _Skip(f"parameter {name} has unsupported location {location}", at)
        location = cast(Location, location)
        if location == "path" and raw.get("required") is not True:
            self.warning(
                f"In path {path}, method {method}, path parameter {name} is not marked required; "
                "it is treated as required, as every path parameter is",
                f"{at}/required" if "required" in raw else at,
            )
        style = raw.get("style") if isinstance(raw.get("style"), str) else None
        style = style or ("simple" if location in ("path", "header") else "form")
        explode = raw.get("explode")
        schema = raw.get("schema")
        content_type = None
        content = raw.get("content")
        if isinstance(content, Mapping) and content:
            content_type = next(iter(content))
            media = content[content_type]
            schema = media.get("schema") if isinstance(media, Mapping) else None
        description = _text(raw.get("description"))
        limit = self.profile.max_parameter_description_chars
        if description is not None and len(description) > limit:
            self.warning(
                f"In path {path}, method {method}, parameter {name} description is longer than {limit} "
                "characters; it will be truncated",
                f"{at}/description",
            )
        return Parameter(
            name=name,
            location=location,
            required=location == "path" or raw.get("required") is True,
            schema=dict(schema) if isinstance(schema, Mapping) else {},
            pointer=at,
            description=description,
            style=style,
            explode=explode if isinstance(explode, bool) else style == "form",
            allow_reserved=raw.get("allowReserved") is True,
            allow_empty_value=raw.get("allowEmptyValue") is True,
            content_type=content_type,
            deprecated=raw.get("deprecated") is True,
        )

    def query_string_parameters(self, site: _Site, params: list[Parameter], at: str) -> list[Parameter]:
        """``params`` with the path key's query fields as query parameters (see paths.py)."""
        for field in site.key.query:
            params = self.query_field(site, field, params, at)
        return params

    def query_field(
        self, site: _Site, field: QueryField, params: list[Parameter], at: str
    ) -> list[Parameter]:
        if "{" in field.value or "{" in field.name:
            raise _Skip(
                f"the query string field {field.name} mixes text and template variables", site.item_at
            )
        if any(p.name == field.name and p.location == "query" and field.variable != p.name for p in params):
            return params  # a declared query parameter of that name says more than the key
        declared = next(
            (p for p in params if p.name == field.variable and p.location in ("path", "query")), None
        )
        others = [p for p in params if p is not declared]
        if declared is not None:
            moved = replace(
                declared,
                name=field.name,
                location="query",
                required=declared.required or declared.location == "path",
                style="form",
                explode=False,
            )
            return [*others, moved]
        if field.variable is not None:
            self.warning(
                f"In path {site.path}, method {site.method}, query variable {field.variable} is not "
                "declared; it is sent as a required string",
                at,
            )
            schema: dict[str, Any] = {"type": "string"}
        else:  # a fixed value written in the key: the only value the parameter takes
            schema = {"type": "string", "enum": [field.value]}
        return [
            *others,
            Parameter(name=field.name, location="query", required=True, schema=schema, pointer=at),
        ]

    def keep_parameter(self, path: str, method: str, param: Parameter) -> bool:
        supported = {"header": self.profile.header_parameters, "cookie": self.profile.cookie_parameters}
        if not supported.get(param.location, True):
            self.warning(
                f"In path {path}, method {method}, parameter {param.name} has location {param.location}; "
                "ignoring",
                param.pointer,
            )
            return False
        if param.location == "header" and param.name.lower() in _RESERVED_HEADERS:
            self.warning(
                f"In path {path}, method {method}, parameter {param.name} is a header the engine sets "
                "itself; ignoring",
                param.pointer,
            )
            return False
        return True

    # --- request body ---------------------------------------------------------------------

    def request_body(self, path: str, method: str, raw: Any, at: str) -> RequestBody | None:
        if raw is None:
            return None
        body_at = f"{at}/requestBody"
        try:
            body, target = deref(self.doc, raw, memo=self.ref_memo)
        except RefError as exc:
            raise _Skip(_ref_reason(exc), body_at) from None
        body_at = target or body_at
        if not isinstance(body, Mapping):
            return None
        content = body.get("content")
        media_types = [m for m in content if isinstance(m, str)] if isinstance(content, Mapping) else []
        chosen = choose_media_type(media_types)
        if chosen is None or not isinstance(content, Mapping):
            self.warning(
                f"In path {path}, method {method}, request body has no supported media type "
                f"({', '.join(media_types) or 'none'}); ignoring it",
                f"{body_at}/content",
            )
            return None
        media = content[chosen] if isinstance(content[chosen], Mapping) else {}
        schema = media.get("schema")
        return RequestBody(
            media_type=chosen,
            schema=dict(schema) if isinstance(schema, Mapping) else {},
            required=body.get("required") is True,
            pointer=body_at,
            description=_text(body.get("description")),
            encoding=_encodings(media.get("encoding")),
            document=self.doc,
        )


def _encodings(raw: Any) -> dict[str, Encoding]:
    if not isinstance(raw, Mapping):
        return {}
    encodings = {}
    for prop, enc in raw.items():
        if not isinstance(enc, Mapping):
            continue
        explode = enc.get("explode")
        headers = enc.get("headers")
        encodings[str(prop)] = Encoding(
            content_type=_text(enc.get("contentType")),
            style=_text(enc.get("style")),
            explode=explode if isinstance(explode, bool) else None,
            allow_reserved=enc.get("allowReserved") is True,
            headers=dict(headers) if isinstance(headers, Mapping) else {},
        )
    return encodings


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _has_operation_id(op: Mapping[str, Any]) -> bool:
    return isinstance(op.get("operationId"), str) and bool(op["operationId"].strip())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
