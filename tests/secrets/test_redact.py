"""Redaction: registered values, credential-shaped text, headers, URLs and log records."""

from __future__ import annotations

import base64
import importlib
import json
import logging
import re
import secrets
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionforge.secrets import (
    REDACTED,
    RedactingFilter,
    Redactor,
    SecretValue,
    install_log_redaction,
    is_sensitive_header,
    is_sensitive_param,
    redact,
    redact_headers,
    redact_url,
    uninstall_log_redaction,
)

SECRET = "zq8-Distinctive-Secret-4471"
# The module, which the package's `redact` function shadows as an attribute.
redact_module = importlib.import_module("actionforge.secrets.redact")


@pytest.fixture
def r() -> Redactor:
    fresh = Redactor()
    fresh.add(SECRET)
    return fresh


# --- registered values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote_plus("pa ss/w:rd&" + SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
    ],
)
def test_value_and_its_encodings_are_masked(encoded: str) -> None:
    r = Redactor()
    r.add("pa ss/w:rd&" + SECRET if "pa+ss" in encoded else SECRET)
    text = f"before {encoded} after"
    assert r.redact(text) == f"before {REDACTED} after"


def test_json_escaped_form_is_masked() -> None:
    r = Redactor()
    value = 'quote"and\\backslash-secret'
    r.add(value)
    dumped = json.dumps({"v": value})
    assert "backslash-secret" not in r.redact(dumped)


def test_every_occurrence_and_overlapping_values_are_masked(r: Redactor) -> None:
    r.add("abcdef-one")
    r.add("one-ghijkl")
    assert r.redact(f"{SECRET}{SECRET} x {SECRET}") == f"{REDACTED} x {REDACTED}"
    assert r.redact("<abcdef-one-ghijkl>") == f"<{REDACTED}>"


def test_longest_value_wins_when_one_prefixes_another() -> None:
    r = Redactor()
    r.add("prefix-secret")
    r.add("prefix-secret-longer-part")
    assert r.redact("x prefix-secret-longer-part y") == f"x {REDACTED} y"


def test_short_values_are_not_registered() -> None:
    r = Redactor(min_length=4)
    assert r.add("abc") is False
    assert "abc" not in r
    assert r.redact("abc abcabc") == "abc abcabc"
    assert r.add("abcd") is True
    assert r.redact("xabcdx") == f"x{REDACTED}x"


def test_bounded_oldest_values_are_evicted() -> None:
    r = Redactor(max_secrets=3)
    values = [f"bounded-value-{i}" for i in range(5)]
    for v in values:
        r.add(v)
    assert len(r) == 3
    text = " ".join(values)
    assert r.redact(text) == " ".join(values[:2] + [REDACTED] * 3)


def test_re_adding_refreshes_a_value() -> None:
    r = Redactor(max_secrets=2)
    r.add("first-value")
    r.add("second-value")
    r.add("first-value")  # now the newest
    r.add("third-value")  # evicts second-value
    assert "first-value" in r
    assert "second-value" not in r


def test_clear_forgets_values(r: Redactor) -> None:
    r.clear()
    assert r.redact(SECRET) == SECRET


