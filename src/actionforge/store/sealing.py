"""Secrets in columns: `SecretBox` tokens bound to the row and column they are stored in.

The associated data is ``<table>:<row id>:<column>``, so a ciphertext copied into another row (or
another column of the same row) fails to decrypt instead of handing over someone else's secret.
"""

from __future__ import annotations

from actionforge import SecretBox, SecretValue


def binding(table: str, row_id: str, column: str) -> str:
    return f"{table}:{row_id}:{column}"


def seal(box: SecretBox, value: str | SecretValue, *, table: str, row_id: str, column: str) -> str:
    return box.encrypt(value, aad=binding(table, row_id, column))


def unseal(box: SecretBox, token: str, *, table: str, row_id: str, column: str) -> SecretValue:
    return box.decrypt(token, aad=binding(table, row_id, column))
