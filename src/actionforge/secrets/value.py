"""`SecretValue`: a credential that cannot leak by accident.

A plain ``str`` holding an API key ends up in a log line, an exception message or a ``repr`` of a
dataclass sooner or later. Wrapping it makes every accidental path print a mask, and makes the one
intended path explicit and greppable: ``.reveal()``.

Decisions:

* ``repr`` → ``SecretValue('**********')``, ``str``/``format``/f-strings → ``**********``, for any
  format spec. An empty secret shows as ``''`` so "not configured" is visible (it leaks nothing).
* Equality only with another ``SecretValue``, by value, in constant time
  (``hmac.compare_digest``). Comparing with a plain ``str`` is ``NotImplemented`` (so ``False``):
  mixing the two is a bug we would rather see than hide.
* Hashable (by value), so it can key a dict or sit in a set.
* ``pickle`` is refused with ``TypeError``: a pickle is storage, and storage must hold
  `SecretBox` ciphertext, never plaintext. ``copy``/``deepcopy`` return the same immutable object.
* ``json.dumps`` refuses it as it refuses any unknown type; with ``default=str`` it writes the mask.
* Pydantic v2: a ``SecretValue`` field accepts ``str``, ``SecretValue`` or ``pydantic.SecretStr``;
  ``model_dump()`` keeps the object, ``model_dump(mode="json")``/``model_dump_json()`` write the mask
  (like ``pydantic.SecretStr``); its JSON Schema is a write-only password string.
* Creating one registers the value with the process-wide redactor (`actionforge.secrets.redact`), so
  the value is masked even where it escaped as plain text after ``.reveal()``.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any, NoReturn, Self

from actionforge.secrets.redact import redactor

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, SecretStr
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import core_schema

MASK = "**********"


class SecretValue:
    """An immutable secret string that never shows itself; call `reveal` to get the text."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str | SecretValue | SecretStr) -> None:
        text = value._value if isinstance(value, SecretValue) else _unwrap_secret_str(value)
        if not isinstance(text, str):
            raise TypeError(f"SecretValue wraps a str, not {type(text).__name__}")
        object.__setattr__(self, "_value", text)
        redactor().add(text)

    def reveal(self) -> str:
        """The secret text. Call it only where the value leaves the process on purpose."""
        return self._value

    # --- never show the value -------------------------------------------------------------------

    def _mask(self) -> str:
        return MASK if self._value else ""

    def __repr__(self) -> str:
        return f"SecretValue({self._mask()!r})"

    def __str__(self) -> str:
        return self._mask()

    def __format__(self, format_spec: str) -> str:
        return self._mask()

    def __bool__(self) -> bool:
        return bool(self._value)

    # --- value semantics ------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((SecretValue, self._value))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("SecretValue is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("SecretValue is immutable")

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("SecretValue cannot be pickled: store SecretBox ciphertext, not plaintext")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()

    # --- pydantic v2 ----------------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from pydantic import SecretStr  # pydantic is loaded already when it asks for this schema
        from pydantic_core import core_schema

        from_str = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        from_secret_str = core_schema.no_info_after_validator_function(
            cls, core_schema.is_instance_schema(SecretStr)
        )
        return core_schema.json_or_python_schema(
            json_schema=from_str,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_secret_str, from_str]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="json"),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "password", "writeOnly": True}


def _unwrap_secret_str(value: object) -> object:
    """The text of a ``pydantic.SecretStr``, else ``value`` unchanged. pydantic is imported only
    for a value that is not a ``str``: the engine loads documents without it."""
    if isinstance(value, str):
        return value
    from pydantic import SecretStr

    return value.get_secret_value() if isinstance(value, SecretStr) else value
