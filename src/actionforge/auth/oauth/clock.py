"""The clock the OAuth code reads: state and token expiry, refresh skew.

Every function or object that compares with an expiry takes a `Clock`, the real one by default,
so a test moves time forward instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Returns the current Unix time in seconds, like `time.time`."""

system_clock: Clock = time.time
