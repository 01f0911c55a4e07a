"""Foundation: secret values that never show themselves, encryption at rest, log redaction."""

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
from actionforge.secrets.redact import (
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
from actionforge.secrets.value import SecretValue

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
