"""Swagger 2.0 -> OpenAPI 3.0.3, so the rest of the engine reads one dialect.

Expects a bundled document (every `$ref` local) and returns a new one; the input is not changed.
What has no exact 3.0 equivalent (a tab-separated array, a missing host) comes back as a warning
with the pointer of the 2.0 construct. Hand-written because the Python converters on PyPI are
unmaintained; the mapping follows the two specifications (../spec/openapi/) and swagger2openapi.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from actionforge.openapi.jsondata import copy_json
from actionforge.openapi.pointers import RefError, deref, unescape_token
from actionforge.openapi.report import Issue, pointer

TARGET_VERSION = "3.0.3"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")

# Parameter (and items / header) fields that describe the value: they move into `schema`.
_VALUE_FIELDS = (
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
)
_PARAMETER_FIELDS = ("name", "in", "description", "required", "deprecated", "allowEmptyValue")
_SCHEMA_CHILD_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_CHILD_MAPS = ("properties", "patternProperties")
_SCHEMA_CHILDREN = ("items", "additionalProperties", "not")

# collectionFormat -> (style, explode) for query and form fields
_QUERY_STYLES = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "multi": ("form", True),
}
_OAUTH_FLOWS = {
    "implicit": ("implicit", ("authorizationUrl",)),
    "password": ("password", ("tokenUrl",)),
    "application": ("clientCredentials", ("tokenUrl",)),
    "accessCode": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
}
_Field = tuple[tuple[str | int, ...], dict[str, Any]]  # (2.0 pointer tokens, parameter)
_Body = tuple[tuple[str | int, ...], dict[str, Any], str | None]  # ... and its #/parameters name

_REF_PREFIXES = (
    ("#/definitions/", "#/components/schemas/"),
    ("#/responses/", "#/components/responses/"),
)


def upgrade(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
    """The OpenAPI 3.0.3 equivalent of a bundled Swagger 2.0 document, and the warnings."""
    upgrader = _Upgrader(doc)
    return upgrader.run(), upgrader.warnings


class _Upgrader:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.warnings: list[Issue] = []
        self.consumes = _media_types(doc.get("consumes"))
        self.produces = _media_types(doc.get("produces"))
        shared = doc.get("parameters")
        self.shared_parameters: dict[str, Any] = shared if isinstance(shared, dict) else {}
        # Refs into paths ("#/paths/~1a/get/responses/200/schema") point at 2.0 places that move:
        # the nodes holding them, and where each moved 2.0 schema now lives.
        self.path_refs: list[dict[str, Any]] = []
        self.moved: dict[str, str] = {}

    def warn(self, message: str, *tokens: str | int) -> None:
        self.warnings.append(Issue(message, pointer(*tokens)))

    # ----------------------------------------------------------------- document

    def run(self) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {"openapi": TARGET_VERSION}
        out["info"] = copy_json(doc.get("info", {}))
        out["servers"] = self.servers(doc.get("schemes"))
        for key, value in doc.items():
            if key in ("swagger", "info", "host", "basePath", "schemes", "consumes", "produces"):
                continue
            if key == "paths" and isinstance(value, dict):
                out["paths"] = self.paths(value)
            elif key in ("definitions", "parameters", "responses", "securityDefinitions"):
                continue  # gathered into components below
            else:
                out[key] = copy_json(value)  # security, tags, externalDocs, x-*
        components = self.components()
        if components:
            out["components"] = components
        self.retarget_path_refs()
        return out

    def retarget_path_refs(self) -> None:
        for node in self.path_refs:
            ref = unquote(node["$ref"][1:])
            for old, new in self.moved.items():
                if ref == old or ref.startswith(old + "/"):
                    node["$ref"] = "#" + new + ref[len(old) :]
                    break

    def servers(self, schemes: Any, *, operation: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        host = self.doc.get("host")
        base_path = self.doc.get("basePath")
        base = "/" + base_path.strip("/") if isinstance(base_path, str) and base_path.strip("/") else ""
        if not isinstance(host, str) or not host:
            if not operation:
                self.warn(
                    "The Swagger 2.0 document has no 'host': API calls go to the server URL given "
                    "(or, in the extended profile, the host the document was loaded from)",
                )  # at the document: there is no /host to point at
            return [{"url": base or "/"}]
        host = host.partition("://")[2] or host  # "https://api.example.com": a scheme where it is not due
        names = [s.lower() for s in schemes if isinstance(s, str)] if isinstance(schemes, list) else []
        preference = {"https": 0, "http": 1}  # https first; ws and others last
        ordered = sorted(dict.fromkeys(names or ["https"]), key=lambda s: preference.get(s, 2))
        return [{"url": f"{scheme}://{host.rstrip('/')}{base}"} for scheme in ordered]

    def components(self) -> dict[str, Any]:
        doc = self.doc
        components: dict[str, Any] = {}
        definitions = doc.get("definitions")
        if isinstance(definitions, dict):
            components["schemas"] = {
                name: self.schema(s, ("definitions", name)) for name, s in definitions.items()
            }
        parameters: dict[str, Any] = {}
        bodies: dict[str, Any] = {}
        for name, param in self.shared_parameters.items():
            where = ("parameters", name)
            location = param.get("in") if isinstance(param, dict) else None
            if location == "body":
                bodies[name] = self.request_body(param, self.consumes, where)
            elif location != "formData":  # form fields are inlined where they are used
                parameters[name] = self.parameter(param, where)
        if parameters:
            components["parameters"] = parameters
        if bodies:
            components["requestBodies"] = bodies
        responses = doc.get("responses")
        if isinstance(responses, dict):
            components["responses"] = {
                name: self.response(r, self.produces, ("responses", name)) for name, r in responses.items()
            }
        security = doc.get("securityDefinitions")
        if isinstance(security, dict):
            components["securitySchemes"] = {
                name: self.security_scheme(s, ("securityDefinitions", name)) for name, s in security.items()
            }
        return components

    # ----------------------------------------------------------------- paths and operations

    def paths(self, paths: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, item in paths.items():
            if not isinstance(item, dict) or path.startswith("x-"):
                out[path] = copy_json(item)
                continue
            shared = _list(item.get("parameters"))
            new_item: dict[str, Any] = {}
            for key, value in item.items():
                where = ("paths", path, key)
                if key in METHODS and isinstance(value, dict):
                    new_item[key] = self.operation(value, shared, where)
                elif key == "parameters" and isinstance(value, list):
                    plain, _, _ = self.split_parameters(value, where)
                    if plain:
                        new_item["parameters"] = plain
                else:
                    new_item[key] = copy_json(value)
            out[path] = new_item
        return out

    def operation(self, op: dict[str, Any], shared: list[Any], where: tuple[str, ...]) -> dict[str, Any]:
        consumes = _media_types(op["consumes"]) if "consumes" in op else self.consumes
        produces = _media_types(op["produces"]) if "produces" in op else self.produces
        own = _list(op.get("parameters"))
        plain, bodies, forms = self.split_parameters(own, (*where, "parameters"))
        # Path-level body and form parameters apply to every operation that has none of its own.
        _, shared_bodies, shared_forms = self.split_parameters(shared, (*where[:-1], "parameters"))
        own_names = {field.get("name") for _, field in forms}
        forms += [(w, field) for w, field in shared_forms if field.get("name") not in own_names]
        bodies = bodies or shared_bodies
        request_body = self.operation_body(bodies, forms, consumes, where)

        out: dict[str, Any] = {}
        for key, value in op.items():
            if key in ("consumes", "produces", "schemes"):
                continue
            if key == "parameters":
                if plain:
                    out["parameters"] = plain
                if request_body is not None:
                    out["requestBody"] = request_body
            elif key == "responses" and isinstance(value, dict):
                out["responses"] = self.responses(value, produces, (*where, "responses"))
            else:
                out[key] = copy_json(value)
        if request_body is not None and "requestBody" not in out:
            out["requestBody"] = request_body
        if isinstance(op.get("schemes"), list) and self.doc.get("host"):
            servers = self.servers(op["schemes"], operation=where)
            if servers != self.servers(self.doc.get("schemes"), operation=where):
                out["servers"] = servers
        return out

    def split_parameters(
        self, params: list[Any], where: tuple[str | int, ...]
    ) -> tuple[list[Any], list[_Body], list[_Field]]:
        """(3.0 parameters, body parameters, form fields) of a 2.0 parameter list."""
        plain: list[Any] = []
        bodies: list[_Body] = []
        forms: list[_Field] = []
        for index, param in enumerate(params):
            here = (*where, index)
            target, shared_token = self.resolve_parameter(param)
            if not isinstance(target, dict):
                plain.append(copy_json(target))
            elif target.get("in") == "body":
                bodies.append((here, target, shared_token))
            elif target.get("in") == "formData":
                forms.append((here, target))
            elif shared_token is not None:
                plain.append({"$ref": f"#/components/parameters/{shared_token}"})
            else:
                plain.append(self.parameter(target, here))
        return plain, bodies, forms

    def resolve_parameter(self, param: Any) -> tuple[Any, str | None]:
        """The parameter object, and its (escaped) name when it is a ref into #/parameters."""
        if not (isinstance(param, dict) and isinstance(param.get("$ref"), str)):
            return param, None
        ref: str = param["$ref"]
        token = ref.removeprefix("#/parameters/")
        if token != ref and "/" not in token and unescape_token(token) in self.shared_parameters:
            return self.shared_parameters[unescape_token(token)], token
        try:
            target, _ = deref(self.doc, param)
        except RefError:
            return param, None  # reported by the final check of local refs
        return target, None

    # ----------------------------------------------------------------- parameters

    def parameter(self, param: dict[str, Any], where: tuple[str | int, ...]) -> dict[str, Any]:
        if not isinstance(param, dict):
            return param
        out: dict[str, Any] = {key: copy_json(param[key]) for key in _PARAMETER_FIELDS if key in param}
        if out.get("in") != "query":
            out.pop("allowEmptyValue", None)  # 3.0 allows it on query parameters only
        location = str(param.get("in", ""))
        out.update(self.style(param, location, where))
        out["schema"] = self.value_schema(param)
        if "x-example" in param:
            out["example"] = copy_json(param["x-example"])
        for key, value in param.items():
            if key.startswith("x-") and key not in ("x-example", "x-nullable"):
                out[key] = copy_json(value)
        return out

    def style(self, param: dict[str, Any], location: str, where: tuple[str | int, ...]) -> dict[str, Any]:
        """OpenAPI 3 style/explode for a 2.0 array's collectionFormat (csv by default)."""
        if param.get("type") != "array":
            return {}
        collection = param.get("collectionFormat", "csv")
        if location in ("query", "formData") and collection in _QUERY_STYLES:
            style, explode = _QUERY_STYLES[collection]
            return {"style": style, "explode": explode}
        if location in ("path", "header") and collection == "csv":
            return {}  # `simple`, not exploded: the 3.0 default
        self.warn(
            f"collectionFormat {collection!r} on a {location} parameter has no OpenAPI 3 equivalent; "
            "it is kept as x-collectionFormat and otherwise treated as comma-separated",
            *where,
            "collectionFormat",
        )
        fallback: dict[str, Any] = {"x-collectionFormat": collection}
        if location in ("query", "formData"):
            fallback = {"style": "form", "explode": False, **fallback}
        return fallback

    def value_schema(self, param: dict[str, Any]) -> dict[str, Any]:
        """The JSON schema of a non-body parameter, an items object or a header."""
        schema: dict[str, Any] = {}
        for key in _VALUE_FIELDS:
            if key not in param:
                continue
            if key == "items" and isinstance(param["items"], dict):
                schema["items"] = self.value_schema(param["items"])
            else:
                schema[key] = copy_json(param[key])
        if schema.get("type") == "file":
            schema["type"], schema["format"] = "string", "binary"
        if param.get("x-nullable") is True:
            schema["nullable"] = True
        return schema

    # ----------------------------------------------------------------- request bodies

    def operation_body(
        self, bodies: list[_Body], forms: list[_Field], consumes: list[str], where: tuple[str, ...]
    ) -> dict[str, Any] | None:
        if bodies and forms:
            self.warn(
                "An operation cannot have both a body and form parameters; the form is dropped",
                *where,
                "parameters",
            )
        if bodies:
            if len(bodies) > 1:
                self.warn("An operation can have one body parameter; the first is used", *bodies[1][0])
            body_where, body, shared_token = bodies[0]
            if body_where[0] == "paths":
                self.moved[pointer(*body_where, "schema")] = pointer(
                    *where, "requestBody", "content", consumes[0], "schema"
                )
            if shared_token is not None and consumes == self.consumes:
                return {"$ref": f"#/components/requestBodies/{shared_token}"}
            return self.request_body(body, consumes, body_where)  # inline: its media types are its own
        if forms:
            return self.form_body(forms, consumes)
        return None

    def request_body(
        self, param: dict[str, Any], consumes: list[str], where: tuple[str | int, ...]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "description" in param:
            out["description"] = param["description"]
        schema = param.get("schema", {})
        examples = _dict(param.get("x-examples"))
        content: dict[str, Any] = {}
        for media_type in consumes:
            content[media_type] = {"schema": self.schema(schema, (*where, "schema"))}
            if media_type in examples:
                content[media_type]["example"] = copy_json(examples[media_type])
        out["content"] = content
        if param.get("required") is True:
            out["required"] = True
        if isinstance(param.get("name"), str):
            # The 2.0 name of the body, kept where code generators look for it.
            out["x-codegen-request-body-name"] = param["name"]
        return out

    def form_body(self, forms: list[_Field], consumes: list[str]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        encoding: dict[str, Any] = {}
        has_file = False
        for where, field in forms:
            name = str(field.get("name", ""))
            schema = self.value_schema(field)
            if "description" in field:
                schema["description"] = field["description"]
            properties[name] = schema
            if field.get("required") is True:
                required.append(name)
            has_file = has_file or field.get("type") == "file"
            style = self.style(field, "formData", where)
            if style:
                encoding[name] = {k: v for k, v in style.items() if k in ("style", "explode")}
        form_types = [m for m in consumes if m in (FORM, MULTIPART)]
        media_types = [MULTIPART] if has_file else form_types or [FORM]
        object_schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            object_schema["required"] = required
        content: dict[str, Any] = {}
        for media_type in media_types:
            content[media_type] = {"schema": copy_json(object_schema)}
            if media_type == FORM and encoding:
                content[media_type]["encoding"] = copy_json(encoding)
        body: dict[str, Any] = {"content": content}
        if required:
            body["required"] = True
        return body

    # ----------------------------------------------------------------- responses

    def responses(
        self, responses: dict[str, Any], produces: list[str], where: tuple[str, ...]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for code, response in responses.items():
            out[str(code)] = self.response(response, produces, (*where, code))
        return out

    def response(self, response: Any, produces: list[str], where: tuple[str, ...]) -> Any:
        if not isinstance(response, dict) or str(where[-1]).startswith("x-"):
            return copy_json(response)
        if isinstance(response.get("$ref"), str):
            return {"$ref": _rewrite_ref(response["$ref"])}
        out: dict[str, Any] = {"description": response.get("description", "")}
        headers = response.get("headers")
        if isinstance(headers, dict):
            out["headers"] = {name: self.header(h, (*where, "headers", name)) for name, h in headers.items()}
        content: dict[str, Any] = {}
        schema = response.get("schema")
        if isinstance(schema, dict):
            if _is_file(schema, self.doc):
                types = [m for m in produces if m != JSON] or ["application/octet-stream"]
                for media_type in types:
                    content[media_type] = {"schema": {"type": "string", "format": "binary"}}
            else:
                for media_type in produces:
                    content[media_type] = {"schema": self.schema(schema, (*where, "schema"))}
                self.moved[pointer(*where, "schema")] = pointer(*where, "content", produces[0], "schema")
        examples = response.get("examples")
        if isinstance(examples, dict):
            for media_type, example in examples.items():
                content.setdefault(media_type, {})["example"] = copy_json(example)
        if content:
            out["content"] = content
        for key, value in response.items():
            if key.startswith("x-"):
                out[key] = copy_json(value)
        return out

    def header(self, header: Any, where: tuple[str | int, ...]) -> Any:
        if not isinstance(header, dict):
            return copy_json(header)
        out: dict[str, Any] = {}
        if "description" in header:
            out["description"] = header["description"]
        out.update(self.style(header, "header", where))
        out["schema"] = self.value_schema(header)
        return out

    # ----------------------------------------------------------------- schemas and security

    def schema(self, schema: Any, where: tuple[str | int, ...]) -> Any:
        """A copy of a 2.0 schema in 3.0 terms: refs, x-nullable, file, discriminator, and the
        JSON Schema forms real 2.0 documents use (``items: [...]``, ``type: "null"``)."""
        copy = copy_json(schema)
        stack: list[tuple[Any, tuple[str | int, ...]]] = [(copy, where)]
        while stack:
            node, at = stack.pop()
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("$ref"), str):
                node["$ref"] = _rewrite_ref(node["$ref"])
                if node["$ref"].startswith("#/paths/"):
                    self.path_refs.append(node)
            if "x-nullable" in node:
                node["nullable"] = node.pop("x-nullable")
            kind = node.get("type")
            if kind == "file":
                node["type"], node["format"] = "string", "binary"
            elif kind == "null" or kind == ["null"]:
                self.warn("type 'null' is not OpenAPI 3.0; it is read as nullable", *at, "type")
                del node["type"]
                node.update(nullable=True, enum=[None])
            elif isinstance(kind, list):  # not 2.0, but written: ["string", "null"]
                types = [t for t in kind if t != "null"]
                if len(types) == 1:
                    node["type"] = types[0]
                    if len(types) < len(kind):
                        node["nullable"] = True
            if isinstance(node.get("discriminator"), str):
                node["discriminator"] = {"propertyName": node["discriminator"]}
            if isinstance(node.get("items"), list):
                node["items"] = self.items_list(node["items"], at)
            self.drop_null_members(node, at)
            stack.extend(_schema_children(node, at))
        return copy

    def items_list(self, members: list[Any], at: tuple[str | int, ...]) -> dict[str, Any]:
        """``items: [A, B]`` (JSON Schema's tuple form, not OpenAPI) read as ``items: {anyOf: [A, B]}``,
        a ``{"type": "null"}`` member as ``nullable``: what the authors mean by a list member that is
        one of these (a chat platform's Web API writes ``items: [{$ref: ...}, {type: null}]``)."""
        self.warn(
            "items is a list of schemas, which OpenAPI does not allow; it is read as anyOf", *at, "items"
        )
        kept = [m for m in members if not _is_null_schema(m)]
        items: dict[str, Any]
        if not kept:
            items = {}
        elif len(kept) == 1 and isinstance(kept[0], dict) and "$ref" not in kept[0]:
            items = kept[0]  # an inline schema takes `nullable` itself; a $ref's siblings are ignored
        else:
            items = {"anyOf": kept}
        if len(kept) < len(members):
            items["nullable"] = True
        return items

    def drop_null_members(self, node: dict[str, Any], at: tuple[str | int, ...]) -> None:
        """``anyOf: [A, {type: null}]`` -> ``anyOf: [A], nullable: true`` (3.0 has no null type)."""
        for key in ("anyOf", "oneOf"):
            members = node.get(key)
            if isinstance(members, list) and any(_is_null_schema(m) for m in members):
                self.warn(f"A {{'type': 'null'}} member of {key} is read as nullable", *at, key)
                node[key] = [m for m in members if not _is_null_schema(m)] or [{}]
                node["nullable"] = True

    def security_scheme(self, scheme: Any, where: tuple[str, ...]) -> Any:
        if not isinstance(scheme, dict):
            return copy_json(scheme)
        kind = scheme.get("type")
        out: dict[str, Any]
        if kind == "basic":
            out = {"type": "http", "scheme": "basic"}
        elif kind == "apiKey":
            out = {"type": "apiKey", "name": scheme.get("name"), "in": scheme.get("in")}
        elif kind == "oauth2":
            flow_name, urls = _OAUTH_FLOWS.get(str(scheme.get("flow")), (None, ()))
            if flow_name is None:
                self.warn(f"Unknown OAuth 2 flow {scheme.get('flow')!r}", *where, "flow")
                return copy_json(scheme)
            flow = {url: scheme[url] for url in urls if url in scheme}
            flow["scopes"] = copy_json(scheme.get("scopes") or {})
            out = {"type": "oauth2", "flows": {flow_name: flow}}
        else:
            self.warn(f"Unknown security scheme type {kind!r}", *where, "type")
            return copy_json(scheme)
        for key, value in scheme.items():
            if key == "description" or key.startswith("x-"):
                out[key] = copy_json(value)
        return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _media_types(value: Any) -> list[str]:
    types = [m for m in value if isinstance(m, str)] if isinstance(value, list) else []
    return list(dict.fromkeys(types)) or [JSON]


def _rewrite_ref(ref: str) -> str:
    for old, new in _REF_PREFIXES:
        if ref.startswith(old):
            return new + ref[len(old) :]
    return ref


def _is_file(schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    try:
        target, _ = deref(doc, schema)
    except RefError:
        return False
    return isinstance(target, dict) and target.get("type") == "file"


def _is_null_schema(schema: Any) -> bool:
    """``{"type": "null"}``, perhaps with a description: JSON Schema's null, which 3.0 lacks."""
    return (
        isinstance(schema, dict) and schema.get("type") == "null" and set(schema) <= {"type", "description"}
    )


_Child = tuple[Any, tuple[str | int, ...]]


def _schema_children(node: dict[str, Any], at: tuple[str | int, ...]) -> Iterable[_Child]:
    """The subschemas of ``node``, each with its pointer tokens (in the 2.0 document as written,
    except inside an ``items`` list, which is read as anyOf before its members are walked)."""
    for key in _SCHEMA_CHILDREN:
        child = node.get(key)
        if isinstance(child, dict):
            yield child, (*at, key)
    for key in _SCHEMA_CHILD_LISTS:
        if isinstance(node.get(key), list):
            yield from ((child, (*at, key, index)) for index, child in enumerate(node[key]))
    for key in _SCHEMA_CHILD_MAPS:
        if isinstance(node.get(key), dict):
            yield from ((child, (*at, key, name)) for name, child in node[key].items())
