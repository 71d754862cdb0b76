"""vpcsim: simulate AWS VPC networks offline.

Load or build a :class:`Network`, then ask it questions::

    import vpcsim

    network = vpcsim.load("bastion-nat")          # a spec, an AWS folder, Terraform JSON, an example
    result = vpcsim.trace(network, "bastion", "app", port=22)
    print(result.verdict, result.codes)

The public API is exactly the names this module exports (``__all__``; ``docs/api.md``). The
subpackages (``vpcsim.model``, ``vpcsim.engine``, ``vpcsim.analysis``, ``vpcsim.formats``,
``vpcsim.cli``, ``vpcsim.lab``...) are internal: their names may change in any release. Every
result is an immutable value object.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._api import check, diff, exposure, load, matrix, reach, trace, validate, why
    from .engine import Blocker, EndpointError, Flow, Hop, Step, Trace, make_flow
    from .model import ModelError, Network, Problem, ValidationError
    from .model.problems import InputError, InputWarning

#: Where each public name lives. Imported on first use (PEP 562), so that ``vpcsim trace`` does
#: not import every analysis before answering: start-up is part of a warm answer's second.
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        ("check", "diff", "exposure", "load", "matrix", "reach", "trace", "validate", "why"), "._api"
    ),
    **dict.fromkeys(("Blocker", "EndpointError", "Flow", "Hop", "Step", "Trace", "make_flow"), ".engine"),
    **dict.fromkeys(("ModelError", "Network", "Problem", "ValidationError"), ".model"),
    **dict.fromkeys(("InputError", "InputWarning"), ".model.problems"),
}

__all__ = [
    "Blocker",
    "EndpointError",
    "Flow",
    "Hop",
    "InputError",
    "InputWarning",
    "ModelError",
    "Network",
    "Problem",
    "Step",
    "Trace",
    "ValidationError",
    "check",
    "diff",
    "exposure",
    "load",
    "make_flow",
    "matrix",
    "reach",
    "trace",
    "validate",
    "why",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vpcsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    # The public names belong to the public namespace (as httpx does): reprs, tracebacks and
    # pickles say ``vpcsim.Trace``, not the internal module that defines it.
    value.__module__ = "vpcsim"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
