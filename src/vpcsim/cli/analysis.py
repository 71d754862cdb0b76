"""The analysis commands: reach, why, exposure, matrix, diff, check (issue 5).

Thin, like every command: load the NETWORK argument(s), run an analysis from
:mod:`vpcsim.analysis`, render it (text, ``--json``, CSV, SARIF, JUnit XML) and return the exit
status of the CLI contract: 0 yes / clean, 1 no / findings / differences, 2 usage or input
error, 3 the answer depends on what is not modelled.

The lead mounts these functions on the main app with :func:`register` (after the app's own
commands are defined, since this module imports the app's helpers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..engine import CLIENT_PORT_RANGES, EndpointError, make_flow, parse_client_ports
from ..model import ModelError
from .common import (
    ClientPortsOpt,
    DebugOpt,
    FormatOpt,
    FromEniOpt,
    FromOpt,
    IcmpCodeOpt,
    IcmpTypeOpt,
    JsonOpt,
    NetworkArg,
    PortOpt,
    ProtocolOpt,
    SourcePortOpt,
    ToOpt,
    console,
    emit,
    emit_json,
    load,
)
from .errors import EXIT_NO, EXIT_OK, EXIT_UNKNOWN, CliError
from .render import label

SarifOpt = Annotated[
    str | None, typer.Option("--sarif", help="Also write SARIF 2.1.0 to this file ('-' for stdout).")
]


#: Skipped input that cannot change what the internet reaches (descriptions, the customer side of a
#: VPN, terminated instances): not reported as making an exposure analysis incomplete.
_CARRY_NO_INTERNET_TRAFFIC = frozenset(
    {
        "AvailabilityZones",
        "Regions",
        "CustomerGateways",
        "VpnConnections",
        "ServiceNames",
        "Instances (terminated, no network)",
    }
)


def _client_ports(text: str | None) -> tuple[int, int]:
    if text is None:
        return CLIENT_PORT_RANGES["linux"]
    try:
        return parse_client_ports(text)
    except ValueError as exc:
        raise CliError(f"--client-ports: {exc}") from None


def _endpoint_error(exc: EndpointError) -> CliError:
    details = [{"candidate": c} for c in exc.candidates]
    message = str(exc) + (": " + ", ".join(exc.candidates) if exc.candidates else "")
    return CliError(message, code="VPCSIM_ENDPOINT", details=details)


def _write(path: str, text: str) -> None:
    if path == "-":
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}", code="VPCSIM_OUTPUT") from None


def _json_text(document: object) -> str:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def _addresses(cidrs: tuple[str, ...]) -> str:
    text = ", ".join(c.removesuffix("/32") for c in cidrs[:4])
    return text + (f" (+{len(cidrs) - 4})" if len(cidrs) > 4 else "")


# ---------------------------------------------------------------------------- reach


def reach(
    network: NetworkArg,
    src: FromOpt,
    dst: ToOpt,
    client_ports: ClientPortsOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Every flow SRC can send DST, exactly: allowed (both ways), one way (the reply fails for every
    client port) and partial (for part of the client ports). Exit 0 when something is allowed, 1 when
    nothing is, 3 when nothing is but some flows cross what is not modelled."""
    from ..analysis.reach import reach as run_reach

    ports = _client_ports(client_ports)
    loaded = load(network, fmt)
    try:
        result = run_reach(loaded.network, src, dst, client_ports=ports)
    except EndpointError as exc:
        raise _endpoint_error(exc) from None
    if as_json:
        emit_json(result.to_dict())
    else:
        table = Table(
            title=f"reach {result.source} -> {result.destination} (client ports {ports[0]}-{ports[1]})"
        )
        for column in ("", "traffic", "from", "to"):
            table.add_column(column)
        rows = 0
        for name, entries, style in (
            ("allowed", result.allowed, "green"),
            ("partial", result.partial, "yellow"),
            ("one way", result.one_way, "red"),
            ("unknown", result.unknown, "yellow"),
        ):
            for entry in entries:
                rows += 1
                table.add_row(
                    Text(name, style=style),
                    entry.describe(),
                    _addresses(entry.sources),
                    _addresses(entry.destinations),
                )
        emit(
            table
            if rows
            else Text(f"{result.source} -> {result.destination}: nothing gets through", style="bold red")
        )
        for note in result.notes:
            emit(Text(note, style="yellow"))
    if result.allowed or result.partial:
        return EXIT_OK
    return EXIT_UNKNOWN if result.unknown else EXIT_NO


