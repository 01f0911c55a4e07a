"""The suite reads only what the repository holds (tests/self_contained.py enforces it)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.data import CORPUS
from tests.self_contained import BESIDE, ReadOutsideTheRepository


@pytest.mark.parametrize(
    "read",
    [
        lambda: (Path(BESIDE) / "corpus" / "README.md").read_text(),
        lambda: os.open(os.path.join(BESIDE, "..", "shared", "spec", "x.md").encode(), os.O_RDONLY),
        lambda: list(Path(BESIDE).iterdir()),
        lambda: os.listdir(BESIDE),
    ],
    ids=["read_text", "os.open-bytes-dotdot", "iterdir", "listdir"],
)
def test_reading_the_shared_folder_beside_the_checkout_fails(read: Callable[[], object]) -> None:
    with pytest.raises(ReadOutsideTheRepository, match="vendor the data under tests/data"):
        read()


def test_the_vendored_data_reads_as_usual() -> None:
    assert (CORPUS / "uritemplate-test" / "LICENSE").read_text(encoding="utf-8").strip()
    assert sorted(os.listdir(CORPUS))[0] == "apidevtools"
