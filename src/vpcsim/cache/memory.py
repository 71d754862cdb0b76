"""The memory tier of the cache: estates a resident process holds, and what this process used.

A resident process (:mod:`vpcsim.resident`) reads entries back from the signed disk store
(:mod:`.store`) once and keeps them here; each question it answers runs in a forked child, which
finds its estate here instead of unpickling it again -- the child's copy is its own (copy on
write), so a command that changes the network it loaded changes nothing the next one sees.
Every process also notes the keys it asked for, so that the ``vpcsim`` command can tell the
resident process which estates to hold next.
"""

from __future__ import annotations

from ..engine.compiled import Compiled
from ..formats.problems import LoadResult

ESTATES: dict[str, tuple[LoadResult, Compiled]] = {}
"""Key (:func:`~vpcsim.cache.fingerprint.cache_key`) -> what loading it produced, as stored."""

USED: list[str] = []
"""The keys of the estates this process's commands loaded, in order (found here, read back from
disk, or read from their files and being written); a load that failed is not among them."""
