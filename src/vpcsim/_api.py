"""The functions of the public API: one call per question, over the internal layers.

Each function is a thin door: it takes what a user has at hand (a path, an instance's Name tag,
``"linux"`` for the client ports), calls the model, formats, engine or analyses, and returns their
immutable result. ``vpcsim/__init__.py`` re-exports these names; only the names exported by
:mod:`vpcsim` are public (``docs/api.md``).
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

from .analysis.diff import DiffResult
from .analysis.diff import diff as _diff
from .analysis.exposure import ExposureResult, Severity
from .analysis.exposure import exposure as _exposure
from .analysis.matrix import By, MatrixResult
from .analysis.matrix import matrix as _matrix
from .analysis.policy import CheckResult
from .analysis.policy import check as _check
from .analysis.reach import ReachResult
from .analysis.reach import reach as _reach
from .analysis.why import WhyResult
from .analysis.why import why as _why
from .engine import Flow, Trace, make_flow, parse_client_ports
from .engine import trace as _trace
from .formats.loader import load_source
from .formats.policy import policy_from_data, read_policy
from .model import Network, Problem, Resource
from .model.problems import InputWarning
from .model.validate import ValidationError, errors
from .model.validate import validate as _validate

Endpoint = str | Resource
"""An instance or ENI (object, id or Name tag), an address, or ``internet[:IP]``."""
ClientPorts = str | tuple[int, int]
"""The client's ephemeral ports: ``linux`` (32768-60999), ``windows``, ``nat`` or ``(lo, hi)``."""

#: What each loaded network's input held but the model does not (resource type -> count): an
#: exposure analysis reports it as incomplete. Weak: it goes with the network.
_SKIPPED: weakref.WeakKeyDictionary[Network, dict[str, int]] = weakref.WeakKeyDictionary()


def load(source: str | PathLike[str], *, format: str | None = None) -> Network:
    """Load a network: a YAML spec, an AWS ``describe-*`` folder or JSON file, Terraform JSON
    (``terraform show -json`` of a plan or a state), or the name of a built-in example.

    ``format`` (``yaml``, ``aws`` or ``terraform``) forces the format. Raises
    :class:`InputError` naming the file, line or key of what cannot be used; what the input
    holds but the model does not is told as an :class:`InputWarning`, never dropped silently.
    """
    loaded = load_source(source if isinstance(source, str) else Path(source), format=format)
    for problem in loaded.warnings:
        warnings.warn(str(problem), InputWarning, stacklevel=2)
    if loaded.skipped:
        what = ", ".join(f"{kind} x{count}" for kind, count in sorted(loaded.skipped.items()))
        warnings.warn(f"{source}: read but not modelled: {what}", InputWarning, stacklevel=2)
        _SKIPPED[loaded.network] = dict(loaded.skipped)
    return loaded.network


def validate(network: Network, *, strict: bool = False) -> list[Problem]:
    """Every problem of ``network`` against AWS's rules (errors and warnings), sorted.

    With ``strict``, a network with errors raises :class:`ValidationError` (carrying them all).
    """
    problems = _validate(network)
    if strict and errors(problems):
        raise ValidationError(problems)
    return problems


def _flow(
    network: Network,
    source: Flow | Endpoint,
    destination: Endpoint | None,
    *,
    protocol: str | int,
    port: int | None,
    source_port: int | None,
    client_ports: ClientPorts | None,
    icmp_type: int | None,
    icmp_code: int | None,
    from_eni: str | None,
    ipv6: bool = False,
) -> Flow:
    if isinstance(source, Flow):
        options = (port, source_port, client_ports, icmp_type, icmp_code, from_eni)
        if destination is not None or protocol != "tcp" or ipv6 or any(o is not None for o in options):
            raise TypeError("give a Flow alone, or a source and a destination with the flow's options")
        return source
    if destination is None:
        raise TypeError("a flow needs a destination")
    return flow_between(
        network,
        source,
        destination,
        protocol=protocol,
        port=port,
        source_port=source_port,
        client_ports=client_ports,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        from_eni=from_eni,
        ipv6=ipv6,
    )


def flow_between(
    network: Network,
    source: Endpoint,
    destination: Endpoint,
    *,
    protocol: str | int = "tcp",
    port: int | None = None,
    source_port: int | None = None,
    client_ports: ClientPorts | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    from_eni: str | None = None,
    ipv6: bool = False,
) -> Flow:
    """The one flow between two named ends, as the CLI and the API both build it: a subnet or
    security group holding one ENI stands for it, and a bare address nothing sends from is
    refused as the source (``docs/cli.md``); ``ipv6`` (the CLI's ``-6``): instances stand for
    their IPv6 address (an IPv6 address at either end implies it); raises
    ``EndpointError``/``ValueError``."""
    from .analysis.endpoints import require_sender, single_eni

    if isinstance(source, str):
        require_sender(network, source)
        source = single_eni(network, source) or source
    if isinstance(destination, str):
        destination = single_eni(network, destination) or destination
    return make_flow(
        network,
        source,
        destination,
        protocol=protocol,
        port=port,
        source_port=source_port,
        client_ports=client_ports,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        from_eni=from_eni,
        ipv6=ipv6,
    )


