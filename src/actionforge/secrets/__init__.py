"""Foundation: secret values that never show themselves, encryption at rest, log redaction."""

from actionforge.secrets.redact import (
    REDACTED,
    RedactingFilter,
    Redactor,
    install_log_redaction,
    redact,
    redact_headers,
    redact_url,
    redactor,
)
from actionforge.secrets.value import SecretValue

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "Redactor",
    "SecretValue",
    "install_log_redaction",
    "redact",
    "redact_headers",
    "redact_url",
    "redactor",
]
