"""Turn an API's response into text a model can read, within the byte and character caps.

The body is read as a stream and reading stops at ``max_response_bytes``, so an endless or huge
response costs bounded memory and time. Text is decoded with the declared charset, JSON is
compacted (whitespace is wasted context), and what the model sees is cut at
``max_response_chars`` with a marker that says so and fits within the cap. A body that is not
text becomes a one-line note: raw bytes never reach the model.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from actionforge.settings import Settings

_TEXT_APPLICATION_TYPES = frozenset(
    {
        "application/json",
        "application/x-ndjson",
        "application/jsonl",
        "application/xml",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/yaml",
        "application/x-yaml",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/sql",
    }
)
_JSON_TYPES = frozenset({"application/json"})


@dataclass(frozen=True, slots=True)
class ResponseText:
    """What the model is shown of a body, and whether it was cut."""

    text: str
    media_type: str | None  # lower-cased, without parameters; None when the API sent none
    truncated: bool = False


def is_text_media_type(media_type: str) -> bool:
    """text/*, JSON, XML, JavaScript, YAML, form data and the ``+json`` / ``+xml`` families."""
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_APPLICATION_TYPES
        or media_type.endswith(("+json", "+xml", "+yaml"))
    )


def is_json_media_type(media_type: str | None) -> bool:
    return media_type is not None and (media_type in _JSON_TYPES or media_type.endswith("+json"))


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``"Text/HTML; charset=UTF-8"`` → ``("text/html", "UTF-8")``."""
    if not value:
        return None, None
    media_type, _, params = value.partition(";")
    charset = None
    if params:
        for param in params.split(";"):
            key, _, val = param.partition("=")
            if key.strip().lower() == "charset":
                charset = val.strip().strip('"').strip() or None
    return media_type.strip().lower() or None, charset


async def read_response(response: httpx.Response, settings: Settings) -> ResponseText:
    """Read the (streamed) response within the caps and render it for the model; closes it."""
    try:
        media_type = parse_content_type(response.headers.get("content-type"))[0]
        declared = _declared_length(response)
        if media_type is not None and not is_text_media_type(media_type) and declared is not None:
            # Known binary of known size: no need to download it just to say it can't be shown.
            return ResponseText(not_text_note(declared, media_type, over_cap=False), media_type)
        data, over_cap = await read_capped(response, settings.max_response_bytes)
    finally:
        await response.aclose()
    return render_body(data, response.headers.get("content-type"), over_cap=over_cap, settings=settings)


async def read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """The (decompressed) body up to ``max_bytes``, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            chunks.append(chunk[: len(chunk) - (size - max_bytes)])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


def render_body(data: bytes, content_type: str | None, *, over_cap: bool, settings: Settings) -> ResponseText:
    """Decode, compact and cap a body. ``over_cap``: ``data`` is only the first part of it."""
    media_type, charset = parse_content_type(content_type)
    if not data:
        return ResponseText("", media_type, truncated=over_cap)
    if media_type is not None and not is_text_media_type(media_type):
        return ResponseText(not_text_note(len(data), media_type, over_cap=over_cap), media_type)
    text = _decode(data, media_type, charset, final=not over_cap)
    if text is None:
        return ResponseText(
            not_text_note(len(data), media_type, over_cap=over_cap, undecodable=True), media_type
        )
    if not over_cap and (is_json_media_type(media_type) or (media_type is None and text[:1] in "{[")):
        text = _compact_json(text)
    limit = settings.max_response_chars
    if over_cap:
        note = f"response was over {settings.max_response_bytes:,} bytes"
        return ResponseText(_cut(text, limit, lambda shown: _marker(note, shown)), media_type, truncated=True)
    if len(text) <= limit:
        return ResponseText(text, media_type)
    note = f"response was {len(text):,} characters"
    return ResponseText(_cut(text, limit, lambda shown: _marker(note, shown)), media_type, truncated=True)


def not_text_note(size: int, media_type: str | None, *, over_cap: bool, undecodable: bool = False) -> str:
    amount = ("more than " if over_cap else "") + format_size(size)
    what = media_type or "data with no content type"
    if undecodable:
        return f"The API returned {amount} of {what} that could not be decoded as text; it cannot be shown."
    return f"The API returned {amount} of {what}, which is not text; it cannot be shown."


def format_size(size: int) -> str:
    """Decimal units, as people read them: ``512 bytes``, ``14.2 kB``, ``2.3 MB``."""
    if size < 1000:
        return "1 byte" if size == 1 else f"{size} bytes"
    for unit in ("kB", "MB", "GB"):
        size_f = size / 1000
        if size_f < 1000 or unit == "GB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    raise AssertionError("unreachable")


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or "content-encoding" in response.headers:
        return None  # a compressed length says nothing about the size the API meant to send
    try:
        return int(value)
    except ValueError:
        return None


def _decode(data: bytes, media_type: str | None, charset: str | None, *, final: bool) -> str | None:
    """Strict decoding; None when the bytes are not text in the declared (or assumed) charset."""
    if charset is None:
        # JSON is UTF-8 by RFC 8259; detect_encoding also honours a UTF-16/32 BOM. Else UTF-8.
        charset = json.detect_encoding(data) if is_json_media_type(media_type) else "utf-8-sig"
    try:
        decoder = codecs.getincrementaldecoder(charset)(errors="strict")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        # final=False tolerates a character cut in half by the byte cap.
        text = decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return None
    if media_type is None and "\x00" in text[:1024]:
        return None  # no content type and NUL bytes: binary that happens to be valid UTF-8
    return text


def _compact_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (ValueError, RecursionError):
        return text  # not JSON after all (or numbers JSON can't write back): show it as sent


def _marker(note: str, shown: int) -> str:
    return f"\n[truncated: {note}, showing the first {shown:,} characters]"


def _cut(text: str, limit: int, marker: Callable[[int], str]) -> str:
    """The longest start of ``text`` that, with ``marker(shown)`` after it, fits in ``limit``."""
    shown = min(len(text), limit)
    while True:
        room = limit - len(marker(shown))
        if room < 0:
            return text[:limit]  # a cap too small for the marker itself
        if shown <= room:
            break
        shown = room  # a smaller count never makes the marker longer, so this converges
    more = min(len(text), room)  # the marker may have shrunk: use the room it left, if it still fits
    if len(marker(more)) == len(marker(shown)):
        shown = more
    return text[:shown] + marker(shown)
