"""`calls.in_own_task`: the API call runs as a task of its own, yet behaves as if awaited in
place: its value and its error come back, it sees the caller's context, and it ends with its
caller."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

import pytest

from actionforge.platform.calls import in_own_task

current_user: ContextVar[str] = ContextVar("current_user", default="nobody")


async def test_the_call_runs_in_another_task_and_its_value_comes_back() -> None:
    caller = asyncio.current_task()

    async def call() -> asyncio.Task[object] | None:
        await asyncio.sleep(0)
        return asyncio.current_task()

    ran_in = await in_own_task(call())
    assert ran_in is not None
    assert ran_in is not caller


async def test_the_call_sees_the_callers_context() -> None:
    current_user.set("ada")

    async def call() -> str:
        return current_user.get()

    assert await in_own_task(call()) == "ada"


async def test_the_calls_error_reaches_the_caller() -> None:
    async def call() -> None:
        await asyncio.sleep(0)
        raise LookupError("no such pet")

    with pytest.raises(LookupError, match="no such pet"):
        await in_own_task(call())


async def test_cancelling_the_caller_cancels_the_call() -> None:
    started, ended = asyncio.Event(), []

    async def call() -> None:
        started.set()
        try:
            await asyncio.Event().wait()  # an API that never answers
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise

    caller = asyncio.create_task(in_own_task(call()))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert ended == ["cancelled"]
