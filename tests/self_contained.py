"""Keeps the suite self-contained: a test that reads the ``shared/`` folder beside the checkout fails.

That folder exists beside this project's own checkouts and in its CI, never in a user's clone, so
a test reading it would pass CI and fail for everyone else. An audit hook (PEP 578) sees every
``open`` and directory listing in the test process and refuses those paths at the call.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BESIDE = str(Path(__file__).resolve().parents[2] / "shared")
_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})


class ReadOutsideTheRepository(RuntimeError):
    """Raised in place of the read: the data belongs under tests/data."""


def _refuse_reads_beside_the_checkout(event: str, args: tuple[object, ...]) -> None:
    if event not in _EVENTS or not args or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if path == BESIDE or path.startswith(BESIDE + os.sep):
        raise ReadOutsideTheRepository(
            f"{path} is outside the repository, absent from a fresh clone: vendor the data under "
            "tests/data (see tests/data/README.md)"
        )


def install() -> None:
    """Once per process: an audit hook cannot be removed."""
    sys.addaudithook(_refuse_reads_beside_the_checkout)
