"""``vpcsim lab ...``: run a network for real in Linux network namespaces, and ``demo --live``.

A typer sub-app (:data:`lab_app`) that the main app mounts as ``lab``. Commands stay thin over
:mod:`vpcsim.lab`: ``up`` realises a NETWORK, ``status`` shows what is up, ``down`` removes a
lab (idempotent), ``exec`` runs a real command inside an instance, ``probe`` tries one real
exchange. Exit statuses follow docs/cli.md: 0 yes, 1 no (``probe``: not delivered), 2 usage or
environment (not root, ``ip``/``nft`` missing), and ``exec`` returns the command's own status.

:func:`run_live_demo` tells the tutorial's story (:data:`vpcsim.cli.demo.STORY`) on a lab: each
step's flow is traced by the engine and tried for real, side by side.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.console import Console

from ..lab import (
    DEFAULT_LAB,
    LabEnvironmentError,
    LabError,
    lab_down,
    lab_exec,
    lab_probe,
    lab_status,
    lab_up,
)
from .errors import EXIT_NO, EXIT_OK, EXIT_USAGE, CliError

lab_app = typer.Typer(
    name="lab",
    help="Run a network for real in Linux network namespaces (needs root, ip and nft).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

NameOpt = Annotated[
    str, typer.Option("--name", help="The lab's name: 1-12 lower-case letters and digits.", show_default=True)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")]


@contextlib.contextmanager
def lab_errors() -> Iterator[None]:
    """Lab errors as the CLI's: the environment's and the user's both exit 2 with the message."""
    try:
        yield
    except LabEnvironmentError as exc:
        raise CliError(str(exc), code="VPCSIM_LAB_ENVIRONMENT", status=EXIT_USAGE) from None
    except LabError as exc:
        raise CliError(str(exc), code="VPCSIM_LAB", status=EXIT_USAGE) from None


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True, markup=False)


def _emit_json(document: dict[str, Any]) -> None:
    from .common import emit_json

    emit_json(document)