def trace(
    network: Network,
    source: Flow | Endpoint,
    destination: Endpoint | None = None,
    *,
    protocol: str | int = "tcp",
    port: int | None = None,
    source_port: int | None = None,
    client_ports: ClientPorts | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    from_eni: str | None = None,
    ipv6: bool = False,
    record: bool = True,
) -> Trace:
    """Trace one flow forward and back, hop by hop, with every blocker.

    Give a :class:`Flow` (from :func:`make_flow`), or its source and destination (an instance or
    ENI by object, id or Name tag, an address, or ``internet[:IP]``) and its options as
    :func:`make_flow` takes them (``ipv6=True``: instances stand for their IPv6 address; an IPv6
    address at either end implies it). ``record=False`` skips the hops (verdict and blockers only).
    Raises :class:`EndpointError` for an endpoint that names nothing or several things, and
    ``ValueError`` for a flow that cannot exist (a TCP flow without a port...).
    """
    flow = _flow(
        network,
        source,
        destination,
        protocol=protocol,
        port=port,
        source_port=source_port,
        client_ports=client_ports,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        from_eni=from_eni,
        ipv6=ipv6,
    )
    return _trace(network, flow, record=record)


def why(
    network: Network,
    source: Flow | Endpoint,
    destination: Endpoint | None = None,
    *,
    protocol: str | int = "tcp",
    port: int | None = None,
    source_port: int | None = None,
    client_ports: ClientPorts | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    from_eni: str | None = None,
    ipv6: bool = False,
) -> WhyResult:
    """Every blocker of one flow along the tutorial's checklist, and the smallest set of changes
    (EC2 API calls, tried on a copy of the network) that opens its path. Takes the flow as
    :func:`trace` does."""
    flow = _flow(
        network,
        source,
        destination,
        protocol=protocol,
        port=port,
        source_port=source_port,
        client_ports=client_ports,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        from_eni=from_eni,
        ipv6=ipv6,
    )
    return _why(network, flow)


def _ref(endpoint: Endpoint) -> str:
    return endpoint if isinstance(endpoint, str) else endpoint.id


def reach(
    network: Network, source: Endpoint, destination: Endpoint, *, client_ports: ClientPorts = "linux"
) -> ReachResult:
    """Every flow ``source`` can send ``destination``, exactly, as compact ranges: ``allowed``
    (both ways), ``one_way`` (no reply for any client port), ``partial`` (for some client ports)
    and ``unknown`` (through what is not modelled)."""
    return _reach(network, _ref(source), _ref(destination), client_ports=parse_client_ports(client_ports))


def exposure(
    network: Network, *, min_severity: Severity = "low", client_ports: ClientPorts = "linux"
) -> ExposureResult:
    """What the internet can deliver to every instance and ENI through the real path, as findings
    of ``min_severity`` and above; what the answer depends on but the model does not hold
    (including what :func:`load` read but could not model) is listed as ``incomplete``."""
    return _exposure(
        network,
        skipped=_SKIPPED.get(network),
        client_ports=parse_client_ports(client_ports),
        min_severity=min_severity,
    )


def matrix(network: Network, by: By = "subnet", *, client_ports: ClientPorts = "linux") -> MatrixResult:
    """All-pairs reachability grouped ``by`` instance, subnet or security-group, with the traffic
    of each pair."""
    return _matrix(network, by, client_ports=parse_client_ports(client_ports))


def diff(old: Network, new: Network, *, client_ports: ClientPorts = "linux") -> DiffResult:
    """Flows newly allowed, newly blocked, newly one way and unknown between every pair of ENI
    addresses and with the internet, from ``old`` to ``new`` ("what will this plan open?"); what
    either answer cannot cover (including what :func:`load` read but could not model) is listed as
    ``incomplete``."""
    return _diff(
        old,
        new,
        client_ports=parse_client_ports(client_ports),
        skipped_old=_SKIPPED.get(old),
        skipped_new=_SKIPPED.get(new),
    )


def check(network: Network, policy: str | PathLike[str] | Mapping[str, object]) -> CheckResult:
    """Check ``network`` against a policy (``docs/policy.md``): a YAML file, or its content as a
    mapping. Raises :class:`InputError` naming the line and key of a malformed policy or of a
    selector that names nothing. A ``deny`` or ``only`` that holds over what is modelled is
    ``unknown`` when the network is incomplete (``CheckResult.incomplete``)."""
    skipped = _SKIPPED.get(network)
    if isinstance(policy, Mapping):
        return _check(network, policy_from_data(policy), policy_path="<policy>", skipped=skipped)
    parsed, lines = read_policy(policy)
    return _check(network, parsed, policy_path=str(policy), lines=lines, skipped=skipped)
