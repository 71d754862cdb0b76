"""The ``vpcsim`` command: typer commands over the model, engine and formats.

Commands stay thin: load the NETWORK argument (one rule for every command, in
:mod:`vpcsim.formats.loader`), ask the engine or an analysis, render the result (one render
function per result, :mod:`vpcsim.cli.render`; or ``--json``) and return the exit status of its
answer (:mod:`vpcsim.cli.answers`, one exit-code map in :mod:`vpcsim.cli.errors`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..engine import CLIENT_PORT_RANGES, Flow, Trace, trace
from ..engine.flow import names_ipv6
from ..model import ModelError, Network
from ..model.problems import InputError
from .answers import exit_status, import_answer, trace_answer, validation_answer
from .common import (
    BriefOpt,
    ClientPortsOpt,
    DebugOpt,
    FormatOpt,
    FromEniOpt,
    FromOpt,
    IcmpCodeOpt,
    IcmpTypeOpt,
    InputFormatAlias,
    Ipv6Opt,
    JsonOpt,
    NetworkArg,
    PortOpt,
    ProtocolOpt,
    SourcePortOpt,
    ToOpt,
    console,
    emit,
    emit_json,
    emit_wide,
    load,
)
from .errors import EXIT_OK, CliError, flow_error
from .render import network_to_json, render_import, render_network, render_trace, render_validation

app = typer.Typer(
    name="vpcsim",
    help="Simulate AWS VPC networks offline: trace flows hop by hop and explain every blocker.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def run_options(
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Load NETWORK from its files and store nothing in the cache ($VPCSIM_CACHE_DIR, else "
            "$XDG_CACHE_HOME/vpcsim; $VPCSIM_CACHE_MAX_MB). Any command, anywhere on the line.",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", help="No progress display on stderr. Any command, anywhere on the line."),
    ] = False,
) -> None:
    """Simulate AWS VPC networks offline: trace flows hop by hop and explain every blocker."""
    # ``main`` reads these two wherever they stand (vpcsim.cli.common.OPTIONS); declared here for --help.


SrcArg = Annotated[
    str, typer.Argument(metavar="SRC", show_default=False, help="Source (as --from of trace).")
]
DstArg = Annotated[
    str, typer.Argument(metavar="DST", show_default=False, help="Destination (as --to of trace).")
]


def cli_flow(
    network: Network,
    src: str,
    dst: str,
    *,
    protocol: str,
    port: int | None,
    source_port: int | None = None,
    client_ports: str | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    from_eni: str | None = None,
    ipv6: bool = False,
) -> Flow:
    """The flow of a command's options; an endpoint or flow that cannot be is a usage error.

    A subnet or security group holding one ENI stands for it (``single_eni``); a bare address
    nothing sends from is refused as the source (``require_sender``): see docs/cli.md."""
    from .._api import flow_between

    try:
        return flow_between(
            network,
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
    except (ValueError, ModelError) as exc:
        raise flow_error(exc, network, (src, dst)) from None


def print_trace(network: Network, result: Trace, as_json: bool, brief: bool = False) -> int:
    if as_json:
        emit_json(result.to_dict())
    else:
        emit(render_trace(network, result, brief=brief))
    return exit_status(trace_answer(result))


# ---------------------------------------------------------------------------- commands


@app.command()
def validate(
    network: NetworkArg, fmt: FormatOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> int:
    """Check a network against AWS's rules: exit 0 when valid (warnings alone are valid), 2 when it
    has errors -- every command refuses such a network, whatever its format; each problem is listed
    with its file, place and resource."""
    loaded = load(network, fmt)  # raises InputError (exit 2) listing every problem when any is an error
    problems = loaded.validation
    answer = validation_answer(problems)
    if as_json:
        emit_json(
            {
                "schema_version": 1,
                "valid": answer == "yes",
                "format": loaded.format,
                "problems": [p.to_dict() for p in problems],
                "load_warnings": [w.to_dict() for w in loaded.warnings],
                "counts": dict(sorted(loaded.counts.items())),
            }
        )
    else:
        emit(render_validation(network, loaded, problems))
    return exit_status(answer)


@app.command()
def show(
    network: NetworkArg,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Write a self-contained HTML report (map, exposure table, findings) to FILE instead.",
        ),
    ] = None,
    debug: DebugOpt = False,
) -> int:
    """Show the network as a tree: region > VPC > AZ > subnet > instances and ENIs, with its
    route tables, gateways, network ACLs and security groups."""
    loaded = load(network, fmt)
    if html is not None:
        from ..console.report import html_report

        try:
            html.write_text(html_report(loaded.network, title=f"vpcsim report: {network}"), encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {html}: {exc.strerror}") from None
        sys.stderr.write(f"vpcsim: wrote {html}\n")
        return EXIT_OK
    if as_json:
        emit_json(network_to_json(loaded.network))
    else:
        emit_wide(render_network(loaded.network))
    return EXIT_OK


def check_flow_options(
    protocol: str, source_port: int | None, client_ports: str | None, icmp_type: int | None
) -> None:
    """The options of one flow that exclude each other, refused before the network loads."""
    if source_port is not None and client_ports is not None:
        raise CliError("--source-port and --client-ports exclude each other: pin one port or give a range")
    if icmp_type is not None and protocol.lower() not in ("icmp", "1"):
        raise CliError("--icmp-type applies to --protocol icmp only")
    if client_ports is not None and client_ports not in CLIENT_PORT_RANGES and "-" not in client_ports:
        raise CliError(f"--client-ports {client_ports!r}: use linux, windows or LO-HI")


def run_flow(
    network: str,
    src: str,
    dst: str,
    *,
    protocol: str,
    port: int | None = None,
    source_port: int | None = None,
    client_ports: str | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    from_eni: str | None = None,
    ipv6: bool = False,
    fmt: str | None = None,
    brief: bool = False,
    as_json: bool = False,
) -> int:
    """``trace`` and its shorthands (``ping``, ``ssh``, ``curl``): one flow, the same options."""
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
    return print_trace(loaded.network, trace(loaded.network, flow), as_json, brief)


@app.command("trace")
def trace_command(
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
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Trace one flow forward and back; exit 0 reachable, 1 unreachable, 3 unknown."""
    return run_flow(
        network,
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
        fmt=fmt,
        brief=brief,
        as_json=as_json,
    )


