"""Errors of the live lab, each with a message that says what to do.

``LabEnvironmentError`` is the machine's fault (not root, ``ip`` or ``nft`` missing): the CLI
maps it to exit 2. ``LabError`` is anything else a user can fix (a lab that does not exist, an
unknown instance, a network the kernel cannot realise).
"""

from __future__ import annotations


class LabError(Exception):
    """A lab operation that cannot be done, with a message naming what to fix."""


class LabEnvironmentError(LabError):
    """The machine cannot run a lab: not root, or ``ip``/``nft`` missing."""


class LabNotFoundError(LabError):
    """No lab of that name is up."""
