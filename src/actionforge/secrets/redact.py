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

Matching. One ``a|b|c…`` regex over thousands of values tries every value at every text position
(measured: 7 s per 1,000 short lines with 10,000 values). A trie-shaped regex matches fast but takes
seconds to recompile as values keep arriving. Instead every value is filed under its first
``min_length`` characters, and `redact` looks each ``min_length``-character window of the text up
in that dict (a fixed-window hash scan, as in Rabin–Karp), checking the few values filed there with
``startswith``. Cost: one dict lookup per text position whatever the number of values, nothing to
rebuild when one is added (measured with 20,000 values: about 20 µs per 100-character log line).
Every position that could start a value is checked, so overlapping values are all found.

Only the runs of the text made of characters some registered form holds are scanned, found by
one regex in C: a value's every character is in that alphabet, so it lies inside one run. Typical
tokens hold no quote, colon, comma, brace or space, so a JSON body's separators are skipped:
bench/redact.py's 100,000-character body took 19-30 ms to scan before, 9 ms now (the alphabet of
`secrets.token_urlsafe` values still takes in its words and numbers). The alphabet is kept as a
count per character, and its regex is made again only when a character comes or goes.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
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

_SENSITIVE_HEADER = re.compile(_HEADER_NAME, re.IGNORECASE)
_SENSITIVE_PARAM = re.compile(rf"{_PARAM_NAME}|{_QUERY_ONLY_NAME}", re.IGNORECASE)
_SENSITIVE_NAME = re.compile(rf"{_HEADER_NAME}|{_PARAM_NAME}", re.IGNORECASE)
# A word every name `_SENSITIVE_NAME` accepts holds, lower-cased: a text without one has no
# sensitive name, and the named-value rules' loop over every ``"name":`` of a JSON body (about
# 20 ms per 100,000 characters) is skipped. Searched in the text folded as `re.IGNORECASE` folds
# it: the same search with that flag took 15 ms per 100,000 characters, lower-casing and a plain
# search 1.6 ms. Tests check the words against the names, and the twins against `re`.
_SENSITIVE_WORD = re.compile(
    "authorization|cookie|key|token|secret|signature|passw(?:or)?d|pwd|credential|session|assertion"
)
# The characters other than ASCII letters that `re.IGNORECASE` takes for an ASCII letter.
_IGNORECASE_TWINS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})

# Rules that find a name followed by a separator; the value after it is masked when the name is
# sensitive. Candidate names are matched generically and judged by `_SENSITIVE_NAME` afterwards:
# putting the name list into these patterns made them backtrack at every word (measured 10x slower).
_NAME_TOKEN = r"[A-Za-z_][\w.-]*"
_QUOTED_VALUE = {q: re.compile(rf"(?:\\.|[^{q}\\])*") for q in "\"'"}
_HEADER_VALUE = re.compile(r"[^\r\n]*")
_ASSIGNED_VALUE = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^\s&#"'<>,;)\]}]*""")
# Each rule with the characters one of which any match contains: a text without them is not
# scanned (a substring test is far cheaper than a regex pass, and most log lines and header values
# hold few of them).
_NAMED_VALUE_RULES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], re.Pattern[str]]], ...] = (
    # 'name': 'value' / "name": "value" / ('name', 'value'): JSON, dict and tuple reprs.
    (
        "\"'",
        re.compile(rf"""(?P<q>["'])(?P<name>{_NAME_TOKEN})(?P=q)\s*[:=,]\s*(?P<v>["'])"""),
        lambda m: _QUOTED_VALUE[m["v"]],
    ),
    # Name: value: a header line, YAML; the value runs to the end of the line.
    (":", re.compile(rf"(?<![\w.-])(?P<name>{_NAME_TOKEN})[ \t]*:[ \t]*(?=\S)"), lambda m: _HEADER_VALUE),
    # name=value, name='value': query strings, form bodies, cookies, keyword reprs.
    ("=", re.compile(rf"(?<![\w.-])(?P<name>{_NAME_TOKEN})\s*=\s*"), lambda m: _ASSIGNED_VALUE),
)

