"""The analysis commands: reach, why, exposure, matrix, diff, check.

Thin, like every command: load the NETWORK argument(s), run an analysis from
:mod:`vpcsim.analysis`, render it (:mod:`vpcsim.cli.render_analysis`; or ``--json``, CSV,
SARIF, JUnit XML) and return the exit status of its answer (:mod:`vpcsim.cli.answers`): 0 yes /
clean, 1 no / findings / differences, 2 usage or input error, 3 the answer depends on what is
not modelled.

The app mounts these functions with :func:`register` (after its own commands are defined, since
this module imports the app's helpers).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, cast

import orjson
import typer

from ..engine import CLIENT_PORT_RANGES, EndpointError, parse_client_ports
from .answers import (
    check_answer,
    diff_answer,
    exit_status,
    exposure_answer,
    matrix_answer,
    reach_answer,
    why_answer,
)
from .app import check_flow_options, cli_flow
from .common import (
    ClientPortsOpt,
    DebugOpt,
    FormatOpt,
    FromEniOpt,
    FromOpt,
    IcmpCodeOpt,
    IcmpTypeOpt,
    Ipv6Opt,
    JsonOpt,
    NetworkArg,
    PortOpt,
    ProtocolOpt,
    SourcePortOpt,
    ToOpt,
    emit,
    emit_json,
    emit_json_stream,
    load,
    progress,
)
from .errors import EXIT_OK, CliError, endpoint_error
from .render_analysis import (
    render_check,
    render_diff,
    render_exposure,
    render_exposure_groups,
    render_matrix,
    render_matrix_summary,
    render_reach,
    render_why,
)

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run shard by shard on this Dask scheduler (tcp://HOST:PORT); needs vpcsim[cluster].",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Run shard by shard on a local Dask cluster of N processes (127.0.0.1); needs vpcsim[cluster].",
    ),
]
SarifOpt = Annotated[
    str | None, typer.Option("--sarif", help="Also write SARIF 2.1.0 to this file ('-' for stdout).")
]


def _cluster(scheduler: str | None, workers: int | None) -> Any:
    """Where to scale out (:mod:`vpcsim.cluster`), or None for the single process."""
    if scheduler is None and workers is None:
        return None
    if scheduler is not None and workers is not None:
        raise CliError("--scheduler and --workers exclude each other: use a cluster or start one")
    from ..cluster import ClusterSpec, require_distributed

    try:
        require_distributed()
    except RuntimeError as exc:
        raise CliError(str(exc), code="VPCSIM_CLUSTER") from None
    return ClusterSpec(scheduler=scheduler, workers=workers)


def _on_cluster(run: Callable[[], Any]) -> Any:
    from ..cluster import ClusterUnavailable

    try:
        return run()
    except ClusterUnavailable as exc:
        raise CliError(str(exc), code="VPCSIM_CLUSTER") from None


def _one_stdout(as_json: bool, **reports: str | None) -> None:
    """Standard output holds one document: ``--json`` and a report written to ``-`` exclude each other."""
    to_stdout = [f"--{name} -" for name, path in reports.items() if path == "-"]
    if as_json:
        to_stdout.insert(0, "--json")
    if len(to_stdout) > 1:
        raise CliError(
            f"{' and '.join(to_stdout)} would print {len(to_stdout)} documents on standard output: "
            "write all but one to a file"
        )


def _client_ports(text: str | None) -> tuple[int, int]:
    if text is None:
        return CLIENT_PORT_RANGES["linux"]
    try:
        return parse_client_ports(text)
    except ValueError as exc:
        raise CliError(f"--client-ports: {exc}") from None


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
        raise endpoint_error(exc, loaded.network, (src, dst)) from None
    if as_json:
        emit_json(result.to_dict())
    else:
        emit(render_reach(result))
    return exit_status(reach_answer(result))


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
    ipv6: Ipv6Opt = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Every blocker of one flow along the tutorial's checklist, and the smallest set of changes that
    opens its path. Exit 0 reachable, 1 unreachable, 3 unknown."""
    from ..analysis.why import why as run_why

    check_flow_options(protocol, source_port, client_ports, icmp_type)
    loaded = load(network, fmt)
    flow = cli_flow(
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
        ipv6=ipv6,
    )
    result = run_why(loaded.network, flow)
    if as_json:
        emit_json(result.to_dict())
    else:
        emit(render_why(result))
    return exit_status(why_answer(result))


# ---------------------------------------------------------------------------- exposure


