"""SecretBox: AES-256-GCM tokens bound to their owner, with key rotation and safe key files."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionforge.secrets import (
    SecretBox,
    SecretBoxError,
    SecretKeyError,
    SecretValue,
    generate_key,
    key_id,
    load_key_file,
    load_keyring,
    parse_keys,
)
from actionforge.settings import Settings

PLAINTEXT = "sk-box-7f3a9c1e5b2d8f40"
AAD = "action:42:api_key"


def box_with(*keys: str) -> SecretBox:
    return SecretBox(parse_keys(",".join(keys), source="test"))


@pytest.fixture
def old_key() -> str:
    return generate_key()


@pytest.fixture
def new_key() -> str:
    return generate_key()


def flip_bit(token: str, byte_index: int) -> str:
    version, kid, data = token.split(".")
    blob = bytearray(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    blob[byte_index] ^= 0x01
    return f"{version}.{kid}.{base64.urlsafe_b64encode(bytes(blob)).rstrip(b'=').decode()}"


# --- round trip and format --------------------------------------------------------------------


def test_round_trip_returns_a_secret_value(old_key: str) -> None:
    box = box_with(old_key)
    token = box.encrypt(PLAINTEXT, aad=AAD)
    opened = box.decrypt(token, aad=AAD)
    assert isinstance(opened, SecretValue)
    assert opened.reveal() == PLAINTEXT
    assert box.decrypt(box.encrypt(SecretValue(PLAINTEXT), aad=AAD), aad=AAD).reveal() == PLAINTEXT


@settings(max_examples=60, deadline=None)
@given(plaintext=st.text(max_size=300), aad=st.text(max_size=40))
def test_round_trip_any_text(plaintext: str, aad: str) -> None:
    box = box_with("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    assert box.decrypt(box.encrypt(plaintext, aad=aad), aad=aad).reveal() == plaintext


def test_token_format_names_version_and_key_and_hides_plaintext(old_key: str) -> None:
    box = box_with(old_key)
    token = box.encrypt(PLAINTEXT, aad=AAD)
    version, kid, data = token.split(".")
    assert version == "v1"
    assert kid == key_id(base64.b64decode(old_key)) == box.key_ids[0]
    assert len(kid) == 8
    assert PLAINTEXT not in token
    assert base64.urlsafe_b64encode(PLAINTEXT.encode()).decode()[:12] not in token
    assert len(base64.urlsafe_b64decode(data + "==")) == 12 + len(PLAINTEXT) + 16


def test_each_encryption_uses_a_fresh_nonce(old_key: str) -> None:
    box = box_with(old_key)
    tokens = {box.encrypt(PLAINTEXT, aad=AAD) for _ in range(50)}
    assert len(tokens) == 50
    nonces = {base64.urlsafe_b64decode(t.split(".")[2] + "==")[:12] for t in tokens}
    assert len(nonces) == 50


# --- integrity and binding --------------------------------------------------------------------


@pytest.mark.parametrize("byte_index", [0, 11, 12, 20, -1])  # nonce, ciphertext, tag
def test_tampering_is_detected(old_key: str, byte_index: int) -> None:
    box = box_with(old_key)
    token = box.encrypt(PLAINTEXT, aad=AAD)
    with pytest.raises(SecretBoxError, match="altered") as info:
        box.decrypt(flip_bit(token, byte_index), aad=AAD)
    assert PLAINTEXT not in str(info.value)


def test_ciphertext_copied_to_another_row_fails(old_key: str) -> None:
    box = box_with(old_key)
    token = box.encrypt(PLAINTEXT, aad="action:42:api_key")
    with pytest.raises(SecretBoxError, match=r"associated data 'action:43:api_key' does not match"):
        box.decrypt(token, aad="action:43:api_key")
    with pytest.raises(SecretBoxError):
        box.decrypt(token, aad="action:42:client_secret")


def test_token_from_an_unconfigured_key_fails(old_key: str, new_key: str) -> None:
    token = box_with(old_key).encrypt(PLAINTEXT, aad=AAD)
    with pytest.raises(SecretBoxError, match=rf"encrypted with key id {token.split('.')[1]}, which is not"):
        box_with(new_key).decrypt(token, aad=AAD)


def test_key_id_swapped_in_the_token_fails(old_key: str, new_key: str) -> None:
    box = box_with(new_key, old_key)
    token = box.encrypt(PLAINTEXT, aad=AAD)  # under new_key
    forged = token.replace(box.key_ids[0], box.key_ids[1], 1)
    with pytest.raises(SecretBoxError, match="altered"):
        box.decrypt(forged, aad=AAD)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "not a SecretBox token"),
        ("plaintext-api-key", "not a SecretBox token"),
        ("v2.abcd1234.AAAA", "found version 'v2'"),
        ("v1.abcd1234", "not a SecretBox token"),
        ("v1.zzzzzzzz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "key id zzzzzzzz, which is not configured"),
    ],
)
def test_malformed_tokens_raise_clear_errors(old_key: str, token: str, message: str) -> None:
    with pytest.raises(SecretBoxError, match=message):
        box_with(old_key).decrypt(token, aad=AAD)


def test_truncated_and_non_base64_data_raise(old_key: str) -> None:
    box = box_with(old_key)
    kid = box.key_ids[0]
    with pytest.raises(SecretBoxError, match="truncated"):
        box.decrypt(f"v1.{kid}.AAAA", aad=AAD)
    with pytest.raises(SecretBoxError, match="not valid base64url"):
        box.decrypt(f"v1.{kid}.***not-base64***", aad=AAD)


def test_repr_of_box_and_keys_show_no_key_material(old_key: str) -> None:
    ring = parse_keys(old_key, source="test")
    assert old_key not in repr(ring)
    assert old_key not in repr(SecretBox(ring))
    assert repr(base64.b64decode(old_key)) not in repr(ring)


# --- rotation ---------------------------------------------------------------------------------


def test_rotation_old_key_decrypts_new_key_encrypts(old_key: str, new_key: str) -> None:
    old_box = box_with(old_key)
    old_token = old_box.encrypt(PLAINTEXT, aad=AAD)
    rotated_box = box_with(new_key, old_key)
    assert rotated_box.decrypt(old_token, aad=AAD).reveal() == PLAINTEXT
    new_token = rotated_box.encrypt(PLAINTEXT, aad=AAD)
    assert new_token.split(".")[1] == rotated_box.key_ids[0] != old_box.key_ids[0]
    assert rotated_box.needs_rotation(old_token)
    assert not rotated_box.needs_rotation(new_token)


def test_reencrypt_moves_to_newest_key(old_key: str, new_key: str) -> None:
    old_token = box_with(old_key).encrypt(PLAINTEXT, aad=AAD)
    box = box_with(new_key, old_key)
    moved = box.reencrypt(old_token, aad=AAD)
    assert not box.needs_rotation(moved)
    assert box.reencrypt(moved, aad=AAD) == moved  # already current: unchanged
    # After the old key is dropped, the moved token still opens.
    assert box_with(new_key).decrypt(moved, aad=AAD).reveal() == PLAINTEXT
    with pytest.raises(SecretBoxError):
        box.reencrypt(old_token, aad="action:99:api_key")


def test_rotate_is_all_or_nothing(old_key: str, new_key: str) -> None:
    old_box = box_with(old_key)
    items = [(old_box.encrypt(f"secret-{i}", aad=f"row:{i}"), f"row:{i}") for i in range(5)]
    box = box_with(new_key, old_key)
    rotated = box.rotate(items)
    assert [box.decrypt(t, aad=f"row:{i}").reveal() for i, t in enumerate(rotated)] == [
        f"secret-{i}" for i in range(5)
    ]
    assert not any(box.needs_rotation(t) for t in rotated)
    broken = [*items[:3], (items[3][0], "row:wrong"), items[4]]
    with pytest.raises(SecretBoxError, match=r"^item 3: "):
        box.rotate(broken)


def test_needs_rotation_rejects_garbage(old_key: str) -> None:
    with pytest.raises(SecretBoxError):
        box_with(old_key).needs_rotation("not-a-token")


# --- keys -------------------------------------------------------------------------------------


def test_generate_key_is_32_random_bytes() -> None:
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(base64.b64decode(k)) == 32 for k in keys)


def test_parse_keys_accepts_base64url_without_padding_and_dedupes(old_key: str) -> None:
    raw = base64.b64decode(old_key)
    urlsafe = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    ring = parse_keys(f" {old_key} ,\n{urlsafe}", source="test")
    assert len(ring.keys) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no secret key configured in test"),
        ("not base64!!", "key 1 in test is not valid base64"),
        (base64.b64encode(b"short").decode(), "key 1 in test decodes to 5 bytes"),
    ],
)
def test_parse_keys_errors_name_position_not_value(text: str, message: str) -> None:
    with pytest.raises(SecretKeyError, match=message) as info:
        parse_keys(text, source="test")
    if text:
        assert text not in str(info.value)


def test_env_keys_newest_first(monkeypatch: pytest.MonkeyPatch, old_key: str, new_key: str) -> None:
    monkeypatch.setenv("ACTIONFORGE_SECRET_KEY", f"{new_key},{old_key}")
    box = SecretBox.from_settings(Settings())
    assert box.key_ids == (
        key_id(base64.b64decode(new_key)),
        key_id(base64.b64decode(old_key)),
    )


def test_settings_secret_key_wins_over_key_file(tmp_path: Path, old_key: str) -> None:
    key_file = tmp_path / "never-created.key"
    ring = load_keyring(Settings(secret_key=SecretValue(old_key), key_file=key_file))
    assert ring.source == "ACTIONFORGE_SECRET_KEY"
    assert not key_file.exists()


def test_key_file_created_private_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "nested" / "actionforge.key"
    settings_ = Settings(key_file=key_file)
    first = SecretBox.from_settings(settings_)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = first.encrypt(PLAINTEXT, aad=AAD)
    second = SecretBox.from_settings(settings_)
    assert second.key_ids == first.key_ids
    assert second.decrypt(token, aad=AAD).reveal() == PLAINTEXT
    assert [p.name for p in key_file.parent.iterdir()] == ["actionforge.key"]  # no temporary left


def test_key_file_with_several_keys_rotates(tmp_path: Path, old_key: str, new_key: str) -> None:
    key_file = tmp_path / "k"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, f"{new_key}\n{old_key}\n".encode())
    os.close(fd)
    assert len(load_key_file(key_file).keys) == 2


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, old_key: str, mode: int) -> None:
    key_file = tmp_path / "actionforge.key"
    key_file.write_text(old_key)
    key_file.chmod(mode)
    with pytest.raises(SecretKeyError, match=rf"mode {mode:04o}.*chmod 600") as info:
        load_key_file(key_file)
    assert old_key not in str(info.value)


def test_key_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "actionforge.key"
    key_file.write_text("hunter2\n")
    key_file.chmod(0o600)
    with pytest.raises(SecretKeyError, match=rf"key 1 in {key_file}"):
        load_key_file(key_file)
