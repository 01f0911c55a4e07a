"""Operations → tools: one flat, self-contained argument schema per operation, plus bindings.

As in the original product, a model fills ONE flat object: path, query, header and cookie
parameters and the body's properties side by side; each ``ArgumentBinding`` says where a
property goes on the wire. The rules, all deterministic:

Description
    Summary and description, both when both exist (joined by a blank line, the description
    skipped when it repeats the summary): the summary says what, the description adds how.
    ``"METHOD /path"`` when neither exists; "Deprecated. " in front of deprecated operations.
    Cut to ``max_operation_description_chars`` with the visible marker " … [truncated]".
    Top-level argument descriptions are cut to ``max_parameter_description_chars`` likewise.

Body
    An object body with ``properties`` (``allOf`` merged) and nothing that constrains it as a
    whole (``oneOf``, ``not``, ``patternProperties`` ...) is flattened: its properties become
    top-level arguments bound to ``body``, its ``required`` kept (even when the body itself is
    optional: a body with its required fields is always acceptable, a partial one is not).
    Any other body (array, primitive, file, ``oneOf``, map-only object) is ONE argument named
    ``body`` (``requestBody``, ``requestBody_2`` ... when a parameter has that name), bound to
    ``body_whole``, required when the body is.

Argument names
    Top-level names must match ``^[a-zA-Z0-9_.-]{1,64}$`` for every provider, so wire names are
    sanitized (``$top`` → ``top``); bindings keep the wire name.
    Collisions: when arguments share a name, the plain name goes to the one the caller most
    likely means: a required one before an optional one, then a parameter before a body
    property (path, query, header, cookie in that order); the others are
    ``<name>__<location>`` (``limit__query``, ``limit__body``), else that with ``_2``, ``_3``
    ... The tool's description ends with a note saying which is which, and every argument whose
    name differs from its wire name, or whose wire name occurs in several locations, starts its
    description with where it goes: "Query parameter `limit`." / "Request body property `limit`."

Files
    Binary arguments are base64 text (``contentEncoding: base64``, see ``schemas``) and their
    description says so: ``format: binary``, 3.1 ``contentMediaType`` without an encoding in a
    non-JSON body, and whole bodies of binary media types (octet-stream, image/*, ...). The
    ``calls`` layer decodes them by the same tests.

Sharing
    One ``ToolBuilder`` converts each referenced component schema once for all its tools.
    ``Tool.parameters`` holds just the definitions that tool reaches, and is frozen (read-only,
    see ``schemas.FrozenDict``) like the ``Tool`` itself: definitions are shared between tools
    without any tool being able to change another's schema. ``schemas.thaw`` copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actionforge.openapi.jsondata import freeze
from actionforge.openapi.media import essence, is_base64_text, is_binary_media_type, is_json_media_type
from actionforge.openapi.model import JSONSchema, Operation, Parameter, RequestBody
from actionforge.openapi.report import escape_pointer_token
from actionforge.settings import Settings
from actionforge.tools.model import ArgumentBinding, BindingLocation, Tool
from actionforge.tools.names import UniqueNamer, sanitize_property_name
from actionforge.tools.schemas import Converted, SchemaConverter, schema_dialect

TRUNCATION_MARKER = " … [truncated]"
WHOLE_BODY_NAMES = ("body", "requestBody")
PARAMETER_ORDER = ("path", "query", "header", "cookie")
_LOCATION_LABELS = {
    "path": "Path parameter",
    "query": "Query parameter",
    "header": "Header",
    "cookie": "Cookie",
    "body": "Request body property",
}
_CLAIM_RANK = {"path": 0, "query": 1, "header": 2, "cookie": 3, "body": 4, "body_whole": 5}
_SHARED_NAME_RULE = "A required argument, else a parameter, takes the plain name."
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
# Keywords that constrain an object body as a whole: flattening it would lose them.
_NOT_FLATTENABLE = frozenset(
    {
        "$ref",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "enum",
        "const",
        "patternProperties",
        "dependentSchemas",
        "dependentRequired",
        "propertyNames",
        "unevaluatedProperties",
        "minProperties",
        "maxProperties",
    }
)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in a visible marker when it was cut."""
    if len(text) <= limit:
        return text
    if limit <= len(TRUNCATION_MARKER):
        return text[:limit]
    return text[: limit - len(TRUNCATION_MARKER)].rstrip() + TRUNCATION_MARKER


