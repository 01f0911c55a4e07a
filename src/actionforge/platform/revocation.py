"""Log out of an OAuth action with RFC 7009 revocation: the provider is asked to revoke the user's
tokens (the refresh token, which ends the grant, else the access token) before they are deleted.

The engine's `sign_out` does the work, through the action's guarded client under the workspace's
domain policy. A provider without a revocation endpoint in the action's settings, or an action
whose schema no longer loads, only has its tokens deleted; a failed revocation is logged and the
tokens are deleted all the same: the user asked to be disconnected here, and that part is certain.
"""

from __future__ import annotations

import actionforge
from actionforge.platform.context import Platform
from actionforge.platform.engine_auth import engine_auth
from actionforge.platform.errors import Invalid
from actionforge.platform.workspaces import domain_policy
from actionforge.store.tables import Action, Workspace


async def revoke_and_forget(
    p: Platform,
    action: Action,
    workspace: Workspace,
    key: actionforge.TokenKey,
    store: actionforge.TokenStore,
) -> bool:
    """Revoke and delete ``key``'s OAuth tokens; ``False`` when nothing was revoked (no tokens,
    or no way to revoke them), leaving the deletion to the caller."""
    config = _revocable(p, action)
    if config is None:
        return False
    try:
        engine_action = actionforge.load_action(
            action.schema_text, settings=p.engine, policy=domain_policy(workspace), server_url=action.base_url
        )
    except actionforge.SchemaError:
        return False
    try:
        return await actionforge.sign_out(engine_action, config, user=key, token_store=store)
    finally:
        await engine_action.aclose()


def _revocable(p: Platform, action: Action) -> actionforge.OAuthConfig | None:
    if action.auth_type != "oauth" or not action.auth_config.get("revocation_url"):
        return None
    try:
        config = engine_auth(p.box, action)
    except Invalid:
        return None
    return config if isinstance(config, actionforge.OAuthConfig) else None
