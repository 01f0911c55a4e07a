from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actionforge.settings import Settings
from tests.servers.echo import echo_app
from tests.servers.threaded import serve

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared test corpus (../shared/corpus), present beside every checkout and in CI."""
    path = SHARED / "corpus"
    assert path.is_dir(), f"test corpus missing at {path}"
    return path


@pytest.fixture(scope="session")
def openapi_spec_texts() -> Path:
    return SHARED / "spec" / "openapi"


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def echo_server() -> Iterator[str]:
    """Base URL of a real loopback API that echoes each request back as JSON."""
    with serve(echo_app()) as url:
        yield url
