"""Every provider failure as one of a few exceptions, each with one sentence a user can act on.

    ModelError (actionforge.ActionforgeError)
    ├── ModelRateLimited        429: too many requests or tokens (``retry_after`` seconds, if sent)
    ├── ModelAuthFailed         401/403: the provider refused the key
    ├── ModelTimeout            no answer in time (client timeout, 408, 504)
    ├── ContextOverflow         the conversation is longer than the model's context
    ├── ModelUnreachable        no connection (refused, DNS, TLS)
    │   └── ModelBlocked        the egress guard refused the provider's URL (nothing sent)
    ├── ModelNotFound           404: the provider has no such model
    ├── ModelUnavailable        5xx / overloaded: the provider failed
    └── ModelRequestRejected    any other refusal of the request (4xx)

``str(error)`` is the sentence for the user; ``detail`` is the provider's own message, redacted, for
logs and Preview's debug entries.
"""

from __future__ import annotations

import actionforge


class ModelError(actionforge.ActionforgeError):
    """A model provider could not produce a reply."""

    sentence = "The model could not answer."

    def __init__(self, provider: str, detail: str = "", *, status: int | None = None) -> None:
        super().__init__(self.sentence.format(provider=provider))
        self.provider = provider
        self.detail = actionforge.redactor().redact(detail)
        self.status = status


class ModelRateLimited(ModelError):
    sentence = "{provider} is rate limiting requests right now; wait a moment and try again."

    def __init__(
        self, provider: str, detail: str = "", *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(provider, detail, status=status)
        self.retry_after = retry_after


class ModelAuthFailed(ModelError):
    sentence = "{provider} refused the API key; an admin must check the provider's key."


class ModelTimeout(ModelError):
    sentence = "{provider} did not answer in time; try again."


class ContextOverflow(ModelError):
    sentence = "The conversation is too long for this model; start a new conversation or shorten it."


class ModelUnreachable(ModelError):
    sentence = "Could not connect to {provider}; check the provider's base URL and that it is running."


class ModelBlocked(ModelUnreachable):
    """The egress guard refused the provider's URL: nothing was sent. The guard's reason names only
    the host and why, so it is part of the sentence (an admin must act on it)."""

    sentence = (
        "The egress guard refused {provider}'s base URL ({reason}); an admin must change it, or allow "
        "model servers on this machine or the private network (ACTIONFORGE_MODELS_LOCAL_NETWORK)."
    )

    def __init__(self, provider: str, reason: str) -> None:
        actionforge.ActionforgeError.__init__(self, self.sentence.format(provider=provider, reason=reason))
        self.provider = provider
        self.detail = actionforge.redactor().redact(reason)
        self.status = None


class ModelNotFound(ModelError):
    sentence = "{provider} does not offer this model; an admin must check the model's name."


class ModelUnavailable(ModelError):
    sentence = "{provider} failed to answer (a server error or overload); try again later."


class ModelRequestRejected(ModelError):
    sentence = "{provider} rejected the request."