# Rules whose match, apart from group "keep", is the credential; each with text any match holds.
_SHAPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (needed, re.compile(p))
    for needed, p in (
        ("=", rf"(?P<keep>(?<=[?&;])(?i:{_QUERY_ONLY_NAME})=)[^\s&#\"'<>]*"),
        # scheme://user:password@host
        ("@", r"(?P<keep>://[^/\s:@?#]*:)[^/\s@?#]+(?=@)"),
        # Bearer and Basic credentials anywhere, when they look like tokens rather than prose
        # ("token_type=bearer max_tokens=5", "Basic usage").
        ("Bearer", r"(?P<keep>\bBearer\s+)(?=[A-Za-z._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}=*"),
        ("Basic", r"(?P<keep>\bBasic\s+)(?=[A-Za-z]*[0-9+/=])[A-Za-z0-9+/]{4,}=*"),
    )
)


# Every text any rule can match holds one of these: most header values and many bodies hold none,
# and one search for them in C (about 0.3 µs) then stands for the five rules (about 5 µs).
_ANY_RULE_NEEDS = re.compile(
    "|".join(
        re.escape(needed)
        for needed in sorted(
            {c for chars, _, _ in _NAMED_VALUE_RULES for c in chars} | {needed for needed, _ in _SHAPE_RULES}
        )
    )
)


# Short texts the rules found nothing in, remembered (a bounded set, emptied when full). Why: a
# server redacts the same header values, hosts and small bodies on every request ("127.0.0.1:8000",
# a date, "application/json"), and a set lookup (0.1 µs) replaces the rules' passes (2-4 µs). Only
# texts that hold no credential shape are kept, so the set never holds a credential. Registered
# values are masked before this step, on every call.
_SHAPE_FREE_TEXT_MAX = 256
_SHAPE_FREE_ENTRIES_MAX = 4096
_shape_free: set[str] = set()


def _redact_shapes(text: str) -> str:
    if text in _shape_free:
        return text
    redacted = _apply_shape_rules(text)
    if redacted == text and len(text) <= _SHAPE_FREE_TEXT_MAX:
        if len(_shape_free) >= _SHAPE_FREE_ENTRIES_MAX:
            _shape_free.clear()
        _shape_free.add(text)
    return redacted


def _apply_shape_rules(text: str) -> str:
    if _ANY_RULE_NEEDS.search(text) is None:
        return text
    if _may_name_a_credential(text):
        text = _apply_named_value_rules(text)
    for needed, rule in _SHAPE_RULES:
        if needed in text:
            text = rule.sub(lambda m: m.group("keep") + REDACTED, text)
    return text


def _may_name_a_credential(text: str) -> bool:
    folded = text if text.isascii() else text.translate(_IGNORECASE_TWINS)
    return _SENSITIVE_WORD.search(folded.lower()) is not None


def _is_sensitive_name(name: str) -> bool:
    if len(name) > _NAME_CACHED_MAX:  # an API's answer is not trusted to fill memory with names
        return _SENSITIVE_NAME.fullmatch(name) is not None
    return _is_sensitive_short_name(name)


_NAME_CACHED_MAX = 64


@lru_cache(maxsize=4096)  # a body repeats its few names; the check is a slow case-blind regex
def _is_sensitive_short_name(name: str) -> bool:
    return _SENSITIVE_NAME.fullmatch(name) is not None


def _apply_named_value_rules(text: str) -> str:
    for needed, name_rule, value_rule in _NAMED_VALUE_RULES:
        if not any(c in text for c in needed):
            continue
        out: list[str] = []
        cursor = 0
        for m in name_rule.finditer(text):
            if m.start() < cursor or not _is_sensitive_name(m["name"]):
                continue
            if text.startswith(REDACTED, m.end()):  # masked already (a known value): keep it whole
                continue
            value = value_rule(m).match(text, m.end())
            if value is None or value.end() == m.end():
                continue
            out += (text[cursor : m.end()], REDACTED)
            cursor = value.end()
        text = "".join(out) + text[cursor:] if out else text
    return text


@lru_cache(maxsize=1024)  # a server sees the same few header names on every request
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


