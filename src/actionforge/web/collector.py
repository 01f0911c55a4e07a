"""A server process's garbage collector, set for a long-lived process that serves many requests.

Why: a started server holds some hundreds of thousands of objects that live as long as it does
(modules, routes, pydantic's schemas, SQLAlchemy's mappers). Every full collection walked them
all: under 50 concurrent test-operation requests, one about every thousand requests at about
100 ms each, some 100 µs per request on average. `gc.freeze` moves them where the collector
never looks (as CPython's documentation suggests for servers); reference counting still frees
them as usual.

Then the young generation's threshold goes from CPython's 700 to `YOUNG_THRESHOLD`. At 700, a
collection ran about every ten requests under load, so the objects of the requests in flight
(50 of them, each alive for tens of milliseconds) were promoted to the older generations, which
then had to be collected too: about 75 µs of a test-operation request's CPU went to the
collector (timed with `gc.callbacks` under bench/api.py's load). At 10,000 it runs about every
three hundred requests, most of what it finds has died meanwhile, and the collector's share is
about a fifth of that; each collection takes a few milliseconds, and cyclic garbage waits longer
(at most that many objects). Only `actionforge serve` does this: an app embedded in another
process, or in the tests, leaves that process's collector alone.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # CPython's default is 700; the older generations keep theirs


def freeze_startup_objects() -> None:
    """Collect what starting left behind, freeze the rest, and collect the young generation less
    often (see the module's docstring)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
