"""`SecretBox`: authenticated encryption of stored credentials (AES-256-GCM).

Token format, one ASCII string fit for a text column::

    v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>

* ``v1`` lets a later format coexist with stored v1 tokens.
* The key id (see `keys`) tells which configured key decrypts it, so keys can rotate.
* The nonce is 96 random bits per encryption. With random nonces one key should encrypt fewer than
  2³² values; rotate long before that.
* Associated data (``aad``) binds the ciphertext to its owner and purpose, e.g.
  ``"action:42:api_key"``: a token copied into another row, or used for another purpose, fails to
  decrypt instead of yielding someone else's credential. The version and key id are bound too.

Decryption returns a `SecretValue`, so plaintext never travels as a bare ``str``. Every failure is a
`SecretBoxError` whose message names the key id and the associated data, never the plaintext.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from actionforge.secrets.keys import Keyring, SecretBoxError, SecretKey, load_keyring
from actionforge.secrets.value import SecretValue
from actionforge.settings import Settings

VERSION = "v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class SecretBox:
    """Encrypts with the newest configured key, decrypts with any configured key."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._ciphers = {key.id: AESGCM(key.material) for key in keyring.keys}

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SecretBox:
        """A box over the keys configured in ``settings`` (see `keys.load_keyring`)."""
        return cls(load_keyring(settings))

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The configured key ids, newest (the one that encrypts) first."""
        return self._keyring.ids

    def __repr__(self) -> str:
        return f"SecretBox(key_ids={self.key_ids!r})"

    # --- encrypt / decrypt ----------------------------------------------------------------------

    def encrypt(self, plaintext: str | SecretValue, *, aad: str) -> str:
        """A token for ``plaintext``, bound to ``aad`` (the same ``aad`` is needed to decrypt)."""
        text = plaintext.reveal() if isinstance(plaintext, SecretValue) else plaintext
        if not isinstance(text, str):
            raise TypeError(f"SecretBox encrypts str or SecretValue, not {type(text).__name__}")
        key = self._keyring.primary
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[key.id].encrypt(nonce, text.encode("utf-8"), _bound(key, aad))
        data = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{VERSION}.{key.id}.{data}"

    def decrypt(self, token: str, *, aad: str) -> SecretValue:
        """The secret in ``token``; `SecretBoxError` if it is malformed, altered or bound elsewhere."""
        key, blob = self._parse(token)
        nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        try:
            raw = self._ciphers[key.id].decrypt(nonce, sealed, _bound(key, aad))
        except InvalidTag:
            raise SecretBoxError(
                f"ciphertext could not be decrypted with key id {key.id}: it was altered, or it "
                f"belongs to another record or purpose (associated data {aad!r} does not match)"
            ) from None
        try:
            return SecretValue(raw.decode("utf-8"))
        except UnicodeDecodeError:  # only possible for data encrypted outside SecretBox
            raise SecretBoxError(f"ciphertext under key id {key.id} does not hold UTF-8 text") from None

    # --- rotation -------------------------------------------------------------------------------

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` was not encrypted with the newest key (raises if it is malformed)."""
        key, _ = self._parse(token)
        return key.id != self._keyring.primary.id

    def reencrypt(self, token: str, *, aad: str) -> str:
        """``token`` under the newest key; unchanged (but verified) when it already is."""
        secret = self.decrypt(token, aad=aad)
        if not self.needs_rotation(token):
            return token
        return self.encrypt(secret, aad=aad)

    def rotate(self, items: Iterable[tuple[str, str]]) -> list[str]:
        """Re-encrypt ``(token, aad)`` pairs under the newest key, all or nothing.

        Every token is decrypted before any result is returned, so a caller that writes the results
        back never stores half a rotation: one bad token raises `SecretBoxError` naming its index.
        """
        pairs = list(items)
        opened: list[tuple[SecretValue | None, str, str]] = []
        for index, (token, aad) in enumerate(pairs):
            try:
                secret = self.decrypt(token, aad=aad)
                current = not self.needs_rotation(token)
            except SecretBoxError as exc:
                raise SecretBoxError(f"item {index}: {exc}") from None
            opened.append((None if current else secret, token, aad))
        return [token if secret is None else self.encrypt(secret, aad=aad) for secret, token, aad in opened]

    # --- token format ---------------------------------------------------------------------------

    def _parse(self, token: str) -> tuple[SecretKey, bytes]:
        if not isinstance(token, str):
            raise SecretBoxError(f"a SecretBox token is a str, not {type(token).__name__}")
        version, _, rest = token.partition(".")
        kid, _, data = rest.partition(".")
        if version != VERSION:
            shown = version if version.isalnum() and len(version) <= 8 else "?"
            raise SecretBoxError(
                f"not a SecretBox token: expected '{VERSION}.<key id>.<data>', found version {shown!r}"
            )
        if not data:
            raise SecretBoxError(f"not a SecretBox token: expected '{VERSION}.<key id>.<data>'")
        key = self._keyring.get(kid)
        if key is None:
            shown = kid if kid.isalnum() and len(kid) <= 16 else "?"
            raise SecretBoxError(
                f"ciphertext was encrypted with key id {shown}, which is not configured "
                f"(configured: {', '.join(self.key_ids)})"
            )
        try:
            blob = base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise SecretBoxError(f"ciphertext under key id {kid} is not valid base64url") from None
        if len(blob) < _NONCE_BYTES + _TAG_BYTES:
            raise SecretBoxError(f"ciphertext under key id {kid} is truncated")
        return key, blob


def _bound(key: SecretKey, aad: str) -> bytes:
    """The associated data actually authenticated: format version, key id and the caller's label."""
    if not isinstance(aad, str):
        raise TypeError(f"aad is a str label such as 'action:42:api_key', not {type(aad).__name__}")
    return f"actionforge-secretbox\x00{VERSION}\x00{key.id}\x00{aad}".encode()
