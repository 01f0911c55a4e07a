"""Foundation: secret values that never show themselves, encryption at rest, log redaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actionforge._lazy import lazy_exports
from actionforge.secrets.redact import (  # stdlib only, and `redact` would clash with its module
    REDACTED,
    RedactingFilter,
    Redactor,
    install_log_redaction,
    is_sensitive_header,
    is_sensitive_param,
    redact,
    redact_headers,
    redact_url,
    redactor,
    uninstall_log_redaction,
)

if TYPE_CHECKING:
    from actionforge.secrets.box import SecretBox
    from actionforge.secrets.keys import (
        Keyring,
        SecretBoxError,
        SecretKey,
        SecretKeyError,
        generate_key,
        key_id,
        load_key_file,
        load_keyring,
        parse_keys,
    )
    from actionforge.secrets.value import SecretValue

_EXPORTS = {
    "SecretBox": "actionforge.secrets.box",
    "Keyring": "actionforge.secrets.keys",
    "SecretBoxError": "actionforge.secrets.keys",
    "SecretKey": "actionforge.secrets.keys",
    "SecretKeyError": "actionforge.secrets.keys",
    "generate_key": "actionforge.secrets.keys",
    "key_id": "actionforge.secrets.keys",
    "load_key_file": "actionforge.secrets.keys",
    "load_keyring": "actionforge.secrets.keys",
    "parse_keys": "actionforge.secrets.keys",
    "SecretValue": "actionforge.secrets.value",
}

__all__ = [
    "REDACTED",
    "Keyring",
    "RedactingFilter",
    "Redactor",
    "SecretBox",
    "SecretBoxError",
    "SecretKey",
    "SecretKeyError",
    "SecretValue",
    "generate_key",
    "install_log_redaction",
    "is_sensitive_header",
    "is_sensitive_param",
    "key_id",
    "load_key_file",
    "load_keyring",
    "parse_keys",
    "redact",
    "redact_headers",
    "redact_url",
    "redactor",
    "uninstall_log_redaction",
]

if not TYPE_CHECKING:  # so type checkers see only the names imported above
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
