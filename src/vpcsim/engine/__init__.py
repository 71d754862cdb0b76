"""The reference packet engine: pure functions over a :class:`vpcsim.model.Network`.

``trace(network, flow)`` is the one truth for semantics; faster or symbolic paths must agree
with it. Internal: only the names :mod:`vpcsim` exports are public (``docs/api.md``).
"""

from .codes import CODES, UNKNOWN_CODES
from .flow import (
    CLIENT_PORT_RANGES,
    DEFAULT_INTERNET_HOST,
    Endpoint,
    EndpointError,
    Flow,
    make_flow,
    parse_client_ports,
    resolve_endpoint,
)
from .result import Blocker, Header, Hop, Step, Trace, Verdict
from .trace import trace

__all__ = [
    "CLIENT_PORT_RANGES",
    "CODES",
    "DEFAULT_INTERNET_HOST",
    "UNKNOWN_CODES",
    "Blocker",
    "Endpoint",
    "EndpointError",
    "Flow",
    "Header",
    "Hop",
    "Step",
    "Trace",
    "Verdict",
    "make_flow",
    "parse_client_ports",
    "resolve_endpoint",
    "trace",
]