@settings(max_examples=80, deadline=None)
@given(
    # A value inside the mask itself ("REDA") shows in every masked text: it is masked all the same.
    secret=st.text(min_size=4, max_size=30).filter(
        lambda s: s.strip() == s and len(s) >= 4 and s not in REDACTED
    ),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_a_registered_value_never_survives(secret: str, before: str, after: str) -> None:
    r = Redactor()
    r.add(secret)
    assert secret not in r.redact(before + secret + after)


# Characters no shape rule needs, so what `redact` returns is the known values' masking alone.
_PLAIN = "abcxyz XYZ0189-_.%+/~\\\n{}[](),é漢😀"


def masked_by_scanning_every_position(text: str, secrets_kept: list[str], min_length: int) -> str:
    """The known values' masking worked out the slow, plain way: at every position of ``text``,
    the longest form of any kept value that starts there; overlapping spans merged."""
    forms = {f for s in secrets_kept for f in redact_module.encodings_of(s) if len(f) >= min_length}
    spans: list[tuple[int, int]] = []
    for i in range(len(text)):
        found = [f for f in forms if text.startswith(f, i)]
        if found:
            spans.append((i, i + max(map(len, found))))
    out: list[tuple[int, int]] = []
    cursor = 0
    for start, end in spans:
        if out and start <= cursor:  # overlaps or touches the span before: one mask for both
            out[-1] = (out[-1][0], max(cursor, end))
            cursor = max(cursor, end)
            continue
        out.append((start, end))
        cursor = end
    pieces: list[str] = []
    cursor = 0
    for start, end in out:
        pieces += [text[cursor:start], REDACTED]
        cursor = end
    return "".join(pieces) + text[cursor:]


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.text(alphabet=_PLAIN, min_size=4, max_size=12), min_size=1, max_size=6),
    pieces=st.lists(st.text(alphabet=_PLAIN, max_size=15), max_size=8),
    picks=st.lists(st.integers(min_value=0, max_value=5), max_size=8),
    max_secrets=st.integers(min_value=1, max_value=4),
)
def test_known_values_are_masked_as_a_scan_of_every_position_would(
    values: list[str], pieces: list[str], picks: list[int], max_secrets: int
) -> None:
    # Only the runs of characters some registered form holds are scanned; the alphabet grows and
    # shrinks as values are added and evicted. The result must be the plain scan's.
    r = Redactor(max_secrets=max_secrets)
    for value in values:
        r.add(value)
    kept = [v for v in values if v in r]
    text = "".join(piece + values[pick % len(values)] for piece, pick in zip(pieces, picks, strict=False))
    assert r.redact(text) == masked_by_scanning_every_position(text, kept, r.min_length)


def test_a_value_made_of_separators_is_masked_inside_a_json_body() -> None:
    r = Redactor()
    r.add('pa ss": {x}')  # spaces, a quote, a colon and braces: the scan's alphabet takes them in
    body = json.dumps({"items": [{"note": 'pa ss": {x}'}] * 3})
    assert "pa ss" not in r.redact(body)
    r.clear()
    r.add("plain-token-77")
    assert r.redact('{"note": "pa ss"}') == '{"note": "pa ss"}'


@settings(max_examples=300, deadline=None)
@given(name=st.from_regex(redact_module._SENSITIVE_NAME, fullmatch=True))
def test_every_sensitive_name_holds_a_word_the_quick_check_looks_for(name: str) -> None:
    # A text without any of these words skips the named-value rules: no name in it may be one
    # they would mask.
    assert redact_module._may_name_a_credential(name)
    assert redact_module._may_name_a_credential(f'{{"page": 2, "{name}": "x"}}')


def test_the_quick_check_folds_case_as_re_does() -> None:
    # Every character `re.IGNORECASE` matches to an ASCII letter is one, or one of the twins.
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {chr(cp) for cp in range(128, 0x110000) if letter.fullmatch(chr(cp))}
    twins = {chr(cp): ascii_ for cp, ascii_ in redact_module._IGNORECASE_TWINS.items()}
    assert set(twins) == found
    for twin, ascii_ in twins.items():
        assert re.fullmatch(ascii_, twin, re.IGNORECASE)


@pytest.mark.parametrize(
    "name", ["X-API-KEY", "Authorization", "client_secret", "PassWd", "session-id", "x_ſecret", "toKen"]
)
def test_sensitive_names_in_any_case_are_found_by_the_quick_check(name: str) -> None:
    assert redact_module._SENSITIVE_NAME.fullmatch(name) is not None
    body = json.dumps({"page": 1, name: "v4lue-here", "more": ["x"] * 5}, ensure_ascii=False)
    assert "v4lue-here" not in Redactor().redact(body)


