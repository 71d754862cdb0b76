"""The exit statuses of the CLI contract, and the errors the CLI turns into them (``docs/cli.md``).

One map (:data:`EXIT_STATUS`) gives every answer its status; :mod:`vpcsim.cli.answers` says
which answer each result is. The conversions below turn the errors of the layers beneath (bad
input, an endpoint that names nothing, a flow that cannot exist) into one :class:`CliError` each.
"""

from __future__ import annotations

from typing import Any, Literal

from ..engine import EndpointError
from ..model import ModelError, Network
from ..model.problems import InputError

Answer = Literal["yes", "no", "usage", "unknown", "internal"]

#: The one exit-code map: yes / clean, no / findings / differences, usage / input / environment
#: error, the answer depends on what is not modelled, a bug in vpcsim (``--debug`` shows it).
EXIT_STATUS: dict[Answer, int] = {"yes": 0, "no": 1, "usage": 2, "unknown": 3, "internal": 70}

EXIT_OK = EXIT_STATUS["yes"]
EXIT_NO = EXIT_STATUS["no"]
EXIT_USAGE = EXIT_STATUS["usage"]
EXIT_UNKNOWN = EXIT_STATUS["unknown"]
EXIT_INTERNAL = EXIT_STATUS["internal"]


class CliError(Exception):
    """An error a user can fix: printed as one message (or ``{"error": ...}`` under ``--json``), exit 2."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "VPCSIM_USAGE",
        location: str | None = None,
        details: list[dict[str, Any]] | None = None,
        status: int = EXIT_USAGE,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.location = location
        self.details = details or []
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "location": self.location}
        if self.details:
            error["details"] = self.details
        return {"schema_version": 1, "error": error}


def endpoint_error(
    exc: EndpointError, network: Network | None = None, refs: tuple[str, ...] = ()
) -> CliError:
    """An endpoint that names nothing or several things, with the candidates to choose from; an
    unknown name among ``refs`` gets the spec loader's "did you mean" from the network's names."""
    message = str(exc)
    if network is not None and not exc.candidates:
        message += "".join(_hint(network, ref) for ref in refs if f"{ref.strip()!r}" in message)
    if exc.parameter is not None:
        message = f"--{exc.parameter.replace('_', '-')} {message}"
    if exc.candidates:
        message += ": " + ", ".join(exc.candidates)
    details = [{"candidate": c} for c in exc.candidates]
    return CliError(message, code="VPCSIM_ENDPOINT", details=details)


def _hint(network: Network, ref: str) -> str:
    """ "; did you mean 'web-1'?" for a mistyped endpoint: ids and Name tags of what an endpoint can
    name (instances, ENIs, subnets, security groups and their group names), and ``internet``."""
    from ..model.hints import did_you_mean

    names = {"internet"}
    for collection in (
        network.instances,
        network.network_interfaces,
        network.subnets,
        network.security_groups,
    ):
        for resource_id, resource in collection.items():
            names.add(resource_id)
            if resource.name:
                names.add(resource.name)
    names.update(g.group_name for g in network.security_groups.values() if g.group_name)
    hint = did_you_mean(ref.strip(), names).strip()
    return f"; {hint}" if hint else ""


def flow_error(
    exc: ValueError | ModelError, network: Network | None = None, refs: tuple[str, ...] = ()
) -> CliError:
    """A flow that cannot exist (a TCP flow without a port, a port beyond 65535...)."""
    if isinstance(exc, EndpointError):
        return endpoint_error(exc, network, refs)
    return CliError(str(exc), code="VPCSIM_USAGE")


def input_error(exc: InputError) -> CliError:
    """Input that cannot be used: the first problem's location and message, every problem in details."""
    first = exc.problems[0]
    message = first.message if len(exc.problems) == 1 else f"{len(exc.problems)} problems in the input"
    location = str(first.location) if first.location.file or first.location.path else None
    details = [{**p.to_dict(), "text": str(p)} for p in exc.problems]
    if len(exc.problems) == 1 and location:
        message = f"{location}: {first.message}"
    return CliError(message, code=first.code, location=location, details=details)
