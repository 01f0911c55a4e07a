"""The loud warning when the development-only loopback switch is on."""

from __future__ import annotations

import logging
import threading

from actionforge.settings import Settings

logger = logging.getLogger("actionforge.egress")

_lock = threading.Lock()
_warned = False


def warn_if_development(settings: Settings) -> bool:
    """Log a warning, once per process, if ``allow_loopback`` is on; return whether it logged now.

    A guard that lets actions reach this machine is a footgun in production, so its use should
    never be silent; once is enough, since every client built from the same settings would repeat it.
    """
    global _warned
    if not settings.allow_loopback:
        return False
    with _lock:
        if _warned:
            return False
        _warned = True
    logger.warning(
        "Egress guard: allow_loopback is on, so actions can reach services on this machine "
        "(127.0.0.0/8, ::1). This is for local development only; turn it off in production."
    )
    return True
