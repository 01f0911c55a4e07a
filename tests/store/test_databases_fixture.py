"""Under CI a missing PostgreSQL fails the PostgreSQL tests; locally they skip with the reason."""

from __future__ import annotations

import pytest

from tests.store.databases import POSTGRES_ENV, _postgres_admin_url


def test_ci_without_postgres_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=POSTGRES_ENV):
        _postgres_admin_url()


def test_locally_without_postgres_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="scripts/postgres"):
        _postgres_admin_url()