def test_only_short_names_are_remembered() -> None:
    # The named-value rules remember which names are sensitive; a hostile body's long names are
    # judged each time instead, so they cannot fill the memory.
    remembered = redact_module._is_sensitive_short_name
    long_name = "n" * 5_000 + "_token"
    remembered.cache_clear()  # a full cache would hide a new entry
    before = remembered.cache_info().currsize
    assert Redactor().redact(f'{{"{long_name}": "v4lue-here"}}') == f'{{"{long_name}": "{REDACTED}"}}'
    assert remembered.cache_info().currsize == before
    assert Redactor().redact('{"short_token": "v4lue-here"}') == f'{{"short_token": "{REDACTED}"}}'
    assert remembered("short_token")
    assert remembered.cache_info().hits >= 1


def test_many_values_are_all_masked() -> None:
    # The scan files values by their first characters; with thousands filed, the first and the
    # last registered must both still be found. (Its speed against a flat regex: bench/redact.py.)
    r = Redactor()
    values = [secrets.token_urlsafe(24) for _ in range(10_000)]
    for v in values:
        r.add(v)
    line = 'INFO httpx: HTTP Request: GET https://api.example.com/v1/things?id=3 "HTTP/1.1 200 OK"'
    assert r.redact(line) == line
    assert r.redact(f"{line} {values[0]} {values[-1]}") == f"{line} {REDACTED} {REDACTED}"


# --- credential shapes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOi.J9xyz", f"Authorization: {REDACTED}"),
        ("proxy-authorization: Basic dXNlcjpwYXNz", f"proxy-authorization: {REDACTED}"),
        ("Cookie: session=abc123; theme=dark", f"Cookie: {REDACTED}"),
        ("Set-Cookie: sid=abc123; Path=/; HttpOnly", f"Set-Cookie: {REDACTED}"),
        ("X-Api-Key: k-123456\nAccept: application/json", f"X-Api-Key: {REDACTED}\nAccept: application/json"),
        ("x-goog-api-key: AIzaSyA", f"x-goog-api-key: {REDACTED}"),
        (
            '{"access_token": "ya29.a0Af", "token_type": "Bearer", "expires_in": 3599}',
            f'{{"access_token": "{REDACTED}", "token_type": "Bearer", "expires_in": 3599}}',
        ),
        (
            "{'Authorization': 'Bearer abc', 'Accept': '*/*'}",
            f"{{'Authorization': '{REDACTED}', 'Accept': '*/*'}}",
        ),
        (
            "[('authorization', 'Bearer abc'), ('host', 'x')]",
            f"[('authorization', '{REDACTED}'), ('host', 'x')]",
        ),
        (
            "grant_type=authorization_code&code=4%2F0Ad&client_secret=GOCSPX-1&redirect_uri=https%3A%2F%2Fa",
            f"grant_type=authorization_code&code={REDACTED}&client_secret={REDACTED}&redirect_uri=https%3A%2F%2Fa",
        ),
        (
            "Credentials(client_id='app', client_secret='s3cr3t')",
            f"Credentials(client_id='app', client_secret={REDACTED})",
        ),
        (
            "refresh_token=1//0gXyz and password = hunter2",
            f"refresh_token={REDACTED} and password = {REDACTED}",
        ),
        ("GET /v1?API_KEY=abc&q=1", f"GET /v1?API_KEY={REDACTED}&q=1"),
        ("https://h/cb?code=abc&state=xyz", f"https://h/cb?code={REDACTED}&state=xyz"),
        (
            "https://s3/o?X-Amz-Signature=ab12&X-Amz-Date=2024",
            f"https://s3/o?X-Amz-Signature={REDACTED}&X-Amz-Date=2024",
        ),
        ("https://maps/api?key=AIzaSy&sig=Zm9v", f"https://maps/api?key={REDACTED}&sig={REDACTED}"),
        ("postgres://admin:pa55word@db:5432/app", f"postgres://admin:{REDACTED}@db:5432/app"),
        ("upstream said: Bearer abc.def.ghi123 is invalid", f"upstream said: Bearer {REDACTED} is invalid"),
    ],
)
def test_credential_shapes_are_masked(text: str, expected: str) -> None:
    assert Redactor().redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "POST https://api.example.com/todo?api_key=sk-known-4f2a9 HTTP/1.1",
        "password=sk-known-4f2a9; next",
        '{"client_secret": "sk-known-4f2a9"}',
        "Authorization: Bearer sk-known-4f2a9",
    ],
)
def test_a_known_value_under_a_credential_name_is_masked_once(text: str) -> None:
    r = Redactor()
    r.add("sk-known-4f2a9")
    redacted = r.redact(text)
    assert redacted == text.replace("sk-known-4f2a9", REDACTED).replace(f"Bearer {REDACTED}", REDACTED)
    assert r.redact(redacted) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "status code=200 in 45ms",  # "code" outside a URL query is an ordinary word
        "token_type=bearer max_tokens=256",
        "Basic usage: see the docs",
        "Send a Bearer token in the header",
        "GET https://api.example.com/v1/pets?limit=10&offset=20",
        "Idempotency-Key: 8e1f",
        '{"name": "Rex", "tag": "dog"}',
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().redact(text) == text


