"""Text to JSON data, refusing hostile input cleanly; and the editor's Format button.

JSON is tried first (orjson, then the standard decoder where orjson could misread), then YAML,
read with limits by ``yamltext`` (imported only when a document is YAML: PyYAML is slow to import).

JSON nesting deeper than the interpreter can decode is refused here; the exact
``max_nesting_depth`` limit for JSON is enforced by ``refs.bundle``, whose single walk visits
every node of the loaded document anyway (a separate walk would cost a second pass on 20 MB).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from actionforge.openapi.source import DocumentError, document_error, too_large_message
from actionforge.settings import Settings, default_settings

PARSE_FAILED = "Could not parse valid OpenAPI spec"


# --------------------------------------------------------------------------- bytes and size


def decode(data: bytes, *, where: str | None = None) -> str:
    """UTF-8 bytes to text (a leading byte-order mark is dropped); says where a bad byte is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        subject = where or "The document"
        raise document_error(
            f"{subject} is not valid UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} "
            f"(line {line}) cannot be decoded"
        ) from None
    return text.removeprefix("\ufeff")


def check_size(text: str, limit: int) -> None:
    """Refuse text whose UTF-8 form exceeds ``limit`` bytes, encoding only when it can matter."""
    if len(text) <= limit // 4:  # a character is at most 4 bytes
        return
    size = len(text) if len(text) > limit else len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise document_error(too_large_message(size, limit))


# --------------------------------------------------------------------------- parsing


# Text starting like this is tried as JSON first. JSON is not quite a subset of YAML as PyYAML
# reads it (a surrogate-pair escape such as "\ud800\udc00" is valid JSON, an error in YAML).
_JSON_STARTS = frozenset('{["-0123456789')


# orjson reads an integer past 64 bits as a float, silently (123456789012345678901234567890 ->
# 1.2345678901234568e+29). A document where such a number may be is left to the standard parser.
# Where: a run of 19 or more digits that can be part of a number token (inside a string, orjson
# reads digits exactly). Runs are found on the UTF-8 bytes by a translate and a find, both in C:
# a regular expression took 90 ms on GitHub's 13 MB description, the translate about 10.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19
_JSON_SPACE = b" \t\n\r"
_BEFORE_A_VALUE = b"[:,"  # a number token starts after one of these (and any JSON space) or at 0
_INSIDE_A_NUMBER = b".eE+"  # a fraction or an exponent starts after one of these
_OBJECT_START = re.compile(rb"[ \t\n\r]*\{")


def may_hold_long_number(data: bytes) -> bool:
    """Whether ``data`` (JSON text as UTF-8) may hold a number of 19 or more digits.

    Conservative: a run is let through only when what precedes it cannot precede a number
    (a letter, a quote, ``-`` after a letter...), that is, when it sits inside a string.
    """
    digits = data.translate(_DIGITS_ONLY)
    start = digits.find(_LONG_RUN)
    while start != -1:
        if _may_be_number_part(data, start):
            return True
        end = digits.find(b" ", start)
        if end == -1:
            return False
        start = digits.find(_LONG_RUN, end)
    return False


def _may_be_number_part(data: bytes, start: int) -> bool:
    """Whether the digit run at ``start`` (the first digit of the run) can belong to a number."""
    before = start - 1
    if before >= 0 and data[before] == 0x2D:  # "-": a negative number, or an exponent's sign
        before -= 1
        if before >= 0 and data[before] in b"eE":
            return True
    elif before >= 0 and data[before] in _INSIDE_A_NUMBER:
        return True
    while before >= 0 and data[before] in _JSON_SPACE:
        before -= 1
    return before < 0 or data[before] in _BEFORE_A_VALUE


def _load_json(text: str) -> Any:
    """orjson first (about 3x faster on a large document); on anything it refuses (NaN, lone
    surrogates, deep nesting) or might misread (huge integers) the standard parser decides, with
    its messages."""
    if may_hold_long_number(text.encode("utf-8", "surrogatepass")):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def json_object_from_bytes(data: bytes) -> dict[str, Any] | None:
    """The object that ``parse_object(decode(data))`` gives, read from the bytes directly when
    they are plainly a JSON object that orjson reads exactly; None to take that general path,
    which alone gives messages. Skips decoding a large file (30 ms on GitHub's description) and
    orjson reads bytes as fast as text. Anything orjson refuses (a byte-order mark, bad UTF-8,
    NaN, lone surrogates, deep nesting) goes the general way. The size was checked on reading."""
    if not _OBJECT_START.match(data) or may_hold_long_number(data):
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def parse_text(text: str, *, settings: Settings) -> Any:
    """JSON or YAML text to JSON data (any top-level type), within the settings' limits."""
    check_size(text, settings.max_document_bytes)
    json_error: json.JSONDecodeError | None = None
    if text.lstrip()[:1] in _JSON_STARTS:
        try:
            return _load_json(text)
        except RecursionError:
            raise document_error(too_deep_message(settings.max_nesting_depth)) from None
        except json.JSONDecodeError as error:
            json_error = error  # may still be YAML (a flow mapping such as {a: 1})
    return _parse_yaml(text, settings=settings, json_error=json_error)


def _parse_yaml(text: str, *, settings: Settings, json_error: json.JSONDecodeError | None) -> Any:
    from actionforge.openapi.yamltext import YAMLError, YAMLLimitError, describe_yaml_error, load_yaml

    try:
        return load_yaml(text, settings=settings)
    except YAMLLimitError as error:
        raise document_error(str(error)) from None
    except YAMLError as error:
        if "maximum nesting depth" in str(error):  # libyaml's own guard, met before ours
            raise document_error(too_deep_message(settings.max_nesting_depth)) from None
        if json_error is not None:
            detail = f"{json_error.msg} at line {json_error.lineno}, column {json_error.colno}"
        else:
            detail = describe_yaml_error(error)
        raise document_error(f"{PARSE_FAILED}: {detail}") from None
    except RecursionError:  # only with a max_nesting_depth set above what Python can recurse
        raise document_error(too_deep_message(settings.max_nesting_depth)) from None


def parse_object(text: str, *, settings: Settings, where: str | None = None) -> dict[str, Any]:
    """Like ``parse_text``, but the top level must be an object (as every OpenAPI document is)."""
    data = parse_text(text, settings=settings)
    if not isinstance(data, dict):
        subject = f"{where} must" if where else "The document must"
        raise document_error(f"{subject} be a JSON or YAML object, got {describe_type(data)}")
    return data


def describe_type(value: Any) -> str:
    if value is None:
        return "nothing (the document is empty)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def too_deep_message(limit: int) -> str:
    return f"The document is nested too deeply: more than {limit} levels"


# --------------------------------------------------------------------------- Format button


def format_text(text: str, *, settings: Settings | None = None) -> str:
    """The editor's Format button: JSON -> 2-space JSON, else YAML -> YAML, else unchanged."""
    settings = settings or default_settings()
    try:
        check_size(text, settings.max_document_bytes)
    except DocumentError:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pass
    from actionforge.openapi.yamltext import YAMLError, dump_yaml, load_yaml

    try:
        data = load_yaml(text, settings=settings)
        for allow_unicode in (True, False):
            dumped = dump_yaml(data, allow_unicode=allow_unicode)
            # PyYAML writes some characters (NEL, LS, PS) raw that then read back as line breaks:
            # a Format that changed the data would be worse than none.
            if load_yaml(dumped, settings=settings) == data:
                return dumped
    except (YAMLError, RecursionError):
        pass
    return text
