"""Sealed columns: a ciphertext belongs to one row and one column."""

from __future__ import annotations

import pytest

import actionforge
from actionforge.store.sealing import seal, unseal


@pytest.fixture
def box() -> actionforge.SecretBox:
    return actionforge.SecretBox.from_settings(
        actionforge.Settings(secret_key=actionforge.SecretValue(actionforge.generate_key()))
    )


def test_a_sealed_value_opens_only_in_its_own_row_and_column(box: actionforge.SecretBox) -> None:
    token = seal(box, "sk-123", table="actions", row_id="act_1", column="api_key_sealed")
    assert "sk-123" not in token
    assert unseal(box, token, table="actions", row_id="act_1", column="api_key_sealed").reveal() == "sk-123"
    for row_id, column in (("act_2", "api_key_sealed"), ("act_1", "client_secret_sealed")):
        with pytest.raises(actionforge.SecretBoxError):
            unseal(box, token, table="actions", row_id=row_id, column=column)
