"""The ``vpcsim`` command: typer commands over the model, engine and formats.

Commands stay thin: load the NETWORK argument (one rule for every command, in
:mod:`vpcsim.formats.loader`), ask the engine or an analysis, render the answer (text or
``--json``) and return the exit status of the CLI contract (``docs/cli.md``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..engine import CLIENT_PORT_RANGES, EndpointError, Trace, make_flow, trace
from ..formats.problems import InputError
from ..model import ModelError, Network
from .common import (
    BriefOpt,
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
    emit_wide,
    load,
)
from .errors import EXIT_NO, EXIT_OK, EXIT_UNKNOWN, CliError
from .render import network_to_json, render_network, render_trace

app = typer.Typer(
    name="vpcsim",
    help="Simulate AWS VPC networks offline: trace flows hop by hop and explain every blocker.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


SrcArg = Annotated[
    str, typer.Argument(metavar="SRC", show_default=False, help="Source (as --from of trace).")
]
DstArg = Annotated[
    str, typer.Argument(metavar="DST", show_default=False, help="Destination (as --to of trace).")
]


def trace_exit(result: Trace) -> int:
    return {"reachable": EXIT_OK, "unreachable": EXIT_NO, "unknown": EXIT_UNKNOWN}[result.verdict]


def _run_trace(
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
) -> Trace:
    try:
        flow = make_flow(
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
        )
    except EndpointError as exc:
        details = [{"candidate": c} for c in exc.candidates]
        message = str(exc) + (": " + ", ".join(exc.candidates) if exc.candidates else "")
        raise CliError(message, code="VPCSIM_ENDPOINT", details=details) from None
    except (ValueError, ModelError) as exc:
        raise CliError(str(exc), code="VPCSIM_USAGE") from None
    return trace(network, flow)


def print_trace(network: Network, result: Trace, as_json: bool, brief: bool = False) -> int:
    if as_json:
        emit_json(result.to_dict())
    else:
        emit(render_trace(network, result, brief=brief))
    return trace_exit(result)


# ---------------------------------------------------------------------------- commands


@app.command()
def validate(
    network: NetworkArg, fmt: FormatOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> int:
    """Check a network against AWS's rules: exit 0 when clean, 1 with errors (warnings alone are clean)."""
    from ..model import validate as run_validation

    loaded = load(network, fmt)
    problems = run_validation(loaded.network)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        emit_json(
            {
                "schema_version": 1,
                "valid": not errors,
                "format": loaded.format,
                "problems": [p.to_dict() for p in problems],
                "load_warnings": [w.to_dict() for w in loaded.warnings],
                "counts": dict(sorted(loaded.counts.items())),
            }
        )
    else:
        out = console()
        for warning in loaded.warnings:
            out.print(str(warning), style="yellow")
        for p in problems:
            out.print(str(p), style="red" if p.severity == "error" else "yellow")
        summary = f"{network}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
        out.print(summary if errors or problems else f"{network}: valid")
    return EXIT_NO if errors else EXIT_OK