# ---------------------------------------------------------------------------- why


def why(
    network: NetworkArg,
    src: FromOpt,
    dst: ToOpt,
    protocol: ProtocolOpt = "tcp",
    port: PortOpt = None,
    source_port: SourcePortOpt = None,
    client_ports: ClientPortsOpt = None,
    icmp_type: IcmpTypeOpt = None,
    icmp_code: IcmpCodeOpt = None,
    from_eni: FromEniOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Every blocker of one flow along the tutorial's checklist, and the smallest set of changes that
    opens its path. Exit 0 reachable, 1 unreachable, 3 unknown."""
    from ..analysis.why import why as run_why

    if source_port is not None and client_ports is not None:
        raise CliError("--source-port and --client-ports exclude each other: pin one port or give a range")
    loaded = load(network, fmt)
    try:
        flow = make_flow(
            loaded.network,
            src,
            dst,
            protocol=protocol,
            port=port,
            source_port=source_port,
            client_ports=client_ports,
            icmp_type=icmp_type,
            icmp_code=icmp_code,
            from_eni=from_eni,
        )
    except EndpointError as exc:
        raise _endpoint_error(exc) from None
    except (ValueError, ModelError) as exc:
        raise CliError(str(exc)) from None
    result = run_why(loaded.network, flow)
    if as_json:
        emit_json(result.to_dict())
    else:
        parts: list[RenderableType] = [Text(f"{flow.describe()}: {result.verdict}", style="bold")]
        if not result.blockers:
            parts.append(Text("nothing blocks this flow", style="green"))
        for finding in result.blockers:
            step, name = finding.step
            b = finding.blocker
            revealed = " (revealed once the blockers before it are fixed)" if finding.round else ""
            where = f"{b.path}{', ' + b.direction if b.direction else ''}"
            parts.append(Text(f"{step}. {name}: {b.code} at {b.component} [{where}]{revealed}", style="red"))
            parts.append(Text(f"     {b.detail}"))
        if result.changes:
            parts.append(
                Text(
                    "changes that open the path:" if result.opens else "changes (the path stays closed):",
                    style="bold",
                )
            )
            for change in result.changes:
                tag = "" if change.applied else " (advice: not tried)"
                parts.append(Text(f"  {change.command}{tag}"))
        emit(Group(*parts))
    return {"reachable": EXIT_OK, "unreachable": EXIT_NO}.get(result.verdict, EXIT_UNKNOWN)


# ---------------------------------------------------------------------------- exposure

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def exposure(
    network: NetworkArg,
    min_severity: Annotated[
        str,
        typer.Option("--min-severity", help="Report findings of this severity and above: low, medium, high."),
    ] = "low",
    sarif: SarifOpt = None,
    client_ports: ClientPortsOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """What the internet can deliver to every instance and ENI through the real path (public IP,
    internet gateway, routes, ACLs, security groups). Exit 1 with findings, 3 when the answer depends
    on what is not modelled, 0 otherwise."""
    from ..analysis.exposure import SEVERITY_ORDER
    from ..analysis.exposure import exposure as run_exposure
    from ..analysis.reports import exposure_sarif

    if min_severity not in SEVERITY_ORDER:
        raise CliError(f"--min-severity {min_severity!r}: use low, medium or high")
    ports = _client_ports(client_ports)
    loaded = load(network, fmt)
    skipped = {k: v for k, v in loaded.skipped.items() if k not in _CARRY_NO_INTERNET_TRAFFIC}
    result = run_exposure(loaded.network, skipped=skipped, client_ports=ports)
    limit = SEVERITY_ORDER[min_severity]
    result.findings = [f for f in result.findings if SEVERITY_ORDER[f.severity] <= limit]
    if sarif is not None:
        path = network if Path(network).exists() else None
        _write(sarif, _json_text(exposure_sarif(result, path, loaded.locations)))
    if as_json:
        emit_json(result.to_dict())
    elif sarif != "-":
        table = Table(title=f"internet exposure: {len(result.findings)} finding(s)")
        for column in ("severity", "instance / ENI", "address", "traffic", "from", "replies"):
            table.add_column(column)
        for f in result.findings:
            replies = {True: "yes", False: "never", "partial": "some client ports"}[f.bidirectional]
            table.add_row(
                Text(f.severity, style=_SEVERITY_STYLE[f.severity]),
                label(loaded.network, f.instance) if f.instance else label(loaded.network, f.eni),
                f.address,
                f.entry.traffic.describe(),
                _addresses(f.entry.sources),
                replies,
            )
        parts: list[RenderableType] = [table]
        for item in result.incomplete:
            count = f" x{item.count}" if item.count else ""
            parts.append(
                Text(f"incomplete: {item.kind} {item.component}{count}: {item.detail}", style="yellow")
            )
        emit(Group(*parts))
    if result.findings:
        return EXIT_NO
    return EXIT_UNKNOWN if result.incomplete else EXIT_OK


# ---------------------------------------------------------------------------- matrix


def matrix(
    network: NetworkArg,
    by: Annotated[
        str, typer.Option("--by", help="Group ends by instance, subnet or security-group.")
    ] = "subnet",
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV: one row per traffic entry of a cell.")
    ] = False,
    client_ports: ClientPortsOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """All-pairs reachability with the traffic per pair, computed by equivalence classes. Exit 0, or 3
    when some cell holds unknown traffic (it crosses what is not modelled)."""
    from ..analysis.matrix import BY_CHOICES
    from ..analysis.matrix import matrix as run_matrix

    if by not in BY_CHOICES:
        raise CliError(f"--by {by!r}: use instance, subnet or security-group")
    if as_csv and as_json:
        raise CliError("--csv and --json exclude each other")
    ports = _client_ports(client_ports)
    loaded = load(network, fmt)
    result = run_matrix(loaded.network, by, client_ports=ports)
    if as_json:
        emit_json(result.to_dict())
    elif as_csv:
        typer.echo(result.to_csv(), nl=False)
    else:
        table = Table(title=f"reachability by {by}: {len(result.cells)} pair(s) with traffic")
        for column in ("from", "to", "allowed", "partial / one way / unknown"):
            table.add_column(column)
        for cell in result.cells:
            others = [f"partial {t.describe()}" for t, _ in cell.partial]
            others += [f"one way {t.describe()}" for t in cell.one_way]
            others += [f"unknown {t.describe()}" for t in cell.unknown]
            table.add_row(
                label(loaded.network, cell.source),
                label(loaded.network, cell.destination),
                "; ".join(t.describe() for t in cell.allowed),
                "; ".join(others),
            )
        emit(table)
    # The matrix answers every pair: it is complete (0) unless some cell's traffic is unknown (3).
    return EXIT_UNKNOWN if any(c.unknown for c in result.cells) else EXIT_OK


# ---------------------------------------------------------------------------- diff


def diff(
    old: Annotated[
        str,
        typer.Argument(metavar="OLD", help="The network before (any NETWORK format).", show_default=False),
    ],
    new: Annotated[
        str, typer.Argument(metavar="NEW", help="The network after (any NETWORK format).", show_default=False)
    ],
    old_format: Annotated[
        str | None, typer.Option("--old-format", help="Force OLD's format: yaml, aws or terraform.")
    ] = None,
    new_format: Annotated[
        str | None, typer.Option("--new-format", help="Force NEW's format: yaml, aws or terraform.")
    ] = None,
    client_ports: ClientPortsOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Flows newly allowed and newly blocked between every pair of instances and with the internet
    ("what will this plan open?"), per ENI address. Resources match by id, then Name tag, then
    Terraform address. Exit 1 when something changed, 3 when nothing changed for sure but an answer
    depends on what is not analysed (skipped resources, IPv6, unknown paths or addresses), 0 otherwise."""
    from ..analysis.diff import diff as run_diff

    ports = _client_ports(client_ports)
    before = load(old, old_format)
    after = load(new, new_format)
    result = run_diff(
        before.network,
        after.network,
        client_ports=ports,
        skipped_old=before.skipped,
        skipped_new=after.skipped,
    )
    if as_json:
        emit_json(result.to_dict())
    else:
        out = console()
        if not result.pairs:
            out.print("no flow is opened or closed")
        for pair in result.pairs:
            names = []
            for end, eni in ((pair.source, pair.source_eni), (pair.destination, pair.destination_eni)):
                network = (
                    after.network
                    if end in after.network.instances or eni in after.network.network_interfaces
                    else before.network
                )
                name = label(network, end) if end != "internet" else end
                instance = network.instances.get(end)
                several = instance is not None and len(instance.network_interface_ids) > 1
                names.append(f"{name} [{eni}]" if several else name)
            out.print(Text(f"{names[0]} -> {names[1]}", style="bold"))
            for mark, entries, style, note in (
                ("+", pair.newly_allowed, "green", ""),
                ("-", pair.newly_blocked, "red", ""),
                ("+", pair.newly_one_way, "yellow", " (one way: replies never come back)"),
                ("-", pair.no_longer_one_way, "red", " (was delivered one way)"),
                ("?", pair.unknown, "yellow", " (unknown: depends on what is not modelled)"),
            ):
                for entry in entries:
                    out.print(
                        Text(
                            f"  {mark} {entry.describe()}  {_addresses(entry.sources)} -> "
                            f"{_addresses(entry.destinations)}{note}",
                            style=style,
                        )
                    )
        for old_id, new_id in result.matched:
            out.print(f"matched {old_id} (old) with {new_id} (new) by Name tag or Terraform address")
        for rid in result.unmatched_old:
            out.print(f"only in old: {rid}")
        for rid in result.unmatched_new:
            out.print(f"only in new: {rid}")
        for side, item in result.incomplete:
            count = f" x{item.count}" if item.count else ""
            out.print(
                Text(
                    f"incomplete ({side}): {item.kind} {item.component}{count}: {item.detail}", style="yellow"
                )
            )
    return {"changed": EXIT_NO, "same": EXIT_OK}.get(result.status, EXIT_UNKNOWN)


# ---------------------------------------------------------------------------- check


def check(
    network: NetworkArg,
    policy: Annotated[
        str, typer.Argument(metavar="POLICY.yaml", help="The policy (docs/policy.md).", show_default=False)
    ],
    junit: Annotated[
        str | None, typer.Option("--junit", help="Also write JUnit XML to this file ('-' for stdout).")
    ] = None,
    sarif: SarifOpt = None,
    print_schema: Annotated[
        bool, typer.Option("--print-schema", help="Print the policy's JSON Schema and exit.")
    ] = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Check a network against a policy of assertions (allow / deny / only between endpoint sets).
    Exit 0 when every assertion holds, 1 when one fails, 3 when one depends on what is not modelled."""
    from ..analysis.policy import check as run_check
    from ..analysis.policy_model import policy_json_schema, read_policy
    from ..analysis.reports import check_junit, check_sarif

    if print_schema:
        emit_json(policy_json_schema())
        return EXIT_OK
    loaded = load(network, fmt)
    parsed, lines = read_policy(policy)
    result = run_check(loaded.network, parsed, policy_path=policy, lines=lines, skipped=loaded.skipped)
    if junit is not None:
        _write(junit, check_junit(result, Path(policy).name))
    if sarif is not None:
        _write(sarif, _json_text(check_sarif(result, policy)))
    if as_json:
        emit_json(result.to_dict())
    elif "-" not in (junit, sarif):
        out = console()
        for a in result.assertions:
            style = {"pass": "green", "fail": "bold red", "unknown": "yellow"}[a.status]
            out.print(Text(f"{a.status.upper():7} {a.name}", style=style))
            for v in a.violations:
                out.print(f"        {v.describe()}")
            if a.violation_count > len(a.violations):
                out.print(f"        ... {a.violation_count - len(a.violations)} more")
            for w in a.warnings:
                out.print(Text(f"        warning: {w}", style="yellow"))
    return {"pass": EXIT_OK, "fail": EXIT_NO}.get(result.status, EXIT_UNKNOWN)


COMMANDS: dict[str, Callable[..., Any]] = {
    "reach": reach,
    "why": why,
    "exposure": exposure,
    "matrix": matrix,
    "diff": diff,
    "check": check,
}


def register(app: typer.Typer) -> None:
    """Mount the analysis commands on the main app (those not mounted yet)."""
    mounted = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    for name, function in COMMANDS.items():
        if name not in mounted:
            app.command(name)(function)
