"""An encrypted file holding one OAuth sign-in for command-line use.

The server keeps tokens in its database; a terminal user has no database, so `actionforge oauth
login` writes the action's OAuth client settings and the user's tokens to one JSON file. Every
secret in it (client secret, access and refresh tokens) is a SecretBox ciphertext bound to its
field, so the file can sit in a home directory and be rotated with `actionforge secrets rotate`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from actionforge import ActionforgeError, OAuthConfig, SecretBox, SecretValue, TokenKey, TokenSet

CLI_TOKEN_KEY = TokenKey(user_id="cli", action_id="cli", mode="published")
_SECRET_FIELDS = ("client_secret", "access_token", "refresh_token")


class CredentialsFileError(ActionforgeError):
    pass


class CredentialsFile:
    """One OAuth client + token set on disk; also a `TokenStore` for that one key."""

    def __init__(self, path: Path, box: SecretBox) -> None:
        self.path = path
        self.box = box

    # --- the file ---------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CredentialsFileError(
                f"{self.path} does not exist: run `actionforge oauth login` first"
            ) from None
        except (OSError, ValueError) as exc:
            raise CredentialsFileError(f"{self.path} is not a credentials file: {exc}") from None
        if not isinstance(data, dict) or "oauth" not in data:
            raise CredentialsFileError(f"{self.path} is not a credentials file (no 'oauth' entry)")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        """Write atomically with mode 0600, so a crash never leaves half a file."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, self.path)

    def _seal(self, name: str, value: SecretValue | None) -> str | None:
        return None if value is None else self.box.encrypt(value, aad=f"cli:{name}")

    def _open(self, name: str, token: str | None) -> SecretValue | None:
        return None if token is None else self.box.decrypt(token, aad=f"cli:{name}")

    def save_config(self, config: OAuthConfig) -> None:
        fields = config.model_dump(mode="python", exclude={"client_secret"})
        fields["client_secret"] = self._seal("client_secret", config.client_secret)
        self._write({"oauth": fields, "tokens": None})

    def config(self) -> OAuthConfig:
        fields = dict(self._read()["oauth"])
        fields["client_secret"] = self._open("client_secret", fields["client_secret"])
        return OAuthConfig(**fields)

    def rotate(self) -> int:
        """Re-encrypt every secret with the newest key; returns how many were re-encrypted."""
        data = self._read()
        count = 0
        for section in (data["oauth"], data.get("tokens") or {}):
            for name in _SECRET_FIELDS:
                token = section.get(name)
                if token is not None and self.box.needs_rotation(token):
                    section[name] = self.box.reencrypt(token, aad=f"cli:{name}")
                    count += 1
        self._write(data)
        return count

    # --- TokenStore -------------------------------------------------------------------------
    async def get(self, key: TokenKey) -> TokenSet | None:
        stored = self._read().get("tokens") if key == CLI_TOKEN_KEY else None
        if not stored:
            return None
        access = self._open("access_token", stored["access_token"])
        assert access is not None
        return TokenSet(
            access_token=access,
            token_type=stored["token_type"],
            refresh_token=self._open("refresh_token", stored["refresh_token"]),
            expires_at=stored["expires_at"],
            scope=stored["scope"],
        )

    async def put(self, key: TokenKey, tokens: TokenSet) -> None:
        data = self._read()
        data["tokens"] = {
            "access_token": self._seal("access_token", tokens.access_token),
            "token_type": tokens.token_type,
            "refresh_token": self._seal("refresh_token", tokens.refresh_token),
            "expires_at": tokens.expires_at,
            "scope": tokens.scope,
        }
        self._write(data)

    async def delete(self, key: TokenKey) -> bool:
        data = self._read()
        had = bool(data.get("tokens"))
        data["tokens"] = None
        self._write(data)
        return had
