"""The one redaction step every log line, debug record and error message goes through.

Two kinds of rule, both applied by `Redactor.redact`:

* **Known values.** Every `SecretValue` registers its text here (`Redactor.add`), so it is masked
  wherever it turns up, whatever surrounds it. Registered with each value: its URL-encoded forms,
  its JSON-escaped form and, for values of 8 characters or more, its base64 / base64url encoding
  (without padding, which therefore also matches the padded form). Base64 of a value *embedded* in a
  larger string (``base64("user:secret")``) is not covered: its characters depend on the offset;
  the ``Authorization`` rule below covers the usual place it appears.
* **Shapes.** Values of credential-bearing headers (``Authorization``, ``Proxy-Authorization``,
  ``Cookie``, ``Set-Cookie``, ``X-Api-Key``-like names), of credential-bearing keys in query strings,
  form bodies, JSON and reprs (``access_token``, ``api_key``, ``client_secret``, ``password``,
  ``signature``… and, inside a URL query only, the short ``code``, ``key``, ``sig``, ``auth``), URL
  user-info passwords and ``Bearer`` tokens. These catch credentials the process never wrapped.
  They over-redact a little (``token: expired`` loses its value); that is the right side to err on.

Bounds and cost. A redactor keeps at most ``max_secrets`` values (10,000 by default); when full it
forgets the oldest, which may then appear in logs again: the trade-off for a process that mints
tokens forever without growing without limit. Values shorter than ``min_length`` (4) are not
registered, so a one-letter "secret" cannot mask every "a" in the logs.

Matching thousands of values with one ``a|b|c…`` regex costs O(values) per text position (about 7 s
per 1,000 short lines with 10,000 values, measured); the values are therefore compiled into
trie-shaped regexes (one branch per distinct next character), which cost O(secret length) per
position (about 30 ms per 1,000 lines). Compiling such a regex is itself O(total characters), so
new values go into small regexes that are merged with older ones only when they reach a similar
size (the "logarithmic method"): registering n values costs O(n log n) compile work in total instead
of O(n²), and a redaction runs at most about log₂(n) regexes.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

DEFAULT_MAX_SECRETS = 10_000
DEFAULT_MIN_LENGTH = 4
_BASE64_MIN_LENGTH = 8

# Header names whose value is a credential (matched whole, case-insensitively).
_HEADER_NAME = (
    r"(?:proxy-)?authorization|(?:set-)?cookie"
    r"|[a-z0-9-]*(?:api-?key|auth-?key|access-?key|subscription-?key"
    r"|token|secret|signature|password|passwd|credentials?|session-?id)"
)
# Query / form / JSON keys whose value is a credential: the name ends with one of these words.
_PARAM_NAME = (
    r"[a-z0-9._-]*?(?:token|secret|password|passwd|pwd|api[_-]?key|apikey|signature"
    r"|credentials?|assertion|session[_-]?id)"
)
# Short names that are credentials inside a URL query or form body, and ordinary words elsewhere.
_QUERY_ONLY_NAME = r"code|key|sig|auth"
_NAME = rf"(?:{_HEADER_NAME}|{_PARAM_NAME})"
_AFTER_NAME = r"(?![\w.-])"

_SENSITIVE_HEADER = re.compile(_HEADER_NAME, re.IGNORECASE)
_SENSITIVE_PARAM = re.compile(rf"{_PARAM_NAME}|{_QUERY_ONLY_NAME}", re.IGNORECASE)

# Each rule keeps group "keep" and replaces the rest of the match with REDACTED.
_SHAPE_RULES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # 'name': 'value' / "name": "value" / ('name', 'value'): JSON, dict and tuple reprs.
        rf"""(?P<keep>(?P<q>["']){_NAME}(?P=q)\s*[:=,]\s*(?P<v>["']))(?:\\.|(?!(?P=v))[^\\])*(?=(?P=v))""",
        # Name: value: a header line, YAML; the value runs to the end of the line.
        rf"(?P<keep>(?<![\w.-]){_NAME}{_AFTER_NAME}[ \t]*:[ \t]*)(?=\S)[^\r\n]*",
        # name=value, name='value': query strings, form bodies, cookies, keyword reprs.
        rf"""(?P<keep>(?<![\w.-]){_NAME}{_AFTER_NAME}\s*=\s*)"""
        rf"""(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^\s&#"'<>,;)\]}}]*)""",
        rf"(?P<keep>(?<=[?&;])(?:{_QUERY_ONLY_NAME})=)[^\s&#\"'<>]*",
        # scheme://user:password@host
        r"(?P<keep>://[^/\s:@?#]*:)[^/\s@?#]+(?=@)",
        # Bearer and Basic credentials anywhere, when they look like tokens rather than prose
        # ("token_type=bearer max_tokens=5", "Basic usage").
        r"(?P<keep>\b(?-i:Bearer)\s+)(?=[A-Za-z._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}=*",
        r"(?P<keep>\b(?-i:Basic)\s+)(?=[A-Za-z]*[0-9+/=])[A-Za-z0-9+/]{4,}=*",
    )
)


def _redact_shapes(text: str) -> str:
    for rule in _SHAPE_RULES:
        text = rule.sub(lambda m: m.group("keep") + REDACTED, text)
    return text


def is_sensitive_header(name: str) -> bool:
    """True when a header of this name carries a credential (``Authorization``, ``X-Api-Key``…)."""
    return _SENSITIVE_HEADER.fullmatch(name.strip()) is not None


def is_sensitive_param(name: str) -> bool:
    """True when a query or form field of this name carries a credential (``access_token``…)."""
    return _SENSITIVE_PARAM.fullmatch(name.strip()) is not None


def encodings_of(secret: str) -> set[str]:
    """The forms of a secret that the redactor looks for, the secret itself included."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
    if len(secret) >= _BASE64_MIN_LENGTH:
        raw = secret.encode()
        forms.add(base64.b64encode(raw).decode().rstrip("="))
        forms.add(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return forms


_Trie = dict[str, "_Trie"]  # char -> subtree; "" marks the end of a word


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first, shaped as a trie (see module docstring).

    Written by hand because the standard library has no multi-string matcher and compiling a
    flat alternation makes every text position try every word.
    """
    root: _Trie = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        # Iterative over single-child chains so long secrets do not deepen the recursion.
        parts: list[str] = []
        while len(node) == 1 and "" not in node:
            ((ch, node),) = node.items()
            parts.append(re.escape(ch))
        if not node or list(node) == [""]:
            return "".join(parts)
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        group = "(?:" + "|".join(branches) + ")"
        if "" in node:
            group += "?"  # greedy: prefer the longer word sharing this prefix
        return "".join(parts) + group

    return emit(root)


@dataclass(frozen=True, slots=True)
class _Level:
    words: frozenset[str]
    pattern: re.Pattern[str]

    @classmethod
    def build(cls, words: frozenset[str]) -> _Level:
        # A lookahead finds a match at every position, so overlapping secrets are all found.
        return cls(words, re.compile("(?=(" + _trie_pattern(words) + "))"))


class Redactor:
    """Masks registered secret values and credential-shaped text. Thread-safe."""

    def __init__(
        self, *, max_secrets: int = DEFAULT_MAX_SECRETS, min_length: int = DEFAULT_MIN_LENGTH
    ) -> None:
        if max_secrets < 1 or min_length < 1:
            raise ValueError("max_secrets and min_length must be at least 1")
        self.max_secrets = max_secrets
        self.min_length = min_length
        self._lock = threading.Lock()
        self._secrets: OrderedDict[str, frozenset[str]] = OrderedDict()  # value -> its encodings
        self._pending: set[str] = set()  # encodings not compiled yet
        self._levels: tuple[_Level, ...] = ()  # compiled, larger first

    def add(self, secret: str) -> bool:
        """Register a value to mask from now on; False when it is too short to register."""
        if len(secret) < self.min_length:
            return False
        with self._lock:
            if secret in self._secrets:
                self._secrets.move_to_end(secret)
                return True
            forms = frozenset(f for f in encodings_of(secret) if len(f) >= self.min_length)
            self._secrets[secret] = forms
            self._pending |= forms
            while len(self._secrets) > self.max_secrets:
                self._secrets.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._secrets)

    def __contains__(self, secret: object) -> bool:
        return secret in self._secrets

    def clear(self) -> None:
        """Forget every registered value (the shape rules stay)."""
        with self._lock:
            self._secrets.clear()
            self._pending.clear()
            self._levels = ()

    def redact(self, text: str) -> str:
        """``text`` with every registered value and every credential-shaped value masked."""
        return _redact_shapes(self._redact_values(text))

    def redact_url(self, url: str) -> str:
        """``url`` with its user-info password and credential query/fragment values masked."""
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":" + REDACTED
            netloc = f"{userinfo}@{host}"
        rebuilt = urlunsplit(
            (parts.scheme, netloc, parts.path, _redact_query(parts.query), _redact_query(parts.fragment))
        )
        return self._redact_values(rebuilt)

    def redact_headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """A copy of ``headers`` with credential headers masked and secret values removed elsewhere."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        return {name: REDACTED if is_sensitive_header(name) else self.redact(value) for name, value in pairs}

    # --- known values ---------------------------------------------------------------------------

    def _redact_values(self, text: str) -> str:
        levels = self._compiled_levels()
        if not levels or len(text) < self.min_length:
            return text
        spans: list[tuple[int, int]] = []
        for level in levels:
            spans.extend((m.start(), m.start() + len(m.group(1))) for m in level.pattern.finditer(text))
        if not spans:
            return text
        spans.sort()
        out: list[str] = []
        cursor = 0
        start, end = spans[0]
        for s, e in spans[1:]:
            if s <= end:
                end = max(end, e)
                continue
            out += (text[cursor:start], REDACTED)
            cursor, (start, end) = end, (s, e)
        out += (text[cursor:start], REDACTED, text[end:])
        return "".join(out)

    def _compiled_levels(self) -> tuple[_Level, ...]:
        if not self._pending:
            return self._levels
        with self._lock:
            if self._pending:
                levels = [*self._levels, _Level.build(frozenset(self._pending))]
                self._pending = set()
                # Merge while the newest level is at least half the size of the one before it, so
                # sizes stay roughly geometric. Evicted values are dropped when their level merges.
                while len(levels) > 1 and 2 * len(levels[-1].words) >= len(levels[-2].words):
                    newer, older = levels.pop(), levels.pop()
                    live = frozenset().union(*self._secrets.values())
                    levels.append(_Level.build((older.words | newer.words) & live))
                self._levels = tuple(level for level in levels if level.words)
            return self._levels


def _redact_query(query: str) -> str:
    """Mask the values of credential fields in a query string, keeping the rest byte for byte."""
    if not query:
        return query
    fields = []
    for field in re.split(r"([&;])", query):
        name, eq, _ = field.partition("=")
        fields.append(f"{name}={REDACTED}" if eq and is_sensitive_param(unquote_plus(name)) else field)
    return "".join(fields)


@lru_cache(maxsize=1)
def redactor() -> Redactor:
    """The process-wide redactor that every `SecretValue` registers with."""
    return Redactor()


def redact(text: str) -> str:
    """Redact ``text`` with the process-wide redactor."""
    return redactor().redact(text)


def redact_url(url: str) -> str:
    """Redact a URL with the process-wide redactor."""
    return redactor().redact_url(url)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Redact a header mapping with the process-wide redactor."""
    return redactor().redact_headers(headers)


