"""How long work reports its progress: a protocol the edges implement and the layers call.

The analyses and the loader know what they are doing (a phase) and how far along they are (done
out of total); only the CLI knows whether anyone is watching (a terminal on stderr, no
``--json``, no ``--quiet``) and how to draw it (rich). So the edge passes an object with these
three methods down, and the layers below never import the CLI. Callers report per chunk (a
subnet, a group of addresses), never per packet, so that the engine's loops do not slow down;
:data:`NO_PROGRESS` does nothing, at the cost of one method call per chunk.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, phase: str, total: int | None) -> None:
        """A new phase of ``total`` steps (None when unknown): ``loading``, ``exposure``..."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more of the current phase are done."""

    def finish(self) -> None:
        """The current phase is over."""


class _NoProgress:
    __slots__ = ()

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()
