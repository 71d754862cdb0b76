"""Holding Python's cyclic garbage collector while vpcsim builds or walks a large network.

Why: loading, validating, compiling and analysing a 50,000-ENI estate allocate millions of small
objects that all live on (the network, its indexes, its compiled form) or die young without
cycles. The collector cannot free any of them, yet each of its full passes walks the whole heap
again: on a cold `vpcsim trace` of the `messy` 50,000-ENI estate it was about a third of the CPU
time (10.8 s with it, 6.7 s without; docs/performance.md). Reference counting still frees
everything dropped meanwhile, and the collector resumes, as it was, when the work is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks are fine: the outermost restores)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
