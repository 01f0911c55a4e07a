"""Import from URL, and Refresh from URL with a diff the builder confirms (§9 #15; the original
never re-fetches).

Every fetch goes through the egress guard with the workspace's domain policy
(`actionforge.fetch_document`), outside any database transaction. Import stores the text and the
source URL through the same rules as a pasted schema (`Actions`). Refresh fetches again and shows
what would change, saving nothing; its ``fingerprint`` (the SHA-256 of the fetched text) is what
Confirm accepts: Confirm fetches once more and saves only if the document is still the one the
builder reviewed, so what is saved came from the URL, never from the client.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

import actionforge
from actionforge.platform.access import editable_action, editable_gpt
from actionforge.platform.actions import CUSTOM_ACTIONS_DISABLED, Actions, ActionView
from actionforge.platform.context import Platform
from actionforge.platform.errors import Conflict, Forbidden, Invalid
from actionforge.platform.schema_diff import SchemaDiff, diff, signatures
from actionforge.platform.workspaces import domain_policy
from actionforge.store.tables import User

NOT_IMPORTED = "This action's schema was not imported from a URL: use Import from URL first"


@dataclass(frozen=True)
class RefreshPreview:
    source_url: str
    fingerprint: str
    diff: SchemaDiff
    validation: dict[str, Any]
    text_changed: bool


@dataclass(frozen=True)
class _Current:
    policy: actionforge.DomainPolicy
    source_url: str | None
    schema_text: str
    base_url: str | None


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ActionImports:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def create_from_url(self, user: User, gpt_id: str, url: str) -> ActionView:
        """A new action whose schema is the document at ``url``."""
        current = await self._current(user, gpt_id, None)
        text = await self._fetch(url, current.policy, pointer="/url")
        return await Actions(self.p).add(user, gpt_id, {"schema": text, "source_url": url})

    async def import_url(self, user: User, gpt_id: str, action_id: str, url: str) -> ActionView:
        """Replace the action's schema with the document at ``url``, and remember the URL."""
        current = await self._current(user, gpt_id, action_id)
        text = await self._fetch(url, current.policy, pointer="/url")
        return await Actions(self.p).update(user, gpt_id, action_id, {"schema": text, "source_url": url})

    async def refresh(self, user: User, gpt_id: str, action_id: str) -> RefreshPreview:
        """What re-importing the source URL would change; nothing is saved."""
        current = await self._current(user, gpt_id, action_id)
        url = _source(current)
        text = await self._fetch(url, current.policy, pointer="")
        changes, report = await asyncio.to_thread(self._compare, current, text)
        return RefreshPreview(url, fingerprint(text), changes, report, text != current.schema_text)

    async def confirm(self, user: User, gpt_id: str, action_id: str, expected: str) -> ActionView:
        """Save the re-imported schema, if the URL still serves the document that was reviewed."""
        current = await self._current(user, gpt_id, action_id)
        url = _source(current)
        text = await self._fetch(url, current.policy, pointer="")
        if fingerprint(text) != expected:
            raise Conflict.at(
                "/fingerprint",
                f"The document at {url} changed since it was reviewed: refresh again to see what changes",
            )
        return await Actions(self.p).update(user, gpt_id, action_id, {"schema": text})

    # --- steps ------------------------------------------------------------------------------

    async def _current(self, user: User, gpt_id: str, action_id: str | None) -> _Current:
        """The access check and what a fetch needs, read before (not during) the fetch."""
        async with self.p.db.session() as s:
            if action_id is None:
                _, workspace = await editable_gpt(s, user, gpt_id)
                action = None
            else:
                _, workspace, action = await editable_action(s, user, gpt_id, action_id)
        if not workspace.custom_actions_enabled:
            raise Forbidden(CUSTOM_ACTIONS_DISABLED)
        if action is None:
            return _Current(domain_policy(workspace), None, "", None)
        return _Current(domain_policy(workspace), action.source_url, action.schema_text, action.base_url)

    async def _fetch(self, url: str, policy: actionforge.DomainPolicy, *, pointer: str) -> str:
        limit = self.p.settings.max_url_chars
        if len(url) > limit:
            raise Invalid.at(pointer, f"At most {limit} characters")
        try:
            return await asyncio.to_thread(
                actionforge.fetch_document, url, policy=policy, settings=self.p.engine
            )
        except actionforge.RequestBlocked as blocked:
            raise Invalid.at(pointer, f"Cannot import from this URL: {blocked.reason}") from None
        except actionforge.FetchError as failed:
            raise Invalid.at(pointer, f"Could not import the schema: {failed}") from None

    def _compare(self, current: _Current, text: str) -> tuple[SchemaDiff, dict[str, Any]]:
        engine, base = self.p.engine, current.base_url
        old = signatures(current.schema_text, base_url=base, settings=engine)
        new = signatures(text, base_url=base, settings=engine)
        report = actionforge.validate(text, settings=engine, server_url=base).to_dict()
        return diff(old, new), report


def _source(current: _Current) -> str:
    if not current.source_url:
        raise Invalid.at("", NOT_IMPORTED)
    return current.source_url
