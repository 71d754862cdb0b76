"""Which function answers which API action.

An action family is a module of :mod:`vpcsim.serve.actions`; its functions register themselves
with ``@action("CreateVpc")``. Every module of that package is imported by :func:`load_actions`
(discovered, not listed), so two families never edit one shared list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Request

__all__ = ["ACTIONS", "Handler", "action", "load_actions"]

Handler = Callable[["Request"], dict[str, Any]]

#: (service, action) -> handler; service is ``ec2`` or ``sts``.
ACTIONS: dict[tuple[str, str], Handler] = {}


def action(name: str, *, service: str = "ec2") -> Callable[[Handler], Handler]:
    """Register the decorated function as the answer to ``name`` (an operation of botocore's
    ``service`` model; its parsed input is ``request.params``, it returns the output shape's dict)."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in ACTIONS and ACTIONS[key] is not handler:
            raise RuntimeError(
                f"{service}:{name} is registered twice ({ACTIONS[key].__module__}, {handler.__module__})"
            )
        ACTIONS[key] = handler
        return handler

    return register


def load_actions() -> dict[tuple[str, str], Handler]:
    """Import every module of :mod:`vpcsim.serve.actions` (once) and return the registry."""
    from . import actions

    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"{actions.__name__}.{module.name}")
    return ACTIONS