def test_header_and_param_classification() -> None:
    for name in [
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "set-cookie",
        "X-Api-Key",
        "X-Auth-Token",
        "Ocp-Apim-Subscription-Key",
        "X-Amz-Security-Token",
        "api-key",
    ]:
        assert is_sensitive_header(name), name
    for name in ["Accept", "Content-Type", "Idempotency-Key", "X-Request-Id", "User-Agent"]:
        assert not is_sensitive_header(name), name
    for name in [
        "access_token",
        "api_key",
        "apikey",
        "key",
        "token",
        "client_secret",
        "code",
        "refresh_token",
        "password",
        "signature",
        "sig",
        "X-Amz-Signature",
        "id_token",
    ]:
        assert is_sensitive_param(name), name
    for name in ["state", "limit", "token_type", "max_tokens", "keyword", "redirect_uri"]:
        assert not is_sensitive_param(name), name


# --- headers and URLs -------------------------------------------------------------------------


def test_redact_headers(r: Redactor) -> None:
    headers = {
        "Authorization": "Bearer abc",
        "X-Api-Key": "k",
        "Accept": "application/json",
        "X-Custom-Header": f"prefix {SECRET}",
        "Cookie": "a=b",
    }
    assert r.redact_headers(headers) == {
        "Authorization": REDACTED,
        "X-Api-Key": REDACTED,
        "Accept": "application/json",
        "X-Custom-Header": f"prefix {REDACTED}",
        "Cookie": REDACTED,
    }
    assert r.redact_headers([("authorization", "x"), ("accept", "y")]) == {
        "authorization": REDACTED,
        "accept": "y",
    }


def test_redact_url(r: Redactor) -> None:
    url = (
        f"https://user:pw@api.example.com/v1/items/{SECRET}?Access_Token=abc&limit=5&key=AIza&sig=x"
        "#access_token=implicit&state=s"
    )
    assert r.redact_url(url) == (
        f"https://user:{REDACTED}@api.example.com/v1/items/{REDACTED}?Access_Token={REDACTED}"
        f"&limit=5&key={REDACTED}&sig={REDACTED}#access_token={REDACTED}&state=s"
    )
    plain = "https://api.example.com/v1/pets?limit=10&tags=a%2Cb"
    assert r.redact_url(plain) == plain