def action_description(document: Mapping[str, Any]) -> str:
    """What the model reads to judge whether an action is relevant: ``info.description``.

    Falls back to ``info.title`` (better than nothing for relevance), else "".
    """
    info = document.get("info")
    if not isinstance(info, Mapping):
        return ""
    for key in ("description", "title"):
        value = info.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def operation_description(operation: Operation, limit: int, note: str = "") -> str:
    """The tool's description within ``limit``; ``note`` (about its arguments) is kept at the end
    when it takes at most half the limit, the operation's own text cut to make room."""
    parts: list[str] = []
    for text in (operation.summary, operation.description):
        if text and text.strip() and text.strip() not in parts:
            parts.append(text.strip())
    text = "\n\n".join(parts) or f"{operation.method.upper()} {operation.path}"
    if operation.deprecated:
        text = f"Deprecated. {text}"
    if note and len(note) + 2 <= limit // 2:
        return truncate(text, limit - len(note) - 2) + "\n\n" + note
    return truncate(text, limit)


def shared_names_note(groups: Sequence[Sequence[_Argument]]) -> str:
    """Which of the arguments that share a name is which (each group's winner first)."""
    if not groups:
        return ""
    described = [
        f"`{group[0].key}` is the {_location_words(group[0])}, "
        + ", ".join(f"`{arg.key}` the {_location_words(arg)}" for arg in group[1:])
        for group in groups
    ]
    return f"Shared names: {'; '.join(described)}. {_SHARED_NAME_RULE}"


def _location_words(arg: _Argument) -> str:
    text = _LOCATION_LABELS[arg.location]
    return text[0].lower() + text[1:]


def _claim_order(arg: _Argument) -> tuple[bool, int]:
    """Who gets a shared name first: required before optional, then by location."""
    return (not arg.required, _CLAIM_RANK[arg.location])


def build_tools(
    operations: Iterable[Operation],
    document: Mapping[str, Any],
    *,
    settings: Settings,
    source_version: str,
    taken_names: Iterable[str] = (),
) -> list[Tool]:
    """One tool per operation, in order; names unique among themselves and ``taken_names``.

    Raises ``SchemaConversionError`` (with a pointer) for a schema that cannot be converted.
    """
    builder = ToolBuilder(document, settings=settings, source_version=source_version, taken_names=taken_names)
    return [builder.build(op) for op in operations]


def build_tool(
    operation: Operation,
    document: Mapping[str, Any],
    *,
    settings: Settings,
    source_version: str,
    taken_names: Iterable[str] = (),
) -> Tool:
    """The tool of one operation (use ``build_tools`` for many: it shares the schema memo)."""
    return ToolBuilder(
        document, settings=settings, source_version=source_version, taken_names=taken_names
    ).build(operation)


@dataclass
class _Argument:
    wire_name: str
    location: BindingLocation
    schema: JSONSchema
    required: bool
    description: str | None
    binary: bool = False  # the model sends base64, the wire carries bytes
    key: str = ""
    labelled: bool = False