@lab_app.command("up")
def up_command(
    network: Annotated[
        str,
        typer.Argument(
            metavar="NETWORK", help="A network file or a built-in example name.", show_default=False
        ),
    ],
    name: NameOpt = DEFAULT_LAB,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force the input format.", show_default=False)
    ] = None,
    host: Annotated[
        list[str] | None,
        typer.Option("--internet-host", help="Add an outside address to the lab's internet."),
    ] = None,
    no_responder: Annotated[bool, typer.Option("--no-responder", help="Start no TCP/UDP responder.")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Realise NETWORK as namespaces, veths, bridges, policy routing and nftables; on a lab that
    is up, apply only the difference (running instances are not torn down)."""
    from ..lab.api import lab_apply
    from ..lab.state import state_path
    from .common import load

    loaded = load(network, fmt)
    applied = None
    with lab_errors():
        if state_path(name).exists():
            state, change = lab_apply(
                loaded.network, name, internet_hosts=host or None, responder=not no_responder
            )
            applied = change.summary()
        else:
            state = lab_up(loaded.network, name, internet_hosts=host or (), responder=not no_responder)
        status = lab_status(name)
    if as_json:
        _emit_json(status if applied is None else {**status, "applied": applied})
        return EXIT_OK
    out = _console()
    out.print(f"lab {name} is up: {len(state.namespaces)} namespaces (state in {status['state_file']})")
    if applied is not None:
        out.print(
            "applied the difference: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in applied.items())
        )
    for instance in status["instances"]:
        addresses = ", ".join(
            ip + (f" ({iface['public_ips'][ip]})" if ip in iface["public_ips"] else "")
            for iface in instance["interfaces"]
            for ip in iface["private_ips"]
        )
        label = instance["name"] or instance["instance_id"]
        out.print(f"  {label:<16} {instance['instance_id']}  {addresses}  [{instance['state']}]")
    out.print(f"  internet hosts: {', '.join(status['internet']['hosts'])}")
    for note in state.notes:
        out.print(f"note: {note}", style="yellow")
    out.print(f"try: vpcsim lab exec --name {name} INSTANCE -- ping -c1 ADDRESS")
    return EXIT_OK


@lab_app.command("status")
def status_command(
    name: Annotated[str | None, typer.Option("--name", help="One lab (default: every lab).")] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Show the labs that are up (or one), their namespaces and instances; exit 1 if degraded."""
    with lab_errors():
        status = lab_status(name)
    labs = [status] if name is not None else status["labs"]
    if as_json:
        _emit_json(status)
    else:
        out = _console()
        if not labs:
            out.print("no lab is up")
        for lab in labs:
            out.print(
                f"lab {lab['name']}: {lab['status']}, {len(lab['namespaces_present'])} namespaces, "
                f"responder {'running' if lab['responder']['alive'] else 'not running'}"
            )
            for missing in lab["namespaces_missing"]:
                out.print(f"  missing: {missing}", style="red")
            for instance in lab["instances"]:
                label = instance["name"] or instance["instance_id"]
                out.print(f"  {label:<16} {instance['namespace']}")
            for node in lab.get("load_balancer_nodes", []):
                public = f" ({node['public_ip']})" if node["public_ip"] else ""
                out.print(
                    f"  {node['load_balancer_name']:<16} {node['namespace']}  {node['private_ip']}{public}  [node]"
                )
        for stray in status.get("stray_namespaces", []):
            out.print(f"stray namespace (no state file): {stray}", style="yellow")
    return EXIT_OK if all(lab["status"] == "up" for lab in labs) else EXIT_NO


@lab_app.command("down")
def down_command(name: NameOpt = DEFAULT_LAB, as_json: JsonOpt = False, debug: DebugOpt = False) -> int:
    """Remove every namespace of the lab and stop its responder (idempotent, also after a crash)."""
    with lab_errors():
        result = lab_down(name)
    if as_json:
        _emit_json(result)
    elif result["was_up"]:
        _console().print(f"lab {name}: removed {len(result['removed_namespaces'])} namespaces")
    else:
        _console().print(f"lab {name} was not up")
    return EXIT_OK


@lab_app.command(
    "exec",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def exec_command(
    instance: Annotated[
        str,
        typer.Argument(
            metavar="INSTANCE",
            help="Instance id, Name tag, ENI id, private address, or `internet`.",
            show_default=False,
        ),
    ],
    command: Annotated[list[str] | None, typer.Argument(metavar="-- COMMAND ...", show_default=False)] = None,
    name: NameOpt = DEFAULT_LAB,
    ssh: Annotated[
        bool,
        typer.Option("--ssh", help="Start OpenSSH's server (openssh-server) in the instance first."),
    ] = False,
) -> int:
    """Run a real command inside an instance: ping -c1 10.0.2.10, curl http://..., nc -zv ... 22."""
    from ..lab.api import lab_ssh

    with lab_errors():
        if ssh:
            started = lab_ssh(name, instance)
            address = started["public_ip"] or started["private_ip"]
            _console().print(
                f"sshd is running in {started['instance_id']}; try: vpcsim lab exec --name {name} "
                f"internet -- ssh -i {started['key']} -o StrictHostKeyChecking=no root@{address}"
            )
            if not command:
                return EXIT_OK
        done = lab_exec(name, instance, command or [])
    return done.returncode


@lab_app.command("probe")
def probe_command(
    src: Annotated[str, typer.Option("--from", help="Instance, ENI, private address or internet[:IP].")],
    dst: Annotated[str, typer.Option("--to", help="Instance, ENI, address or internet[:IP].")],
    protocol: Annotated[
        str, typer.Option("--protocol", "-p", help="tcp, udp, icmp, icmpv6 or a number.")
    ] = "tcp",
    port: Annotated[int | None, typer.Option("--port", help="Destination port (tcp, udp).")] = None,
    source_port: Annotated[int | None, typer.Option("--source-port", help="Pin the client's port.")] = None,
    icmp_type: Annotated[int | None, typer.Option("--icmp-type", help="ICMP type (default 8).")] = None,
    icmp_code: Annotated[int | None, typer.Option("--icmp-code", help="ICMP code (default 0).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the reply.")] = 1.0,
    ipv6: Annotated[
        bool,
        typer.Option(
            "--ipv6",
            "-6",
            help="Over IPv6: instances use their IPv6 address, internet an outside IPv6 host, icmp is ICMPv6 "
            "(implied by an IPv6 address at either end).",
        ),
    ] = False,
    name: NameOpt = DEFAULT_LAB,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> int:
    """Try one real exchange from a pinned source port; exit 0 delivered, 1 not."""
    with lab_errors():
        document = lab_probe(
            name,
            src,
            dst,
            protocol,
            port,
            source_port,
            timeout,
            icmp_type=icmp_type,
            icmp_code=icmp_code,
            ipv6=ipv6,
        )
    if as_json:
        _emit_json(document)
    else:
        flow = document["flow"]
        lab = document["lab"]
        where = f":{flow['destination_port']}" if flow["destination_port"] is not None else ""
        sport = f" from port {lab['client_port']}" if lab["client_port"] is not None else ""
        verdict = "DELIVERED" if document["reachable"] else "NOT DELIVERED"
        out = _console()
        out.print(f"{flow['protocol']} {flow['source']}{sport} -> {flow['destination']}{where}")
        out.print(verdict, style="green" if document["reachable"] else "red")
        out.print(f"  {lab['detail']} ({lab['elapsed_ms']} ms)")
        if lab["request_arrived"] and lab["observed_source"]:
            seen = lab["observed_source"] + (
                f":{lab['observed_source_port']}" if lab["observed_source_port"] is not None else ""
            )
            out.print(f"  the destination saw the request from {seen}")
        elif not document["reachable"]:
            out.print("  the request never reached the destination")
    return EXIT_OK if document["reachable"] else EXIT_NO


# ---------------------------------------------------------------------------- demo --live


def _flow_of(argv: list[str]) -> dict[str, Any] | None:
    """The flow of a demo step's command (ping/ssh/curl/trace), or None (``show``...)."""
    verb, rest = argv[0], argv[2:]
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(rest):
        item = rest[index]
        if item.startswith("--") and item not in ("--brief", "--json") and index + 1 < len(rest):
            options[item] = rest[index + 1]
            index += 2
            continue
        if not item.startswith("--"):
            positional.append(item)
        index += 1
    if verb in ("ping", "ssh", "curl") and len(positional) == 2:
        src, dst = positional
        protocol, port = {"ping": ("icmp", None), "ssh": ("tcp", 22), "curl": ("tcp", 80)}[verb]
        if "--port" in options:
            port = int(options["--port"])
        return {"src": src, "dst": dst, "protocol": protocol, "port": port, "source_port": None}
    if verb == "trace" and "--from" in options and "--to" in options:
        protocol = options.get("--protocol", "tcp")
        return {
            "src": options["--from"],
            "dst": options["--to"],
            "protocol": protocol,
            "port": int(options["--port"]) if "--port" in options else None,
            "source_port": int(options["--source-port"]) if "--source-port" in options else None,
        }
    return None


def _probe_ports(flow: dict[str, Any]) -> list[int | None]:
    """A pinned port as given; otherwise both edges of the Linux client range."""
    if flow["protocol"] not in ("tcp", "udp"):
        return [None]
    if flow["source_port"] is not None:
        return [flow["source_port"]]
    return [32768, 60999]


def run_live_demo(only: str | None = None, *, as_json: bool = False, name: str = "demo") -> int:
    """The tutorial's story on a live lab: for each step, the engine's verdict and what the kernel
    did, side by side. Exit 0 when they agree at every step, 1 otherwise."""
    from ..engine import trace
    from ..engine.flow import make_flow
    from ..formats.loader import load_example
    from .demo import STORY

    with lab_errors():
        chapters = [c for c in STORY if only is None or c.example == only]
        if not chapters:
            raise CliError(f"no chapter for {only!r}")
        if not any(c.live for c in chapters):
            raise CliError(f"the {only!r} chapter cannot run live: the lab does not realise what it shows")
        chapters = [c for c in chapters if c.live]
        out = _console()
        steps: list[dict[str, Any]] = []
        agree_all = True
        current: tuple[str, str] | None = None
        try:
            for chapter in chapters:
                if not as_json:
                    out.rule(f"{chapter.title} (live)")
                for step in chapter.steps:
                    flow = _flow_of(step.command)
                    if flow is None:
                        continue
                    network = load_example(chapter.example).network
                    if step.edit is not None:
                        step.edit(network)
                    key = (chapter.example, step.edit_name)
                    if current != key:
                        _realise(network, name, chapter.example, current)
                        current = key
                    result = _live_step(network, flow, name, trace, make_flow)
                    result.update({"chapter": chapter.example, "say": step.say})
                    steps.append(result)
                    agree_all = agree_all and bool(result["agree"])
                    if not as_json:
                        _print_live(out, chapter, step, flow, result)
        finally:
            lab_down(name)
    if as_json:
        _emit_json({"schema_version": 1, "lab": name, "agree": agree_all, "steps": steps})
    elif not agree_all:
        out.print("the kernel and the engine disagree on some step", style="bold red")
    return EXIT_OK if agree_all else EXIT_NO


def _realise(network: Any, name: str, example: str, current: tuple[str, str] | None) -> None:
    """Bring the step's network up: reload the rules when only they changed, else start over."""
    from ..lab import build_plan, lab_reload, read_state

    if current is not None and current[0] == example:
        with contextlib.suppress(LabError):
            if build_plan(network, name).state.topology == read_state(name).topology:
                lab_reload(network, name)
                return
    lab_down(name)
    lab_up(network, name)


def _live_step(network: Any, flow: dict[str, Any], name: str, trace: Any, make_flow: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"flow": flow, "probes": []}
    try:
        engine_flow = make_flow(
            network,
            flow["src"],
            flow["dst"],
            protocol=flow["protocol"],
            port=flow["port"],
            source_port=flow["source_port"],
        )
    except ValueError as exc:
        result.update({"engine": f"error: {exc}", "agree": False})
        return result
    verdict = trace(network, engine_flow)
    result["engine"] = verdict.verdict
    result["codes"] = verdict.codes
    services = {hop.component for hop in verdict.forward if hop.type == "vpc-service"}
    if services - {"amazon-dns-resolver"}:
        # The instance metadata and Time Sync services are not realised in the lab (the VPC's
        # DNS resolver is: lab/dns.py, probed with a real question by lab/dns_probe.py).
        result.update({"kernel": "not realised", "agree": True})
        result["probes"].append(
            {
                "source_port": None,
                "delivered": None,
                "detail": f"{', '.join(sorted(services))} is not part of the lab",
            }
        )
        return result
    destination = flow["dst"]
    with contextlib.suppress(ValueError):
        if network.load_balancer_named(destination) is not None:
            # a load balancer by name: the node the engine traced to (the lab knows addresses)
            destination = engine_flow.destination
    delivered_all = True
    for port in _probe_ports(flow):
        try:
            document = lab_probe(name, flow["src"], destination, flow["protocol"], flow["port"], port, 1.0)
        except LabError as exc:
            result["probes"].append({"source_port": port, "delivered": None, "detail": str(exc)})
            delivered_all = False
            continue
        result["probes"].append(
            {"source_port": port, "delivered": document["reachable"], "detail": document["lab"]["detail"]}
        )
        delivered_all = delivered_all and bool(document["reachable"])
    result["kernel"] = "reachable" if delivered_all else "unreachable"
    result["agree"] = result["kernel"] == verdict.verdict or verdict.verdict == "unknown"
    return result


def _print_live(out: Console, chapter: Any, step: Any, flow: dict[str, Any], result: dict[str, Any]) -> None:
    out.print()
    out.print(step.say, style="bold")
    port = f":{flow['port']}" if flow["port"] is not None else ""
    out.print(f"  {flow['protocol']} {flow['src']} -> {flow['dst']}{port}", style="cyan")
    codes = ", ".join(result.get("codes", [])) or "no blocker"
    out.print(f"  engine: {result['engine']} ({codes})")
    for probe in result["probes"]:
        sport = f" from port {probe['source_port']}" if probe["source_port"] is not None else ""
        state = (
            "n/a" if probe["delivered"] is None else "delivered" if probe["delivered"] else "not delivered"
        )
        out.print(f"  kernel{sport}: {state} -- {probe['detail']}")
    if not result["agree"]:
        out.print("  DISAGREE", style="bold red")


__all__ = ["lab_app", "lab_errors", "run_live_demo"]


if __name__ == "__main__":  # pragma: no cover - `python -m vpcsim.cli.lab` for a quick try
    sys.exit(lab_app())
