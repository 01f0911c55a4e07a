"""Encryption keys for `SecretBox`: where they come from, how they are named, how they rotate.

Sources, first match wins:

1. ``settings.secret_key`` (``ACTIONFORGE_SECRET_KEY``): comma-separated base64 keys, newest first.
2. ``settings.key_file``: the same list, one key per line (or comma-separated), newest first. When the
   file does not exist it is created with one new key, mode 0600, atomically (written to a private
   temporary file, then linked into place, so two processes starting together use the same key).
   A file that group or others may read is refused: the key decrypts every stored credential.

The newest key encrypts; every configured key decrypts. Rotation is: put a new key first, run
``actionforge secrets rotate`` (`SecretBox.reencrypt`), then drop the old key.

A key is named by its id, the first 8 hex digits of a SHA-256 over the key, so a ciphertext says
which key it needs without revealing anything about it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from actionforge.errors import ActionforgeError
from actionforge.settings import Settings, default_settings

KEY_BYTES = 32  # AES-256
_KEY_ID_CONTEXT = b"actionforge secret key id\x00"


class SecretBoxError(ActionforgeError):
    """A ciphertext could not be decrypted, or keys are misconfigured. Never carries plaintext."""


class SecretKeyError(SecretBoxError):
    """The configured key material is missing, malformed or unsafely stored."""


@dataclass(frozen=True, slots=True)
class SecretKey:
    """One AES-256 key and its public id; the key bytes never appear in its repr."""

    id: str
    material: bytes = field(repr=False)

    @classmethod
    def from_bytes(cls, material: bytes) -> SecretKey:
        if len(material) != KEY_BYTES:
            raise SecretKeyError(f"a secret key must be {KEY_BYTES} bytes, not {len(material)}")
        return cls(key_id(material), material)


@dataclass(frozen=True, slots=True)
class Keyring:
    """The configured keys, newest first: the first encrypts, any decrypts."""

    keys: tuple[SecretKey, ...]
    source: str  # where the keys came from, for messages ("ACTIONFORGE_SECRET_KEY", a file path)

    def __post_init__(self) -> None:
        if not self.keys:
            raise SecretKeyError(f"no secret key configured in {self.source}")

    @property
    def primary(self) -> SecretKey:
        return self.keys[0]

    def get(self, key_id_: str) -> SecretKey | None:
        return next((k for k in self.keys if k.id == key_id_), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.keys)


def generate_key() -> str:
    """A new random key, base64-encoded, ready for ``ACTIONFORGE_SECRET_KEY`` or a key file."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def key_id(material: bytes) -> str:
    """The short public name of a key (8 hex digits)."""
    return hashlib.sha256(_KEY_ID_CONTEXT + material).hexdigest()[:8]


def parse_keys(text: str, *, source: str) -> Keyring:
    """Parse comma- or newline-separated base64 (or base64url) keys, newest first.

    Errors name the source and the item's position, never the item itself.
    """
    items = [item.strip() for line in text.splitlines() for item in line.split(",")]
    keys: list[SecretKey] = []
    for position, item in enumerate((i for i in items if i), start=1):
        material = _decode_key(item, source=source, position=position)
        key = SecretKey.from_bytes(material)
        if key.id not in {k.id for k in keys}:
            keys.append(key)
    return Keyring(tuple(keys), source)


def _decode_key(item: str, *, source: str, position: int) -> bytes:
    padded = item + "=" * (-len(item) % 4)
    try:
        alphabet = b"-_" if ("-" in item or "_" in item) else None
        material = base64.b64decode(padded, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise SecretKeyError(
            f"key {position} in {source} is not valid base64; create one with generate_key() "
            "(`actionforge secrets generate-key`)"
        ) from None
    if len(material) != KEY_BYTES:
        raise SecretKeyError(
            f"key {position} in {source} decodes to {len(material)} bytes; an AES-256 key is "
            f"{KEY_BYTES} bytes (create one with `actionforge secrets generate-key`)"
        )
    return material


def load_keyring(settings: Settings | None = None) -> Keyring:
    """The keys from ``settings.secret_key``, or else from ``settings.key_file`` (created if absent)."""
    settings = settings or default_settings()
    if settings.secret_key is not None and settings.secret_key.reveal().strip():
        return parse_keys(settings.secret_key.reveal(), source="ACTIONFORGE_SECRET_KEY")
    return load_key_file(settings.key_file)


def load_key_file(path: Path) -> Keyring:
    """Read the key file at ``path``, creating it (one new key, mode 0600) if it does not exist."""
    path = Path(path)
    if not path.exists():
        _create_key_file(path)
    _check_private(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"cannot read key file {path}: {exc.__class__.__name__}") from None
    return parse_keys(text, source=str(path))


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place.

    ``os.link`` fails if ``path`` exists, so the file appears complete or not at all, and when two
    processes race, both end up using the first one's key.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (generate_key() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process created it first; use theirs
    except OSError as exc:
        raise SecretKeyError(f"cannot create key file {path}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return  # POSIX modes do not describe Windows ACLs
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretKeyError(
            f"key file {path} is readable or writable by group or others (mode {mode:04o}); "
            f"it protects every stored credential: run `chmod 600 {path}`"
        )