@app.command()
def show(
    network: NetworkArg, fmt: FormatOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> int:
    """Show the network as a tree: region > VPC > AZ > subnet > instances and ENIs, with its
    route tables, gateways, network ACLs and security groups."""
    loaded = load(network, fmt)
    if as_json:
        emit_json(network_to_json(loaded.network))
    else:
        emit_wide(render_network(loaded.network))
    return EXIT_OK


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
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Trace one flow forward and back; exit 0 reachable, 1 unreachable, 3 unknown."""
    if source_port is not None and client_ports is not None:
        raise CliError("--source-port and --client-ports exclude each other: pin one port or give a range")
    if icmp_type is not None and protocol.lower() not in ("icmp", "1"):
        raise CliError("--icmp-type applies to --protocol icmp only")
    if client_ports is not None and client_ports not in CLIENT_PORT_RANGES and "-" not in client_ports:
        raise CliError(f"--client-ports {client_ports!r}: use linux, windows or LO-HI")
    loaded = load(network, fmt)
    result = _run_trace(
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
    return print_trace(loaded.network, result, as_json, brief)


@app.command()
def ping(
    network: NetworkArg,
    src: SrcArg,
    dst: DstArg,
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """ICMP echo from SRC to DST (and the echo reply back)."""
    loaded = load(network, fmt)
    return print_trace(
        loaded.network, _run_trace(loaded.network, src, dst, protocol="icmp", port=None), as_json, brief
    )


@app.command()
def ssh(
    network: NetworkArg,
    src: SrcArg,
    dst: DstArg,
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """TCP 22 from SRC to DST."""
    loaded = load(network, fmt)
    return print_trace(
        loaded.network, _run_trace(loaded.network, src, dst, protocol="tcp", port=22), as_json, brief
    )


@app.command()
def curl(
    network: NetworkArg,
    src: SrcArg,
    dst: DstArg,
    port: Annotated[int, typer.Option("--port", help="Destination port.")] = 80,
    fmt: FormatOpt = None,
    brief: BriefOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """TCP 80 (or --port) from SRC to DST."""
    loaded = load(network, fmt)
    return print_trace(
        loaded.network, _run_trace(loaded.network, src, dst, protocol="tcp", port=port), as_json, brief
    )


@app.command("import")
def import_command(
    network: NetworkArg, fmt: FormatOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> int:
    """Read a network and summarise it: counts per resource type, what was skipped, every warning.
    Exit 0 when everything was read, 1 when anything was skipped or warned about."""
    loaded = load(network, fmt)
    counts = dict(sorted(loaded.counts.items()))
    if not counts:
        from .render import network_to_json

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
        out = console()
        out.print(f"{network}: {loaded.format} input")
        for kind, count in counts.items():
            out.print(f"  {count:>7}  {kind}")
        if loaded.skipped:
            out.print("skipped (not modelled):")
            for kind, count in sorted(loaded.skipped.items()):
                out.print(f"  {count:>7}  {kind}")
        if loaded.warnings:
            out.print(f"warnings ({len(loaded.warnings)}):")
            for warning in loaded.warnings:
                out.print(f"  {warning}", style="yellow")
    return EXIT_NO if loaded.skipped or loaded.warnings else EXIT_OK


@app.command()
def export(
    network: NetworkArg,
    to: Annotated[str, typer.Option("--format", help="Output format: yaml or aws.")],
    output: Annotated[str, typer.Option("--output", "-o", help="A YAML file (yaml) or a folder (aws).")],
    fmt: Annotated[
        str | None, typer.Option("--input-format", help="Force the input format: yaml, aws or terraform.")
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Write a network as a YAML spec or as an AWS describe-* folder."""
    if to not in ("yaml", "aws"):
        raise CliError(f"--format {to!r}: use yaml or aws")
    if output == "-" and (to == "aws" or as_json):
        why = "an AWS export is a folder of files" if to == "aws" else "--json prints its summary there"
        raise CliError(f"-o - (standard output) cannot be used here: {why}; give -o a path")
    if to == "aws" and Path(output).exists() and not Path(output).is_dir():
        raise CliError(f"cannot write to {output}: it is a file, and an AWS export is a folder")
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
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Tell the tutorial's story on the built-in examples: each step shows the command and its real result.
    With --live, real packets in network namespaces beside the engine's explanation."""
    if live:
        from .lab import run_live_demo

        return run_live_demo(network, as_json=as_json)
    from .demo import run_demo

    return run_demo(network, as_json=as_json)


def _mount() -> None:
    """Commands that live in their own modules."""
    from .collect import collect_command
    from .lab import lab_app

    app.command("collect")(collect_command)
    app.add_typer(lab_app, name="lab")

    from .analysis import register

    register(app)


_mount()

__all__ = ["CliError", "InputError", "app"]
