"""Consent: the original's Allow / Always Allow / Decline rules and the per-(user, GPT, domain) memory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actionforge.consent import (
    CONSEQUENTIAL_CHOICES,
    DECLINED_STATUS,
    DECLINED_TOOL_RESULT,
    PROMPT_SUBTITLE,
    ROUTINE_CHOICES,
    Choice,
    ConsentError,
    ConsentMemory,
    ConsentSetting,
    DecisionKind,
    InMemoryConsentMemory,
    UserConsentSettings,
    apply_choice,
    decide,
    decide_for,
    prompt_title,
    share_info_title,
)
from actionforge.openapi.model import Method, Operation
from actionforge.openapi.operations import extract_operations
from actionforge.openapi.profiles import get_profile
from actionforge.settings import Settings

DOMAIN = "api.example.com"


def operation(method: Method, *, consequential: bool, op_id: str = "op") -> Operation:
    return Operation(
        operation_id=op_id,
        method=method,
        path="/todo",
        server_url=f"https://{DOMAIN}",
        pointer=f"/paths/~1todo/{method}",
        is_consequential=consequential,
    )


LIST_TODOS = operation("get", consequential=False, op_id="listTodos")
BOOK_ROOM = operation("post", consequential=True, op_id="bookRoom")


@pytest.fixture
def memory() -> InMemoryConsentMemory:
    return InMemoryConsentMemory()


# --- the rules, through the spec layer's defaults ---------------------------------------------


def todo_document(extra_get: dict[str, Any], extra_post: dict[str, Any]) -> dict[str, Any]:
    ok = {"200": {"description": "OK"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Todo", "version": "1"},
        "servers": [{"url": f"https://{DOMAIN}"}],
        "paths": {
            "/todo": {
                "get": {"operationId": "listTodos", "responses": ok, **extra_get},
                "post": {"operationId": "addTodo", "responses": ok, **extra_post},
                "delete": {"operationId": "clearTodos", "responses": ok},
            }
        },
    }


@pytest.mark.parametrize(
    ("extra_get", "extra_post", "expected"),
    [
        # Absent: GET is not consequential, everything else is.
        ({}, {}, {"listTodos": False, "addTodo": True, "clearTodos": True}),
        # The docs' example: POST /todo marked consequential explicitly.
        ({"security": []}, {"x-openai-isConsequential": True}, {"listTodos": False, "addTodo": True}),
        # Flags override the method default both ways.
        (
            {"x-openai-isConsequential": True},
            {"x-openai-isConsequential": False},
            {"listTodos": True, "addTodo": False},
        ),
    ],
)
def test_rules_follow_x_openai_is_consequential(
    extra_get: dict[str, Any], extra_post: dict[str, Any], expected: dict[str, bool]
) -> None:
    settings = Settings()
    result = extract_operations(todo_document(extra_get, extra_post), get_profile("gpt", settings), settings)
    assert not result.errors
    by_id = {op.operation_id: op for op in result.operations}
    for op_id, consequential in expected.items():
        decision = decide(by_id[op_id])
        assert decision.kind is DecisionKind.ASK
        assert decision.consequential is consequential
        if consequential:
            assert decision.choices == (Choice.CONFIRM, Choice.DENY)
            assert decision.labels == ("Confirm", "Deny")
        else:
            assert decision.choices == (Choice.ALLOW, Choice.ALWAYS_ALLOW, Choice.DECLINE)
            assert decision.labels == ("Allow", "Always Allow", "Decline")


def test_always_allow_setting_skips_the_prompt_only_when_not_consequential() -> None:
    assert decide(LIST_TODOS, UserConsentSettings(always_allow=True)).kind is DecisionKind.RUN
    assert decide(LIST_TODOS, UserConsentSettings(always_allow=True)).choices == ()
    assert decide(LIST_TODOS, UserConsentSettings(always_allow=False)).kind is DecisionKind.ASK
    assert decide(LIST_TODOS, None).kind is DecisionKind.ASK
    consequential = decide(BOOK_ROOM, UserConsentSettings(always_allow=True))
    assert consequential.must_ask
    assert Choice.ALWAYS_ALLOW not in consequential.choices


def test_consequential_choices_never_include_always_allow() -> None:
    assert Choice.ALWAYS_ALLOW not in CONSEQUENTIAL_CHOICES
    assert Choice.ALWAYS_ALLOW in ROUTINE_CHOICES


def test_prompt_and_decline_texts_match_the_original() -> None:
    assert prompt_title("Travel Helper", DOMAIN) == "Travel Helper wants to talk to api.example.com"
    assert decide(LIST_TODOS).title("Travel Helper", DOMAIN) == prompt_title("Travel Helper", DOMAIN)
    assert share_info_title("Travel Helper", DOMAIN) == (
        "Travel Helper wants to share this info with api.example.com"
    )
    assert PROMPT_SUBTITLE == decide(BOOK_ROOM).subtitle == "Only allow sites you trust."
    assert DECLINED_STATUS == "You declined this action"
    assert DECLINED_TOOL_RESULT == "The user declined this action."


def test_choice_labels_and_approval() -> None:
    assert [c.label for c in Choice] == ["Allow", "Always Allow", "Decline", "Confirm", "Deny"]
    assert {c for c in Choice if c.approves} == {Choice.ALLOW, Choice.ALWAYS_ALLOW, Choice.CONFIRM}


# --- remembering "Always allow" ---------------------------------------------------------------


async def test_always_allow_is_remembered_per_user_gpt_and_domain(memory: InMemoryConsentMemory) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    assert (await decide_for(LIST_TODOS, memory=memory, **where)).must_ask
    assert await apply_choice(Choice.ALWAYS_ALLOW, LIST_TODOS, memory=memory, **where) is True
    assert (await decide_for(LIST_TODOS, memory=memory, **where)).kind is DecisionKind.RUN
    # Domain spelling does not matter.
    same = {**where, "domain": "API.Example.com."}
    assert (await decide_for(LIST_TODOS, memory=memory, **same)).kind is DecisionKind.RUN
    # Another user, another GPT, another domain: still asked.
    for other in (
        {**where, "user_id": "bob"},
        {**where, "gpt_id": "gpt-2"},
        {**where, "domain": "other.example.com"},
    ):
        assert (await decide_for(LIST_TODOS, memory=memory, **other)).must_ask, other


async def test_allow_approves_once_without_remembering(memory: InMemoryConsentMemory) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    assert await apply_choice("allow", LIST_TODOS, memory=memory, **where) is True
    assert (await decide_for(LIST_TODOS, memory=memory, **where)).must_ask
    assert await memory.get(**where) is ConsentSetting.ASK


@pytest.mark.parametrize("choice", [Choice.DECLINE, Choice.DENY, "decline", "deny"])
async def test_decline_and_deny_stop_the_call(memory: InMemoryConsentMemory, choice: Choice | str) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    assert await apply_choice(choice, LIST_TODOS, memory=memory, **where) is False
    assert await apply_choice(choice, BOOK_ROOM, memory=memory, **where) is False
    assert await memory.always_allowed("alice") == []


async def test_confirm_approves_a_consequential_call_every_time(memory: InMemoryConsentMemory) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    assert await apply_choice(Choice.CONFIRM, BOOK_ROOM, memory=memory, **where) is True
    assert (await decide_for(BOOK_ROOM, memory=memory, **where)).choices == CONSEQUENTIAL_CHOICES


async def test_consequential_operation_refuses_always_allow(memory: InMemoryConsentMemory) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    with pytest.raises(ConsentError, match=r"not offered for bookRoom \(POST /todo\).*confirm every call"):
        await apply_choice(Choice.ALWAYS_ALLOW, BOOK_ROOM, memory=memory, **where)
    assert await memory.get(**where) is ConsentSetting.ASK


async def test_consequential_prompts_even_when_domain_is_always_allowed(
    memory: InMemoryConsentMemory,
) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    await apply_choice(Choice.ALWAYS_ALLOW, LIST_TODOS, memory=memory, **where)
    assert (await decide_for(LIST_TODOS, memory=memory, **where)).kind is DecisionKind.RUN
    decision = await decide_for(BOOK_ROOM, memory=memory, **where)
    assert decision.must_ask
    assert decision.choices == (Choice.CONFIRM, Choice.DENY)


async def test_setting_ask_resets_always_allow(memory: InMemoryConsentMemory) -> None:
    where = {"user_id": "alice", "gpt_id": "gpt-1", "domain": DOMAIN}
    await apply_choice(Choice.ALWAYS_ALLOW, LIST_TODOS, memory=memory, **where)
    await memory.set(user_id="alice", gpt_id="gpt-2", domain=DOMAIN, setting=ConsentSetting.ALWAYS_ALLOW)
    assert await memory.always_allowed("alice") == [("gpt-1", DOMAIN), ("gpt-2", DOMAIN)]
    await memory.set(**where, setting=ConsentSetting.ASK)
    assert (await decide_for(LIST_TODOS, memory=memory, **where)).must_ask
    assert await memory.always_allowed("alice") == [("gpt-2", DOMAIN)]
    assert ConsentSetting.ASK.label == "Ask"
    assert ConsentSetting.ALWAYS_ALLOW.label == "Always allow"


async def test_unknown_choice_is_a_clear_error(memory: InMemoryConsentMemory) -> None:
    with pytest.raises(ConsentError, match=r"unknown consent choice 'maybe'; expected one of: allow, "):
        await apply_choice("maybe", LIST_TODOS, user_id="a", gpt_id="g", domain=DOMAIN, memory=memory)


@pytest.mark.parametrize(
    ("user_id", "gpt_id", "domain", "missing"),
    [("", "g", DOMAIN, "user_id"), ("u", "", DOMAIN, "gpt_id"), ("u", "g", " . ", "domain")],
)
async def test_empty_keys_are_refused(
    memory: InMemoryConsentMemory, user_id: str, gpt_id: str, domain: str, missing: str
) -> None:
    with pytest.raises(ValueError, match=f"non-empty {missing}"):
        await memory.set(user_id, gpt_id, domain, ConsentSetting.ALWAYS_ALLOW)


async def test_memory_is_safe_under_concurrent_use(memory: InMemoryConsentMemory) -> None:
    async def toggle(user: int) -> None:
        for i in range(50):
            setting = ConsentSetting.ALWAYS_ALLOW if i % 2 == 0 else ConsentSetting.ASK
            await memory.set(f"user-{user}", "gpt", DOMAIN, setting)
            await asyncio.sleep(0)
        await memory.set(f"user-{user}", "gpt", DOMAIN, ConsentSetting.ALWAYS_ALLOW)

    await asyncio.gather(*(toggle(u) for u in range(20)))
    for u in range(20):
        assert await memory.always_allowed(f"user-{u}") == [("gpt", DOMAIN)]


def test_in_memory_store_satisfies_the_protocol(memory: InMemoryConsentMemory) -> None:
    assert isinstance(memory, ConsentMemory)
