from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from actionforge.settings import Settings
from tests import self_contained
from tests.data import CORPUS, OPENAPI_SPECS
from tests.servers.echo import echo_app
from tests.servers.threaded import serve

# No per-example deadline: Hypothesis's 200 ms default is a wall-clock assertion, flaky on a busy
# machine. CI runs property tests with a fixed seed so a landing is reproducible; locally every run
# explores new examples (and a failure prints the example to pin as a regression test).
hypothesis_settings.register_profile("local", deadline=None)
hypothesis_settings.register_profile(
    "ci", hypothesis_settings.get_profile("local"), derandomize=True, print_blob=True
)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "local")

self_contained.install()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The vendored test corpus (tests/data/corpus): part of every checkout."""
    return CORPUS


@pytest.fixture(scope="session")
def openapi_spec_texts() -> Path:
    return OPENAPI_SPECS


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def echo_server() -> Iterator[str]:
    """Base URL of a real loopback API that echoes each request back as JSON."""
    with serve(echo_app()) as url:
        yield url
