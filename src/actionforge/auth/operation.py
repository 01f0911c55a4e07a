"""Which credentials one operation gets."""

from __future__ import annotations

import httpx

from actionforge.openapi.model import Operation


def auth_for_operation(operation: Operation, auth: httpx.Auth | None) -> httpx.Auth | None:
    """The action's auth, or ``None`` for an operation declared unauthenticated (``security: []``).

    OpenAI lets one action mix its one auth type with such operations (checklist 39); sending a
    credential where the document says none is needed would hand it to an endpoint for nothing.
    """
    return auth if operation.requires_auth else None
