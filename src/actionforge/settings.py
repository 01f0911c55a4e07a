"""Every limit and switch of the engine, with the original's values as defaults.

One frozen object is passed down explicitly instead of read from globals, so a library user can
run two differently-configured engines side by side. Values come from keyword arguments, else
from ``ACTIONFORGE_*`` environment variables (``ACTIONFORGE_CALL_TIMEOUT_S=90``, any case; sets
and lists as JSON, ``ACTIONFORGE_ALLOWED_PORTS='[443, 8443]'``), else the defaults. A value of the
wrong type or out of range, or an unknown name, is a `SettingsError` naming the setting.

A frozen dataclass rather than a pydantic model: every cold load builds one, and importing pydantic
and building the model cost about 85 ms of CPU, a sixth of loading GitHub's 5.7 MB description.
The checks pydantic made here are few (a type per field, one bound), so they are written out in
`_CONVERTERS` and `setting`. The server's own settings (`platform.settings`) stay pydantic.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actionforge.errors import ActionforgeError

if TYPE_CHECKING:  # imported when a key is given: a load without one needs no secrets stack
    from actionforge.secrets.value import SecretValue

ENV_PREFIX = "ACTIONFORGE_"


class SettingsError(ActionforgeError, ValueError):
    """A setting that does not exist, or a value it cannot take; the message names the setting."""


def setting(default: Any, *, ge: float | None = None, gt: float | None = None, description: str = "") -> Any:
    """A field with its bound (``ge``: at least, ``gt``: more than) and the meaning docs/settings.md shows."""
    return dataclasses.field(default=default, metadata={"ge": ge, "gt": gt, "description": description})


@dataclass(frozen=True, kw_only=True)
class Settings:
    # --- loading (spec layer) ---
    # Microsoft Graph's description (20.3 MB) fits; structural validation of it takes seconds.
    max_document_bytes: int = setting(25_000_000, ge=1)
    yaml_max_aliases: int = setting(1_000, ge=0)
    max_nesting_depth: int = setting(256, ge=8)
    allow_remote_refs: bool = setting(False)
    max_ref_documents: int = setting(64, ge=1)
    fetch_timeout_s: float = setting(20.0, gt=0)

    # --- the `gpt` profile's limits (openai-actions.md §2.3, §2.4) ---
    max_operations: int = setting(30, ge=1)
    max_operation_description_chars: int = setting(300, ge=1)
    max_parameter_description_chars: int = setting(700, ge=1)

    # --- calls ---
    call_timeout_s: float = setting(45.0, gt=0)
    max_response_bytes: int = setting(10_000_000, ge=1)
    max_response_chars: int = setting(100_000, ge=1)
    max_request_chars: int = setting(100_000, ge=1)
    retry_attempts: int = setting(2, ge=0, description="extra attempts after a 429/503, idempotent only")
    retry_backoff_s: float = setting(0.5, ge=0)
    retry_max_wait_s: float = setting(10.0, ge=0)
    repair_arguments: bool = setting(
        True, description="repair a model's small argument mistakes, each listed (calls.repairs)"
    )

    # --- egress ---
    allow_http: bool = setting(False)
    allowed_ports: frozenset[int] = setting(frozenset({443}))
    allow_any_port: bool = setting(False, description="ignore allowed_ports (development, internal APIs)")
    allow_loopback: bool = setting(False, description="development only: lets actions reach 127.0.0.1")
    allow_private_network: bool = setting(
        False,
        description="lets requests reach this machine and the private network (127/8, 10/8, 172.16/12, "
        "192.168/16, 100.64/10, fc00::/7, ::1); link-local and cloud metadata stay refused",
    )
    follow_redirects: bool = setting(False)
    max_redirects: int = setting(5, ge=0)

    # --- OAuth ---
    oauth_state_ttl_s: int = setting(600, ge=1)
    oauth_refresh_skew_s: int = setting(60, ge=0)
    oauth_login_timeout_s: float = setting(300.0, gt=0, description="CLI sign-in: wait for the browser")
    oauth_domain_exceptions: tuple[str, ...] = setting(
        (
            "google.com",
            "googleapis.com",
            "microsoft.com",
            "microsoftonline.com",
            "live.com",
            "adobe.com",
            "adobelogin.com",
        )
    )

    # --- secrets --- (`setting` returns a `dataclasses.field`, not a shared default: noqa RUF009)
    secret_key: SecretValue | None = setting(  # noqa: RUF009
        None, description="comma-separated base64 keys, newest first (never shown: a SecretValue)"
    )
    key_file: Path = setting(Path("actionforge.key"))  # noqa: RUF009

    # The generated __init__ keeps every keyword typed for type checkers, but cannot tell a value
    # given as a keyword (which wins) from a default (which the environment overrides), and refuses
    # an unknown name with a bare TypeError. `__new__` sees the keywords first: it refuses unknown
    # names and notes the given ones for `__post_init__`.
    def __new__(cls, **given: object) -> Settings:
        unknown = sorted(given.keys() - _field_names())
        if unknown:
            raise SettingsError(_unknown_message(unknown[0]))
        settings = super().__new__(cls)
        settings.__dict__["_given"] = frozenset(given)
        return settings

    def __post_init__(self) -> None:
        given: frozenset[str] = self.__dict__.pop("_given")
        environ = {name.upper(): text for name, text in os.environ.items()}
        for name, (convert, field) in _fields().items():
            variable = ENV_PREFIX + name.upper()
            if name not in given and variable in environ:
                value = _checked(
                    name, convert, field, _from_environment(environ[variable], convert), variable
                )
            else:
                value = _checked(name, convert, field, getattr(self, name), None)
            self.__dict__[name] = value  # frozen: set as the generated __init__ does


def _field_names() -> frozenset[str]:
    return frozenset(_fields())


@lru_cache(maxsize=1)
def _fields() -> dict[str, tuple[Callable[[Any], Any], dataclasses.Field[Any]]]:
    """Each setting's converter (by its annotation, as written: this module's annotations are
    strings) and field, looked up once."""
    return {field.name: (_CONVERTERS[str(field.type)], field) for field in dataclasses.fields(Settings)}


def _checked(
    name: str, convert: Callable[[Any], Any], field: dataclasses.Field[Any], value: Any, variable: str | None
) -> Any:
    """``value`` as the setting takes it, within its bound; else a `SettingsError` naming it."""
    where = f"{name} ({variable})" if variable else name
    try:
        value = convert(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"Settings: {where} {exc}") from None
    for bound, holds, words in (("ge", _at_least, "at least"), ("gt", _more_than, "more than")):
        limit = field.metadata[bound]
        if limit is not None and not holds(value, limit):
            raise SettingsError(f"Settings: {where} must be {words} {limit}, not {value!r}")
    return value


def _at_least(value: float, limit: float) -> bool:
    return value >= limit


def _more_than(value: float, limit: float) -> bool:
    return value > limit


def _from_environment(text: str, convert: Callable[[Any], Any]) -> Any:
    """An environment value as the field takes it: JSON for collections, else the text."""
    if convert in (_port_set, _string_tuple):
        try:
            return json.loads(text)
        except ValueError:
            return text  # the converter then refuses it, naming the variable
    return text


def _unknown_message(name: str) -> str:
    import difflib  # only on this error

    close = difflib.get_close_matches(name, sorted(_field_names()), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"Settings: there is no setting {name!r}{hint}"


# --- converters: what pydantic's lax mode accepted for each annotation ---------------------------


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a whole number, not {value!r}")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a number, not {value!r}")


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"must be true or false, not {value!r}")


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"must be a list, not {value!r}")
    return value


def _port_set(value: Any) -> frozenset[int]:
    return frozenset(_integer(item) for item in _items(value))


def _string_tuple(value: Any) -> tuple[str, ...]:
    items = tuple(_items(value))
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"must be a list of strings, not {value!r}")
    return items


def _secret(value: Any) -> SecretValue | None:
    if value is None:
        return None
    from actionforge.secrets.value import SecretValue

    try:
        return SecretValue(value)
    except TypeError:
        raise ValueError(f"must be a string, not a {type(value).__name__}") from None  # never the value


def _path(value: Any) -> Path:
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise ValueError(f"must be a path, not {value!r}")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "int": _integer,
    "float": _number,
    "bool": _boolean,
    "frozenset[int]": _port_set,
    "tuple[str, ...]": _string_tuple,
    "SecretValue | None": _secret,
    "Path": _path,
}


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """The process-wide settings read from the environment, built once."""
    return Settings()