class Redactor:
    """Masks registered secret values and credential-shaped text. Thread-safe."""

    def __init__(
        self, *, max_secrets: int = DEFAULT_MAX_SECRETS, min_length: int = DEFAULT_MIN_LENGTH
    ) -> None:
        if max_secrets < 1 or min_length < 1:
            raise ValueError("max_secrets and min_length must be at least 1")
        self.max_secrets = max_secrets
        self.min_length = min_length
        self._lock = threading.Lock()  # guards writers; readers see whole tuples, never half updates
        self._secrets: OrderedDict[str, frozenset[str]] = OrderedDict()  # value -> its forms, oldest first
        self._form_refs: dict[str, int] = {}  # form -> how many registered values have it
        self._by_key: dict[str, tuple[str, ...]] = {}  # first min_length chars -> forms, longest first
        self._char_refs: dict[str, int] = {}  # character -> how many filed forms hold it
        self._runs: re.Pattern[str] | None = None  # runs of those characters, min_length or longer

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
            for form in forms:
                self._form_refs[form] = self._form_refs.get(form, 0) + 1
                if self._form_refs[form] == 1:
                    self._file(form)
            while len(self._secrets) > self.max_secrets:
                _, evicted = self._secrets.popitem(last=False)
                for form in evicted:
                    self._form_refs[form] -= 1
                    if not self._form_refs[form]:
                        del self._form_refs[form]
                        self._unfile(form)
        return True

    def _file(self, form: str) -> None:
        # The alphabet grows before the form is filed: a reader never finds a form in `_by_key`
        # whose characters its `_runs` would skip.
        chars = set(form)
        grows = not chars <= self._char_refs.keys()
        for c in chars:
            self._char_refs[c] = self._char_refs.get(c, 0) + 1
        if grows:
            self._runs = _runs_of(self._char_refs, self.min_length)
        key = form[: self.min_length]
        filed = (*self._by_key.get(key, ()), form)
        self._by_key[key] = tuple(sorted(filed, key=len, reverse=True))

    def _unfile(self, form: str) -> None:
        key = form[: self.min_length]
        remaining = tuple(f for f in self._by_key.get(key, ()) if f != form)
        if remaining:
            self._by_key[key] = remaining
        else:
            self._by_key.pop(key, None)
        gone = False
        for c in set(form):
            self._char_refs[c] -= 1
            if not self._char_refs[c]:
                del self._char_refs[c]
                gone = True
        if gone:
            self._runs = _runs_of(self._char_refs, self.min_length) if self._char_refs else None

    def __len__(self) -> int:
        return len(self._secrets)

    def __contains__(self, secret: object) -> bool:
        return secret in self._secrets

    def clear(self) -> None:
        """Forget every registered value (the shape rules stay)."""
        with self._lock:
            self._secrets.clear()
            self._form_refs.clear()
            self._by_key.clear()
            self._char_refs.clear()
            self._runs = None

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
        by_key, width, runs = self._by_key, self.min_length, self._runs
        if not by_key or runs is None:
            return text
        spans: list[tuple[int, int]] = []
        for run in runs.finditer(text):  # a form lies inside one run (see the module's docstring)
            for start in range(run.start(), run.end() - width + 1):
                filed = by_key.get(text[start : start + width])
                if filed:
                    for form in filed:  # longest first
                        if text.startswith(form, start):
                            spans.append((start, start + len(form)))
                            break
        if not spans:
            return text
        out: list[str] = []
        cursor = 0
        start, end = spans[0]  # found in order of start; merge overlapping ones
        for s, e in spans[1:]:
            if s <= end:
                end = max(end, e)
                continue
            out += (text[cursor:start], REDACTED)
            cursor, (start, end) = end, (s, e)
        out += (text[cursor:start], REDACTED, text[end:])
        return "".join(out)


def _runs_of(chars: Iterable[str], width: int) -> re.Pattern[str]:
    """The runs of ``chars`` at least ``width`` long."""
    return re.compile(f"[{''.join(re.escape(c) for c in sorted(chars))}]{{{width},}}")


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
