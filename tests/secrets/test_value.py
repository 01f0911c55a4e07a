"""SecretValue never shows its text by any accidental path, and behaves as a value."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import traceback

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from actionforge.secrets import REDACTED, SecretValue, redactor

SECRET = "sk-live-Qz7PwV3nLm9Xy2Rt"


def test_repr_str_and_formatting_never_show_the_value() -> None:
    s = SecretValue(SECRET)
    renderings = [
        repr(s),
        str(s),
        f"{s}",
        f"{s!r}",
        f"{s:>40}",
        format(s, "s"),
        "%s" % s,  # noqa: UP031 - the %-operator is a path to test
        "%r" % s,  # noqa: UP031
        "{} {!r}".format(s, s),  # noqa: UP032
        repr([s, {"k": s}, (s,)]),
        str({"key": s}),
    ]
    for text in renderings:
        assert SECRET not in text
        assert "Qz7P" not in text
    assert repr(s) == "SecretValue('**********')"
    assert str(s) == "**********"


def test_reveal_returns_the_text() -> None:
    assert SecretValue(SECRET).reveal() == SECRET


def test_empty_secret_shows_as_empty_and_is_false() -> None:
    empty = SecretValue("")
    assert not empty
    assert SecretValue("x")
    assert repr(empty) == "SecretValue('')"


def test_equality_is_by_value_and_only_with_secret_values() -> None:
    assert SecretValue(SECRET) == SecretValue(SECRET)
    assert SecretValue(SECRET) != SecretValue(SECRET + "x")
    assert SecretValue(SECRET) != SECRET  # no silent mixing with plain text
    assert SecretValue("naïve-üñí") == SecretValue("naïve-üñí")  # non-ASCII goes through bytes
    assert len({SecretValue(SECRET), SecretValue(SECRET), SecretValue("other-secret")}) == 2
    assert {SecretValue(SECRET): 1}[SecretValue(SECRET)] == 1


def test_is_immutable() -> None:
    s = SecretValue(SECRET)
    with pytest.raises(AttributeError):
        s._value = "changed"
    with pytest.raises(AttributeError):
        del s._value
    assert s.reveal() == SECRET


def test_pickle_is_refused_and_copy_keeps_the_object() -> None:
    s = SecretValue(SECRET)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(s, protocol=protocol)
    assert copy.copy(s) is s
    assert copy.deepcopy({"k": [s]})["k"][0] is s


def test_json_refuses_or_masks() -> None:
    s = SecretValue(SECRET)
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps({"key": s})
    assert json.dumps({"key": s}, default=str) == '{"key": "**********"}'


def test_exceptions_carrying_a_secret_do_not_show_it() -> None:
    s = SecretValue(SECRET)
    try:
        raise ValueError("bad credential", s, {"api_key": s})
    except ValueError as exc:
        text = "".join(traceback.format_exception(exc)) + str(exc) + repr(exc)
    assert SECRET not in text


def test_logging_with_secret_args_does_not_show_it(caplog: pytest.LogCaptureFixture) -> None:
    s = SecretValue(SECRET)
    with caplog.at_level(logging.INFO):
        log = logging.getLogger("actionforge.test")
        log.info("key=%s repr=%r", s, s)
        log.info(f"f-string {s} {s!r}")
        log.info("mapping %(key)s", {"key": s})
    assert SECRET not in caplog.text
    assert "**********" in caplog.text


def test_wraps_secret_values_and_pydantic_secret_str_but_nothing_else() -> None:
    assert SecretValue(SecretValue(SECRET)).reveal() == SECRET
    assert SecretValue(SecretStr(SECRET)).reveal() == SECRET
    with pytest.raises(TypeError, match="wraps a str"):
        SecretValue(b"bytes")  # type: ignore[arg-type]


def test_creating_one_registers_it_with_the_process_redactor() -> None:
    value = "registered-0a9f8e7d6c5b"
    assert value not in redactor()
    SecretValue(value)
    assert value in redactor()
    assert redactor().redact(f"leaked {value}!") == f"leaked {REDACTED}!"


class Credentials(BaseModel):
    api_key: SecretValue
    note: str = ""


def test_pydantic_field_validates_and_dumps_masked_json() -> None:
    model = Credentials(api_key=SECRET)
    assert isinstance(model.api_key, SecretValue)
    assert model.api_key.reveal() == SECRET
    assert SECRET not in repr(model)
    assert SECRET not in str(model)
    assert model.model_dump()["api_key"] == SecretValue(SECRET)
    assert json.loads(model.model_dump_json()) == {"api_key": "**********", "note": ""}
    assert model.model_dump(mode="json")["api_key"] == "**********"
    from_json = Credentials.model_validate_json(json.dumps({"api_key": SECRET}))
    assert from_json.api_key.reveal() == SECRET
    assert Credentials(api_key=SecretStr(SECRET)).api_key.reveal() == SECRET
    assert Credentials(api_key=SecretValue(SECRET)).api_key.reveal() == SECRET


def test_pydantic_rejects_non_strings_without_echoing_input() -> None:
    with pytest.raises(ValidationError) as info:
        Credentials(api_key=12345)
    assert "api_key" in str(info.value)


def test_pydantic_json_schema_is_a_write_only_password() -> None:
    schema = Credentials.model_json_schema()["properties"]["api_key"]
    assert schema["type"] == "string"
    assert schema["format"] == "password"
    assert schema["writeOnly"] is True
