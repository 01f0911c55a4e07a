"""Every limit and switch of the engine, with the original's values as defaults.

One frozen object is passed down explicitly instead of read from globals, so a library user can
run two differently-configured engines side by side. Values come from keyword arguments, else
from ``ACTIONFORGE_*`` environment variables (``ACTIONFORGE_CALL_TIMEOUT_S=90``; sets and lists as
JSON, ``ACTIONFORGE_ALLOWED_PORTS='[443, 8443]'``), else the defaults.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actionforge.secrets.value import SecretValue

ENV_PREFIX = "ACTIONFORGE_"
_JSON_TYPES = (frozenset, set, tuple, list, dict)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- loading (spec layer) ---
    # Microsoft Graph's description (20.3 MB) fits; structural validation of it takes seconds.
    max_document_bytes: int = Field(25_000_000, ge=1)
    yaml_max_aliases: int = Field(1_000, ge=0)
    max_nesting_depth: int = Field(256, ge=8)
    allow_remote_refs: bool = False
    max_ref_documents: int = Field(64, ge=1)
    fetch_timeout_s: float = Field(20.0, gt=0)

    # --- the `gpt` profile's limits (openai-actions.md §2.3, §2.4) ---
    max_operations: int = Field(30, ge=1)
    max_operation_description_chars: int = Field(300, ge=1)
    max_parameter_description_chars: int = Field(700, ge=1)

    # --- calls ---
    call_timeout_s: float = Field(45.0, gt=0)
    max_response_bytes: int = Field(10_000_000, ge=1)
    max_response_chars: int = Field(100_000, ge=1)
    max_request_chars: int = Field(100_000, ge=1)
    retry_attempts: int = Field(2, ge=0, description="extra attempts after a 429/503, idempotent only")
    retry_backoff_s: float = Field(0.5, ge=0)
    retry_max_wait_s: float = Field(10.0, ge=0)
    repair_arguments: bool = Field(
        True, description="repair a model's small argument mistakes, each listed (calls.repairs)"
    )

    # --- egress ---
    allow_http: bool = False
    allowed_ports: frozenset[int] = frozenset({443})
    allow_any_port: bool = Field(False, description="ignore allowed_ports (development, internal APIs)")
    allow_loopback: bool = Field(False, description="development only: lets actions reach 127.0.0.1")
    follow_redirects: bool = False
    max_redirects: int = Field(5, ge=0)

    # --- OAuth ---
    oauth_state_ttl_s: int = Field(600, ge=1)
    oauth_refresh_skew_s: int = Field(60, ge=0)
    oauth_login_timeout_s: float = Field(300.0, gt=0, description="CLI sign-in: wait for the browser")
    oauth_domain_exceptions: tuple[str, ...] = (
        "google.com",
        "googleapis.com",
        "microsoft.com",
        "microsoftonline.com",
        "live.com",
        "adobe.com",
        "adobelogin.com",
    )

    # --- secrets ---
    secret_key: SecretValue | None = Field(
        None, description="comma-separated base64 keys, newest first (never shown: a SecretValue)"
    )
    key_file: Path = Path("actionforge.key")

    @model_validator(mode="before")
    @classmethod
    def _environment(cls, given: Any) -> Any:
        """Fields not given as keywords come from ``ACTIONFORGE_<NAME>`` (any case), as with
        pydantic-settings; read by hand because importing pydantic-settings costs about 50 ms of
        CPU, a sixth of the engine's imports on a cold start."""
        if not isinstance(given, dict):
            return given
        environ = {name.upper(): text for name, text in os.environ.items()}
        values = dict(given)
        for name, field in cls.model_fields.items():
            text = environ.get(ENV_PREFIX + name.upper())
            if name not in values and text is not None:
                values[name] = _from_environment(text, field.annotation)
        return values


def _from_environment(text: str, annotation: Any) -> Any:
    """An environment value as the field takes it: JSON for collections, else the text."""
    if get_origin(annotation) in _JSON_TYPES or annotation in _JSON_TYPES:
        try:
            return json.loads(text)
        except ValueError:
            return text  # the field's validation error then names the variable's value
    return text


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """The process-wide settings read from the environment, built once."""
    return Settings()