def exposure(
    network: NetworkArg,
    min_severity: Annotated[
        str,
        typer.Option("--min-severity", help="Report findings of this severity and above: low, medium, high."),
    ] = "low",
    sarif: SarifOpt = None,
    group: Annotated[
        bool,
        typer.Option(
            "--group",
            help="Group findings alike but for their ENI (same security groups, traffic, sources, "
            "replies) with counts; under --json every finding stays and 'groups' is added.",
        ),
    ] = False,
    client_ports: ClientPortsOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """What the internet can deliver to every instance and ENI through the real path (public IP,
    internet gateway, routes, ACLs, security groups). Exit 1 with findings, 3 when the answer depends
    on what is not modelled, 0 otherwise."""
    from ..analysis.exposure import SEVERITY_ORDER, Severity
    from ..analysis.exposure import exposure as run_exposure
    from ..analysis.exposure_groups import group_findings
    from ..analysis.reports import exposure_sarif

    _one_stdout(as_json, sarif=sarif)
    if min_severity not in SEVERITY_ORDER:
        raise CliError(f"--min-severity {min_severity!r}: use low, medium or high")
    ports = _client_ports(client_ports)
    cluster = _cluster(scheduler, workers)
    loaded = load(network, fmt)
    if cluster is not None:
        from ..cluster import exposure_on_cluster

        result = _on_cluster(
            lambda: exposure_on_cluster(
                cluster,
                loaded.network,
                skipped=loaded.skipped,
                client_ports=ports,
                min_severity=cast(Severity, min_severity),
            )
        )
    else:
        result = run_exposure(
            loaded.network,
            skipped=loaded.skipped,
            client_ports=ports,
            min_severity=cast(Severity, min_severity),
            progress=progress(),
        )
    if sarif is not None:
        path = network if Path(network).exists() else None
        _write(sarif, _json_text(exposure_sarif(result, path, loaded.locations)))
    groups = group_findings(loaded.network, result) if group else None
    if as_json:
        document = result.to_dict()
        if groups is not None:
            document["groups"] = [g.to_dict() for g in groups]
        emit_json(document)
    elif sarif != "-":
        emit(
            render_exposure_groups(loaded.network, result, groups)
            if groups is not None
            else render_exposure(loaded.network, result)
        )
    return exit_status(exposure_answer(result))


# ---------------------------------------------------------------------------- matrix


def matrix(
    network: NetworkArg,
    by: Annotated[
        str, typer.Option("--by", help="Group ends by instance, subnet or security-group.")
    ] = "subnet",
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV: one row per traffic entry of a cell.")
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Print the counts only (labels, cells by kind, pairs).")
    ] = False,
    client_ports: ClientPortsOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """All-pairs reachability with the traffic per pair, computed by equivalence classes, over IPv4
    and IPv6 (a cell per pair and family). Exit 0, or 3 when some cell holds unknown traffic (it
    crosses what is not modelled)."""
    from ..analysis.matrix import BY_CHOICES
    from ..analysis.matrix import matrix as run_matrix

    if by not in BY_CHOICES:
        raise CliError(f"--by {by!r}: use instance, subnet or security-group")
    if as_csv and as_json:
        raise CliError("--csv and --json exclude each other")
    if summary and (as_csv or as_json):
        raise CliError("--summary prints the counts for a person; it excludes --csv and --json")
    ports = _client_ports(client_ports)
    cluster = _cluster(scheduler, workers)
    loaded = load(network, fmt)
    if cluster is not None:
        from ..cluster import matrix_on_cluster

        result = _on_cluster(lambda: matrix_on_cluster(cluster, loaded.network, by, client_ports=ports))
    else:
        result = run_matrix(loaded.network, by, client_ports=ports, progress=progress())
    if summary:
        emit(render_matrix_summary(result))
    elif as_json:  # written cell by cell: the document is never held whole
        emit_json_stream(result.header(), "cells", (c.to_dict() for c in result.cells))
    elif as_csv:
        for chunk in result.iter_csv():
            sys.stdout.write(chunk)
    else:
        emit(render_matrix(loaded.network, result))
    return exit_status(matrix_answer(result))


# ---------------------------------------------------------------------------- diff


def diff(
    old: Annotated[
        str,
        typer.Argument(metavar="OLD", help="The network before (any NETWORK format).", show_default=False),
    ],
    new: Annotated[
        str, typer.Argument(metavar="NEW", help="The network after (any NETWORK format).", show_default=False)
    ],
    client_ports: ClientPortsOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Force the input format of OLD and NEW: yaml, aws or terraform.",
            show_default=False,
        ),
    ] = None,
    old_format: Annotated[str | None, typer.Option("--old-format", hidden=True, show_default=False)] = None,
    new_format: Annotated[str | None, typer.Option("--new-format", hidden=True, show_default=False)] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Flows newly allowed and newly blocked between every pair of instances and with the internet
    ("what will this plan open?"), per ENI address and over both IPv4 and IPv6. Resources match by
    id, then Name tag, then Terraform address. Exit 1 when something changed, 3 when nothing changed
    for sure but an answer depends on what is not analysed (skipped resources, unknown paths or
    addresses), 0 otherwise."""
    from ..analysis.diff import diff as run_diff

    ports = _client_ports(client_ports)
    # --old-format / --new-format (hidden): one side's format, where the two differ and one
    # cannot be told by its content
    before = load(old, old_format or fmt)
    after = load(new, new_format or fmt)
    result = run_diff(
        before.network,
        after.network,
        client_ports=ports,
        skipped_old=before.skipped,
        skipped_new=after.skipped,
        progress=progress(),
    )
    if as_json:
        emit_json(result.to_dict())
    else:
        emit(render_diff(before.network, after.network, result))
    return exit_status(diff_answer(result))


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
    """Check a network against a policy of assertions (allow / deny / only between endpoint sets,
    over IPv4, IPv6 or both). Exit 0 when every assertion holds, 1 when one fails, 3 when one
    depends on what is not modelled."""
    from ..analysis.policy import check as run_check
    from ..analysis.reports import check_junit, check_sarif
    from ..formats.policy import read_policy
    from ..model.policy import policy_json_schema

    if print_schema:
        emit_json(policy_json_schema())
        return EXIT_OK
    _one_stdout(as_json, junit=junit, sarif=sarif)
    loaded = load(network, fmt)
    parsed, lines = read_policy(policy)
    result = run_check(
        loaded.network, parsed, policy_path=policy, lines=lines, skipped=loaded.skipped, progress=progress()
    )
    if junit is not None:
        _write(junit, check_junit(result, Path(policy).name))
    if sarif is not None:
        _write(sarif, _json_text(check_sarif(result, policy)))
    if as_json:
        emit_json(result.to_dict())
    elif "-" not in (junit, sarif):
        emit(render_check(result))
    return exit_status(check_answer(result))


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
