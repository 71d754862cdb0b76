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

from ._api import check, diff, exposure, load, matrix, reach, trace, validate, why
from .engine import Blocker, EndpointError, Flow, Hop, Step, Trace, make_flow
from .model import ModelError, Network, Problem, ValidationError
from .model.problems import InputError, InputWarning

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

# The public names belong to the public namespace (as httpx does): reprs, tracebacks and pickles
# say ``vpcsim.Trace``, not the internal module that defines it.
for _name in __all__:
    globals()[_name].__module__ = "vpcsim"
del _name