class RedactingFilter(logging.Filter):
    """Redacts a record's message, arguments, exception and stack text before any handler sees it.

    The message is rendered (``msg % args``) and redacted as a whole, because a secret may only
    become visible once the arguments are formatted in. The exception text is rendered here and
    ``exc_info`` cleared, so no handler can re-render the unredacted traceback.
    """

    def __init__(self, redactor_: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor_

    def filter(self, record: logging.LogRecord) -> bool:
        r = self._redactor or redactor()
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not turn into an unredacted traceback
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = r.redact(message), None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = r.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = r.redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach a `RedactingFilter` to ``logger`` (default: root) and to each of its handlers.

    Handler filters are what protect records propagated from child loggers (logger filters only
    see records logged on that very logger). Idempotent: a second call adds nothing. A handler added
    later needs ``handler.addFilter(...)`` with the returned filter, or another call.
    """
    target = logger or logging.getLogger()
    existing = next((f for f in target.filters if isinstance(f, RedactingFilter)), None)
    the_filter = existing or RedactingFilter()
    for owner in (target, *target.handlers):
        if not any(isinstance(f, RedactingFilter) for f in owner.filters):
            owner.addFilter(the_filter)
    return the_filter


def uninstall_log_redaction(logger: logging.Logger | None = None) -> None:
    """Remove what `install_log_redaction` attached (for tests and embedding applications)."""
    target = logger or logging.getLogger()
    for owner in (target, *target.handlers):
        for f in [f for f in owner.filters if isinstance(f, RedactingFilter)]:
            owner.removeFilter(f)