# The shorthands take trace's options, less what they fix: the ends are arguments, the protocol
# is theirs (ping: no ports; ssh and curl: no ICMP type or code).


@app.command()
def ping(
    network: NetworkArg,
    src: SrcArg,
    dst: DstArg,
    icmp_type: IcmpTypeOpt = None,
    icmp_code: IcmpCodeOpt = None,
    from_eni: FromEniOpt = None,
    ipv6: Ipv6Opt = False,
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """ICMP echo from SRC to DST (and the echo reply back): trace --protocol icmp."""
    return run_flow(
        network,
        src,
        dst,
        protocol="icmpv6" if ipv6 or names_ipv6(src) or names_ipv6(dst) else "icmp",
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        from_eni=from_eni,
        ipv6=ipv6,
        fmt=fmt,
        brief=brief,
        as_json=as_json,
    )


@app.command()
def ssh(
    network: NetworkArg,
    src: SrcArg,
    dst: DstArg,
    port: Annotated[int, typer.Option("--port", help="Destination port.")] = 22,
    source_port: SourcePortOpt = None,
    client_ports: ClientPortsOpt = None,
    from_eni: FromEniOpt = None,
    ipv6: Ipv6Opt = False,
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """TCP 22 (or --port) from SRC to DST: trace --protocol tcp --port 22."""
    return run_flow(
        network,
        src,
        dst,
        protocol="tcp",
        port=port,
        source_port=source_port,
        client_ports=client_ports,
        from_eni=from_eni,
        ipv6=ipv6,
        fmt=fmt,
        brief=brief,
        as_json=as_json,
    )


@app.command()
def curl(
    network: NetworkArg,
    src: SrcArg,
    dst: DstArg,
    port: Annotated[int, typer.Option("--port", help="Destination port.")] = 80,
    source_port: SourcePortOpt = None,
    client_ports: ClientPortsOpt = None,
    from_eni: FromEniOpt = None,
    ipv6: Ipv6Opt = False,
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """TCP 80 (or --port) from SRC to DST: trace --protocol tcp --port 80."""
    return run_flow(
        network,
        src,
        dst,
        protocol="tcp",
        port=port,
        source_port=source_port,
        client_ports=client_ports,
        from_eni=from_eni,
        ipv6=ipv6,
        fmt=fmt,
        brief=brief,
        as_json=as_json,
    )


@app.command("import")
def import_command(
    network: NetworkArg, fmt: FormatOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> int:
    """Read a network and summarise it: counts per resource type, what was skipped, every warning.
    Exit 0 when everything was read, 1 when anything was skipped or warned about. It reports what
    the reader found; whether the network is one AWS would hold is ``validate``'s question."""
    loaded = load(network, fmt, check=False)
    counts = dict(sorted(loaded.counts.items()))
    if not counts:
        document = network_to_json(loaded.network)
        counts = {k: len(v) for k, v in document.items() if isinstance(v, list) and v}
    if as_json:
        emit_json(
            {
                "schema_version": 1,
                "format": loaded.format,
                "counts": counts,
                "skipped": dict(sorted(loaded.skipped.items())),
                "warnings": [w.to_dict() for w in loaded.warnings],
            }
        )
    else:
        emit(render_import(network, loaded, counts))
    return exit_status(import_answer(loaded))


@app.command()
def export(
    network: NetworkArg,
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="A YAML file (yaml; - for standard output) or a folder (aws)."),
    ],
    to: Annotated[
        str | None, typer.Option("--to", help="Output format: yaml or aws.", show_default=False)
    ] = None,
    fmt: FormatOpt = None,
    input_format: InputFormatAlias = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Write a network as a YAML spec (--to yaml) or as an AWS describe-* folder (--to aws).
    --format is the input format, as for every command."""
    fmt = fmt if input_format is None else input_format
    if to is None:
        if fmt not in ("yaml", "aws") or input_format is not None:
            raise CliError("--to yaml|aws is required: the output format")
        # Before --to, export took the output format as --format: keep that working, and say so.
        sys.stderr.write(f"vpcsim: note: --format is the input format; taking --format {fmt} as --to {fmt}\n")
        to, fmt = fmt, None
    if to not in ("yaml", "aws"):
        raise CliError(f"--to {to!r}: use yaml or aws")
    if output == "-" and (to == "aws" or as_json):
        why = "--to aws writes a folder of files" if to == "aws" else "--json prints its summary there"
        raise CliError(f"-o - (standard output) cannot be used here: {why}; give -o a path")
    loaded = load(network, fmt)
    written: list[str]
    try:
        if to == "yaml":
            from ..formats.spec import SpecDumpError, dump_spec

            try:
                text = dump_spec(loaded.network)
            except SpecDumpError as exc:
                raise CliError(f"cannot write this network as a spec: {exc}", code="VPCSIM_EXPORT") from None
            if output == "-":
                sys.stdout.write(text)
                return EXIT_OK
            Path(output).write_text(text)
            written = [output]
        else:
            from ..formats.aws import export_aws

            if Path(output).exists() and not Path(output).is_dir():  # stat's OSError: below
                raise CliError(f"cannot write to {output}: it is a file, and --to aws writes a folder")
            written = [str(p) for p in export_aws(loaded.network, Path(output))]
    except OSError as exc:
        where = exc.filename or output
        raise CliError(f"cannot write {where}: {exc.strerror or exc}", code="VPCSIM_OUTPUT") from None
    if as_json:
        emit_json({"schema_version": 1, "format": to, "written": sorted(written)})
    else:
        for path in sorted(written):
            console().print(path)
    return EXIT_OK


@app.command()
def schema(
    what: Annotated[
        str, typer.Argument(help="spec (the YAML network spec) or an output: trace, error.")
    ] = "spec",
    as_json: JsonOpt = True,
    debug: DebugOpt = False,
) -> int:
    """Print a JSON Schema: the YAML spec's (for editors) or an output's."""
    from ..contracts import output_schema

    if what == "spec":
        from ..formats.spec import spec_json_schema

        emit_json(spec_json_schema())
        return EXIT_OK
    try:
        emit_json(output_schema(what))
    except KeyError:
        from ..contracts import OUTPUTS

        choices = ", ".join(["spec", "policy", *sorted(OUTPUTS)])
        raise CliError(f"unknown schema {what!r}: use one of {choices}") from None
    return EXIT_OK


@app.command()
def demo(
    network: Annotated[
        str | None,
        typer.Option("--network", help="Tell only the part of the story on this built-in example."),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Run the story on a live lab (network namespaces; needs root).")
    ] = False,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            help="Write the changed networks to DIR and keep them (default: a temporary folder, removed).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Tell the tutorial's story on the built-in examples: each step shows the command and its real result.
    With --live, real packets in network namespaces beside the engine's explanation."""
    if live:
        from .lab import run_live_demo

        if keep is not None:
            raise CliError("--keep applies to the offline story; the live demo writes no networks")
        return run_live_demo(network, as_json=as_json)
    from .demo import run_demo

    return run_demo(network, as_json=as_json, workdir=keep)


def _mount() -> None:
    """Commands that live in their own modules."""
    from .collect import collect_command
    from .console import console_command
    from .lab import lab_app

    app.command("collect")(collect_command)
    from .serve import serve_command

    app.command("serve")(serve_command)
    app.command("console")(console_command)
    app.add_typer(lab_app, name="lab")
    from .cache import cache_app

    app.add_typer(cache_app, name="cache")

    from .analysis import register

    register(app)


_mount()

__all__ = ["CliError", "InputError", "app"]
