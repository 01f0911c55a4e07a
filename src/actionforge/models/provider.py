"""The one streaming interface every provider implements, and the error translation they share.

A `ChatModel` is one model of one provider, bound to an SDK client. ``stream`` yields `ModelEvent`s
and raises only `ModelError`s (or the caller's cancellation): SDK exceptions never escape, since
they carry the request, and with it the provider's key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import httpx2

import actionforge
from actionforge.models.error_mapping import body_error, from_status
from actionforge.models.errors import ModelBlocked, ModelError, ModelTimeout, ModelUnreachable
from actionforge.models.events import ModelEvent
from actionforge.models.messages import Message
from actionforge.models.registry import ModelInfo, ProviderConfig

Dialect = Literal["openai", "anthropic"]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One model request. ``tools`` are in the model's dialect (`ChatModel.dialect`), as
    ``Action.tools(dialect=...)`` renders them; ``parallel_tool_calls`` None leaves the provider's
    default."""

    messages: Sequence[Message]
    tools: Sequence[Mapping[str, Any]] = field(default=())
    parallel_tool_calls: bool | None = None
    max_output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class SdkErrors:
    """One SDK's exception classes, so both providers translate errors with the same code."""

    timeout: type[Exception]
    connection: type[Exception]
    status: type[Exception]
    api: type[Exception]


class ChatModel(ABC):
    """One model of one provider. Pass ``http_client`` to choose the transport (the server's egress
    guard); without one the SDK makes its own, closed by `aclose`."""

    dialect: ClassVar[Dialect]
    errors: ClassVar[SdkErrors]

    def __init__(
        self, provider: ProviderConfig, info: ModelInfo, *, http_client: httpx2.AsyncClient | None = None
    ) -> None:
        self.provider = provider
        self.info = info
        self._owns_client = http_client is None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.info.id!r})"

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ModelEvent, None]:
        """The reply as events, ending with `Usage` (when the provider reports it) and `Finish`.
        ``aclose()`` it to stop early (the user's Stop)."""
        try:
            # aclosing: a caller that stops reading (Stop) closes the SDK stream and its connection
            # now, not when the generator is collected.
            async with aclosing(self._stream(request)) as events:
                async for event in events:
                    yield event
        except actionforge.RequestBlocked as blocked:
            raise ModelBlocked(self.provider.name, blocked.reason) from None
        except self.errors.api as error:
            raise self.translate(error) from None

    def translate(self, error: Exception) -> ModelError:
        """The layer's error for one of the SDK's exceptions."""
        name = self.provider.name
        if isinstance(error, self.errors.timeout):
            return ModelTimeout(name, str(error))
        if isinstance(error, self.errors.connection):
            return ModelUnreachable(name, str(error.__cause__ or error))
        message, code = body_error(getattr(error, "body", None))
        message = message or str(getattr(error, "message", error))
        if isinstance(error, self.errors.status):
            response = getattr(error, "response", None)
            headers: Mapping[str, str] = response.headers if response is not None else {}
            return from_status(name, getattr(error, "status_code", None), message, code, headers)
        return from_status(name, None, message, code, {})

    @abstractmethod
    def _stream(self, request: ChatRequest) -> AsyncGenerator[ModelEvent, None]: ...

    @abstractmethod
    async def _close(self) -> None: ...

    async def aclose(self) -> None:
        """Close the SDK's own HTTP client; a caller's ``http_client`` stays open for its owner."""
        if self._owns_client:
            await self._close()
