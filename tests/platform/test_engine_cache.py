"""The per-process cache of loaded engine Actions behind test-operation: reuse, reload on change,
superseded and evicted entries closed, everything closed at shutdown."""

from __future__ import annotations

import asyncio
import json

import actionforge
from actionforge.platform.engine_cache import EngineActionCache


def document(host: str) -> str:
    operation = {"operationId": "listThings", "responses": {"200": {"description": "ok"}}}
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "T", "version": "1"},
        "servers": [{"url": f"https://{host}"}], "paths": {"/things": {"get": operation}},
    })  # fmt: skip


class Loads:
    """A loader that counts how often the cache had to load."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, host: str) -> actionforge.Action:
        self.count += 1
        return actionforge.load_action(document(host))


async def settle() -> None:
    for _ in range(5):  # the retired entries' close tasks run (close_after_s=0)
        await asyncio.sleep(0)


async def test_the_same_key_reuses_the_loaded_action_and_its_client() -> None:
    cache, loads = EngineActionCache(close_after_s=0), Loads()
    first = cache.get(("act_1", "a.example.com"), lambda: loads("a.example.com"))
    client = first.http_client()
    again = cache.get(("act_1", "a.example.com"), lambda: loads("a.example.com"))
    assert again is first
    assert again.http_client() is client
    assert loads.count == 1
    await cache.close()
    assert client.is_closed


async def test_a_changed_document_is_loaded_afresh_and_the_old_one_closed() -> None:
    cache, loads = EngineActionCache(close_after_s=0), Loads()
    old = cache.get(("act_1", "a.example.com"), lambda: loads("a.example.com"))
    old_client = old.http_client()
    new = cache.get(("act_1", "b.example.com"), lambda: loads("b.example.com"))
    assert new is not old
    assert loads.count == 2
    await settle()
    assert old_client.is_closed
    assert cache.get(("act_1", "b.example.com"), lambda: loads("b.example.com")) is new
    await cache.close()


async def test_the_least_recently_used_entry_is_evicted_and_closed() -> None:
    cache, loads = EngineActionCache(size=2, close_after_s=0), Loads()
    a_client = cache.get(("act_a", 1), lambda: loads("a.example.com")).http_client()
    b_client = cache.get(("act_b", 1), lambda: loads("b.example.com")).http_client()
    cache.get(("act_a", 1), lambda: loads("a.example.com"))  # a is used again: b is now the oldest
    cache.get(("act_c", 1), lambda: loads("c.example.com"))
    assert loads.count == 3
    await settle()
    assert b_client.is_closed
    cache.get(("act_a", 1), lambda: loads("a.example.com"))
    assert loads.count == 3
    assert not a_client.is_closed
    cache.get(("act_b", 1), lambda: loads("b.example.com"))
    assert loads.count == 4  # b had been evicted
    await cache.close()


async def test_a_document_that_does_not_load_is_not_cached() -> None:
    cache = EngineActionCache()
    for _ in range(2):
        try:
            cache.get(("act_1", "bad"), lambda: actionforge.load_action("not a document"))
        except actionforge.SchemaError:
            pass
        else:
            raise AssertionError("a broken document loaded")
    await cache.close()
