"""A clock that moves only when a test says so: expiry is tested without sleeping."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakeClock:
    """Callable like `time.time`; ``advance`` moves it forward.

    It starts at a fixed Unix time, so the times a test sees are the same on every run.
    """

    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