class ToolBuilder:
    """Builds the tools of one document; reuse it so component schemas are converted once."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        settings: Settings,
        source_version: str,
        taken_names: Iterable[str] = (),
    ) -> None:
        self._settings = settings
        self._converter = SchemaConverter(document, openapi_version=schema_dialect(source_version))
        self._namer = UniqueNamer(taken_names)

    def build(self, operation: Operation) -> Tool:
        body_arguments = self._body_arguments(operation.request_body)
        parameter_arguments = [
            self._parameter_argument(p)
            for location in PARAMETER_ORDER
            for p in operation.parameters
            if p.location == location
        ]
        shared = self._assign_keys(body_arguments, parameter_arguments)
        arguments = parameter_arguments + body_arguments
        self._label(arguments)

        properties: dict[str, Any] = {}
        for arg in arguments:
            properties[arg.key] = self._property_schema(arg)
        parameters: JSONSchema = {"type": "object", "properties": properties}
        required = [arg.key for arg in arguments if arg.required]
        if required:
            parameters["required"] = required
        parameters["additionalProperties"] = False
        defs = self._converter.defs(properties)
        if defs:
            parameters["$defs"] = defs
        return Tool(
            name=self._namer.name_for(operation.operation_id),
            original_name=operation.operation_id,
            description=operation_description(
                operation, self._settings.max_operation_description_chars, shared_names_note(shared)
            ),
            parameters=freeze(parameters),
            operation=operation,
            bindings=tuple(ArgumentBinding(arg.key, arg.location, arg.wire_name) for arg in arguments),
        )

    # --- arguments --------------------------------------------------------------------------

    def _parameter_argument(self, parameter: Parameter) -> _Argument:
        where = f"{parameter.pointer}/schema"
        if parameter.content_type is not None:
            where = f"{parameter.pointer}/content/{escape_pointer_token(parameter.content_type)}/schema"
        schema = _as_dict(self._converter.convert(parameter.schema, pointer=where))
        _add_wire_limits(schema, parameter.location)
        if parameter.deprecated:
            schema["deprecated"] = True
        return _Argument(
            wire_name=parameter.name,
            location=parameter.location,
            schema=schema,
            required=parameter.required,
            description=parameter.description or schema.get("description"),
        )

    def _body_arguments(self, body: RequestBody | None) -> list[_Argument]:
        if body is None:
            return []
        where = f"{body.pointer}/content/{escape_pointer_token(body.media_type)}/schema"
        converted = self._converter.convert(body.schema, pointer=where)
        target = self._converter.resolve(converted)
        kind = essence(body.media_type)
        if isinstance(target, dict) and _is_flattenable(target):
            required = set(target.get("required", ()))
            arguments = []
            for name, value in target["properties"].items():
                schema = dict(_as_dict(value))  # shallow: only its top level changes
                arguments.append(
                    _Argument(
                        wire_name=name,
                        location="body",
                        schema=schema,
                        required=name in required,
                        description=schema.get("description"),
                        binary=_is_binary(schema, raw_bytes=kind == "multipart/form-data"),
                    )
                )
            return arguments
        schema = _as_dict(converted)
        shape = _with_siblings(schema, _as_dict(target) if isinstance(target, bool | dict) else schema)
        raw_bytes = not (is_json_media_type(kind) or kind.startswith("text/") or kind in _FORMS)
        # A schema saying base64 text (format: byte, contentEncoding) is sent as written.
        whole_binary = not is_base64_text(shape) and (
            _is_binary(shape, raw_bytes=raw_bytes) or (is_binary_media_type(kind) and _is_file_shape(shape))
        )
        if whole_binary and "type" not in schema:
            schema["type"] = "string"
        description = (
            body.description or schema.get("description") or f"The whole request body ({body.media_type})."
        )
        if whole_binary and "*" in kind and kind != "*/*":
            # image/* is no Content-Type; the data URL names the concrete one (see calls.bodies).
            # Any file at all (*/*) may come as plain base64, sent as application/octet-stream.
            family = kind.split("/", 1)[0]
            description += (
                f" Give it as a data URL naming the file's type: data:{family}/<subtype>;base64,<content>."
            )
        return [
            _Argument(
                wire_name="",
                location="body_whole",
                schema=schema,
                required=body.required,
                description=description,
                binary=whole_binary,
            )
        ]

    @staticmethod
    def _assign_keys(body: Sequence[_Argument], parameters: Sequence[_Argument]) -> list[list[_Argument]]:
        """Give each argument its key; return the groups that shared a name, winner first."""
        groups: dict[str, list[_Argument]] = {}
        for arg in (*parameters, *body):
            if arg.location != "body_whole":
                groups.setdefault(sanitize_property_name(arg.wire_name), []).append(arg)
        for group in groups.values():
            group.sort(key=_claim_order)  # stable: document order among equals
        keys = UniqueNamer()
        for base, group in groups.items():  # every plain name first, so no renamed one takes it
            group[0].key = keys.claim(base)
        for base, group in groups.items():
            for arg in group[1:]:
                arg.key = keys.claim(f"{base}__{arg.location}")
        for arg in body:
            if arg.location == "body_whole":
                free = [n for n in WHOLE_BODY_NAMES if n not in keys]
                arg.key = keys.claim(free[0] if free else WHOLE_BODY_NAMES[-1])
                arg.wire_name = arg.key
        return [group for group in groups.values() if len(group) > 1]

    @staticmethod
    def _label(arguments: Sequence[_Argument]) -> None:
        locations: dict[str, set[str]] = {}
        for arg in arguments:
            locations.setdefault(arg.wire_name, set()).add(arg.location)
        for arg in arguments:
            if arg.location == "body_whole":
                continue
            arg.labelled = arg.key != arg.wire_name or len(locations[arg.wire_name]) > 1

    def _property_schema(self, arg: _Argument) -> JSONSchema:
        schema = arg.schema
        parts: list[str] = []
        if arg.labelled:
            parts.append(f"{_LOCATION_LABELS[arg.location]} `{arg.wire_name}`.")
        if arg.description:
            parts.append(arg.description.strip())
        if arg.binary or schema.get("format") == "binary":
            schema["contentEncoding"] = "base64"
            schema["format"] = "binary"  # the mark calls.bodies decodes by (not base64 text)
            parts.append("Base64-encoded file content.")
        text = " ".join(p for p in parts if p)
        if text:
            schema["description"] = truncate(text, self._settings.max_parameter_description_chars)
        return schema


def _as_dict(schema: Converted) -> JSONSchema:
    """Boolean schemas as dicts, so a description can sit beside them."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    return schema