def test_module_level_helpers_use_the_process_redactor() -> None:
    value = SecretValue("process-wide-Distinctive-88")
    assert redact(f"x {value.reveal()}") == f"x {REDACTED}"
    assert redact_url(f"https://h/p?q={value.reveal()}") == f"https://h/p?q={REDACTED}"
    assert redact_headers({"X-Thing": value.reveal()}) == {"X-Thing": REDACTED}


# --- logging ----------------------------------------------------------------------------------


@pytest.fixture
def log_redaction(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    install_log_redaction()
    yield caplog
    uninstall_log_redaction()


def test_filter_redacts_messages_and_args(log_redaction: pytest.LogCaptureFixture) -> None:
    token = SecretValue("log-Distinctive-Token-5521").reveal()
    log = logging.getLogger("actionforge.some.child")  # propagates to root's handlers
    log.info("calling with %s", token)
    log.info("headers %r", {"Authorization": "Bearer abc.def.123"})
    log.warning(f"url https://h/p?api_key=ZZZ-distinct-{token}")
    log.debug("kw %(k)s", {"k": token})
    text = log_redaction.text
    assert token not in text
    assert "abc.def.123" not in text
    assert "ZZZ-distinct" not in text
    assert text.count(REDACTED) >= 4
    assert all(record.args is None for record in log_redaction.records)


def test_filter_redacts_exception_text(log_redaction: pytest.LogCaptureFixture) -> None:
    token = SecretValue("exc-Distinctive-Token-7730").reveal()
    try:
        raise RuntimeError(f"upstream rejected key {token}")
    except RuntimeError:
        logging.getLogger("actionforge.calls").exception("call failed")
    assert token not in log_redaction.text
    assert "RuntimeError: upstream rejected key [REDACTED]" in log_redaction.text
    assert "Traceback" in log_redaction.text


def test_filter_redacts_stack_info(log_redaction: pytest.LogCaptureFixture) -> None:
    token = SecretValue("stack-Distinctive-Token-3141").reveal()

    def helper(secret_arg: str) -> None:
        logging.getLogger("x").info("here", stack_info=True)

    helper(token)
    assert log_redaction.records[0].stack_info is not None
    assert token not in log_redaction.records[0].stack_info


def test_filter_survives_a_bad_format_string() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s %s", (SECRET,), None)
    r = Redactor()
    r.add(SECRET)
    assert RedactingFilter(r).filter(record) is True
    assert SECRET not in record.getMessage()


def test_install_is_idempotent() -> None:
    logger = logging.getLogger("actionforge.test.install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        first = install_log_redaction(logger)
        second = install_log_redaction(logger)
        assert first is second
        assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        uninstall_log_redaction(logger)
        assert not logger.filters
        assert not handler.filters
    finally:
        logger.removeHandler(handler)


# --- texts remembered as holding no credential shape -------------------------------------------


def test_a_value_registered_after_its_text_was_remembered_is_still_masked() -> None:
    fresh = Redactor()
    text = "deploy-id: late-registered-value-0042"
    assert fresh.redact(text) == text  # nothing to mask yet: the text is remembered as shape-free
    fresh.add("late-registered-value-0042")
    assert fresh.redact(text) == f"deploy-id: {REDACTED}"


def test_a_credential_shaped_text_is_masked_every_time_and_never_remembered() -> None:

    text = "callback?access_token=abc123def456"
    for _ in range(3):
        assert Redactor().redact(text) == f"callback?access_token={REDACTED}"
    assert text not in redact_module._shape_free


def test_the_remembered_texts_stay_bounded() -> None:

    for i in range(redact_module._SHAPE_FREE_ENTRIES_MAX + 10):
        Redactor().redact(f"plain text number {i}")
    assert 0 < len(redact_module._shape_free) <= redact_module._SHAPE_FREE_ENTRIES_MAX
    long_text = "x" * (redact_module._SHAPE_FREE_TEXT_MAX + 1)
    Redactor().redact(long_text)
    assert long_text not in redact_module._shape_free
