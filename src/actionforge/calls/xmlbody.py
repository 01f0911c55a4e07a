"""An object (or array) argument as an XML body, for operations that take only XML.

The tool gives the model the body's schema as JSON Schema, so it sends a JSON value; this writes
that value as XML by OpenAPI's rules (the XML Object): a property is a child element of its
name, an array repeats its items' element (inside a wrapper only with ``wrapped: true``),
``attribute: true`` makes a scalar an attribute, ``name``, ``prefix`` and ``namespace`` rename
and qualify. The root element is named by the schema's ``xml.name``, else its component name.
The tree and its escaping are the standard library's ElementTree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from actionforge.calls.serialize import scalar_text
from actionforge.calls.views import SchemaView

_NOT_NAME_CHAR = re.compile(r"[^\w.\-]")
DEFAULT_ROOT = "root"


def xml_bytes(value: Any, view: SchemaView) -> bytes:
    """``value`` as an XML document; ``view`` is the body's schema (for its XML Objects)."""
    root = _element(_root_name(view), value, view)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def _root_name(view: SchemaView) -> str:
    named = _hints(view).get("name")
    if isinstance(named, str) and named:
        return named
    ref = view.schema.get("$ref") if isinstance(view.schema, Mapping) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) and ref else DEFAULT_ROOT


def _hints(view: SchemaView) -> Mapping[str, Any]:
    hints = view.resolved().get("xml")
    return hints if isinstance(hints, Mapping) else {}


def _xml_name(text: str) -> str:
    """An element or attribute name XML accepts: other characters become ``_``."""
    name = _NOT_NAME_CHAR.sub("_", text) or "_"
    return name if name[0].isalpha() or name[0] == "_" else f"_{name}"


def _qualified(name: str, hints: Mapping[str, Any]) -> str:
    named = hints.get("name")
    base = _xml_name(named if isinstance(named, str) and named else name)
    prefix = hints.get("prefix")
    return f"{_xml_name(prefix)}:{base}" if isinstance(prefix, str) and prefix else base


def _element(name: str, value: Any, view: SchemaView) -> ET.Element:
    hints = _hints(view)
    element = ET.Element(_qualified(name, hints))
    namespace = hints.get("namespace")
    if isinstance(namespace, str) and namespace:
        prefix = hints.get("prefix")
        element.set(
            f"xmlns:{_xml_name(prefix)}" if isinstance(prefix, str) and prefix else "xmlns", namespace
        )
    if isinstance(value, Mapping):
        for key, member in value.items():
            if member is not None:
                _add_member(element, str(key), member, view.property(str(key)))
    elif isinstance(value, list):
        _add_items(element, "item", value, view)
    elif value is not None:
        element.text = scalar_text(value)
    return element


def _add_member(parent: ET.Element, name: str, value: Any, view: SchemaView) -> None:
    hints = _hints(view)
    if hints.get("attribute") is True and not isinstance(value, (Mapping, list)):
        parent.set(_qualified(name, hints), scalar_text(value))
    elif isinstance(value, list):
        target = ET.SubElement(parent, _qualified(name, hints)) if hints.get("wrapped") is True else parent
        _add_items(target, name, value, view)
    else:
        parent.append(_element(name, value, view))


def _add_items(parent: ET.Element, name: str, items: Sequence[Any], view: SchemaView) -> None:
    """Each item is an element named by the items' ``xml.name``, else the array's own name."""
    item_view = view.items()
    for item in items:
        if item is not None:
            parent.append(_element(name, item, item_view))