def _with_siblings(schema: JSONSchema, target: JSONSchema) -> JSONSchema:
    """What a schema says behind its ``$ref`` (``target``), with the keywords written beside the
    ref on top, as 3.1 reads them: ``{"$ref": ..., "contentEncoding": "base64"}`` is base64 text."""
    if target is schema or "$ref" not in schema:
        return target
    return {**target, **{key: value for key, value in schema.items() if key != "$ref"}}


# What the request encoder (calls/request.py) can send, said in the schema so that every
# schema-valid argument builds a request: a path value cannot be empty ("/items/" is another
# resource) nor "." or ".." (dot segments), a header cannot hold CR, LF or NUL.
# (keyword, for which type, value)
_WIRE_LIMITS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "path": (
        ("minLength", "string", 1),
        ("not", "string", {"enum": [".", "..", None]}),  # null expands to nothing
        ("contains", "array", {"minLength": 1}),  # at least one item, and not all ""
        ("minProperties", "object", 1),
    ),
    "header": (("pattern", "string", r"^(?![\s\S]*[\r\n\x00])"),),
}
_ANY_TYPE = frozenset({"string", "array", "object"})


def _add_wire_limits(schema: JSONSchema, location: str) -> None:
    declared = schema.get("type")
    kinds = {declared} if isinstance(declared, str) else set(declared or _ANY_TYPE)
    for keyword, kind, value in _WIRE_LIMITS.get(location, ()):
        if kind not in kinds:
            continue
        current = schema.get(keyword)
        if isinstance(value, int) and isinstance(current, int):  # a minimum: the stricter one
            schema[keyword] = max(current, value)
        elif current is not None and current != value:  # both must hold
            schema["allOf"] = [*schema.get("allOf", ()), {keyword: value}]
        else:
            schema[keyword] = value


# Keywords that make a body schema more than "some string" (then it is not a file's).
_STRUCTURE = frozenset({"properties", "items", "allOf", "anyOf", "oneOf", "not", "enum", "const"})


def _is_file_shape(schema: Mapping[str, Any]) -> bool:
    """A string, or nothing said, for a whole-file media type: the file (annotations such as
    ``example`` or ``maxLength`` change nothing), so the model is told to send base64."""
    return schema.get("type") in (None, "string") and not (_STRUCTURE & schema.keys())


def _is_binary(schema: Mapping[str, Any], *, raw_bytes: bool) -> bool:
    """``format: binary``; where bytes go on the wire (multipart parts, binary whole bodies) also
    3.1's ``contentMediaType`` without an encoding: the test the ``calls`` layer decodes by."""
    if schema.get("format") == "binary":
        return True
    return raw_bytes and bool(schema.get("contentMediaType")) and not schema.get("contentEncoding")


def _is_flattenable(schema: JSONSchema) -> bool:
    kind = schema.get("type")
    kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    if kinds and ("object" not in kinds or not kinds <= {"object", "null"}):
        return False
    properties = schema.get("properties")
    return isinstance(properties, dict) and bool(properties) and not (_NOT_FLATTENABLE & schema.keys())
