"""The lab's Python API, used by ``vpcsim lab ...``, the live demo and the fidelity harness.

Every function checks the machine first (:class:`LabEnvironmentError` when it cannot run a
lab) and names what to do when something is wrong. ``lab_down`` is idempotent and removes
everything of the lab, also after a crash: the namespaces recorded in the state file and any
other namespace with the lab's prefix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import Network, protocol_name, protocol_number
from . import kernel, ssh
from .diff import LabChange, diff_plans
from .dns import DnsAttributes, apply_dns, dns_down, stop_resolvers
from .dns_probe import is_resolver_probe, probe_resolver
from .env import require_environment
from .errors import LabError, LabNotFoundError
from .naming import DEFAULT_LAB, PREFIX, check_lab_name, lab_prefix
from .netns import lab_namespaces, namespace_exists, namespace_path
from .plan import LabPlan, build_plan
from .probe import DEFAULT_TIMEOUT, ProbeResult, ProbeSpec, run_probes
from .responder import ack_path
from .state import (
    STATE_DIR,
    EniRecord,
    InstanceRecord,
    LabState,
    list_states,
    read_state,
    remove_state,
    state_path,
    write_state,
)

RESPONDER_START_TIMEOUT = 20.0


# ---------------------------------------------------------------------------- up / down


def lab_up(
    network: Network,
    name: str = DEFAULT_LAB,
    *,
    internet_hosts: Iterable[str] = (),
    responder: bool = True,
    dns: Mapping[str, DnsAttributes] | None = None,
) -> LabState:
    """Realise ``network`` as lab ``name`` and return its state.

    ``internet_hosts`` adds outside addresses to the internet namespace (flows to and from
    them then have someone to talk to). With ``responder`` a process answers on TCP/UDP ports
    in every instance (``lab exec ... curl`` and ``nc`` get an answer). ``dns``: the VPCs' DNS
    attributes (:mod:`.dns`; AWS's defaults for those not given).
    """
    require_environment()
    check_lab_name(name)
    if state_path(name).exists():
        return lab_apply(network, name, internet_hosts=internet_hosts, responder=responder, dns=dns)[0]
    if lab_namespaces(lab_prefix(name)):
        raise LabError(
            f"lab {name!r} has namespaces but no state (a crash?); run `vpcsim lab down --name {name}` first"
        )
    plan = build_plan(network, name, internet_hosts=internet_hosts, dns=dns)
    state = plan.state
    write_state(state)  # before anything exists: `lab down` finds it all after a crash
    try:
        kernel.create(plan)
        state.notes += apply_dns(name, plan.dns)
        _write_plan(plan)
        if responder:
            state.responder_pid = _start_responder(name)
        state.balancer_pid = _start_balancers(state)
        state.status = "up"
        write_state(state)
    except BaseException:
        with contextlib.suppress(Exception):
            lab_down(name)
        raise
    return state


def plan_path(name: str) -> Path:
    """Where the plan that is up is kept (the old side of the next difference)."""
    return STATE_DIR / f"lab-{check_lab_name(name)}.plan.json"


def _write_plan(plan: LabPlan) -> None:
    path = plan_path(plan.state.name)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_text(json.dumps(plan.to_dict()))
    os.replace(temporary, path)


def _read_plan(state: LabState) -> LabPlan | None:
    try:
        return LabPlan.from_dict(state, json.loads(plan_path(state.name).read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _listening(state: LabState) -> list[tuple[str, list[int]]]:
    """What the responder listens on: it is restarted when this changes."""
    return sorted((i.namespace, i.listen_ports) for i in state.instances.values() if i.state == "running")


def lab_apply(
    network: Network,
    name: str = DEFAULT_LAB,
    *,
    internet_hosts: Iterable[str] | None = None,
    responder: bool | None = None,
    dns: Mapping[str, DnsAttributes] | None = None,
) -> tuple[LabState, LabChange]:
    """Bring lab ``name`` to ``network`` by applying only the difference (:mod:`.diff`).

    Namespaces, links, addresses, routes and rulesets that did not change are not touched:
    running instances keep their interfaces, connections and processes. The lab is
    reconciled with the kernel first: a namespace of the record that is gone is created
    again, a namespace with the lab's prefix that the record does not know is removed. A lab
    left half-changed by a crash (or made without a recorded plan) is rebuilt from scratch.
    ``internet_hosts`` and ``responder`` default to what the lab has.
    """
    require_environment()
    state = read_state(name)
    hosts = list(state.internet_hosts if internet_hosts is None else internet_hosts)
    wants_responder = (state.responder_pid is not None) if responder is None else responder
    old = _read_plan(state) if state.status == "up" else None
    if old is None:
        lab_down(name)
        fresh = lab_up(network, name, internet_hosts=hosts, responder=wants_responder, dns=dns)
        return fresh, LabChange(
            create_namespaces=build_plan(network, name, internet_hosts=hosts, dns=dns).namespaces
        )
    new = build_plan(network, name, internet_hosts=hosts, dns=dns)
    lost = [p.name for p in old.namespaces if not namespace_exists(p.name)]
    _stop_balancers(state)  # started again on the new state (its sockets would keep namespaces alive)
    state.balancer_pid = None
    if lost:
        _stop_responder(state)  # its sockets keep a lost namespace (and its veths) alive
        stop_resolvers(name, lost)  # so does a resolver
    old = _reconciled(old)
    change = diff_plans(old, new)
    reload = wants_responder and _responder_alive(state) and _listening(state) != _listening(new.state)
    restart = wants_responder and not _responder_alive(state)
    if restart or not wants_responder:
        _stop_responder(state)  # its sockets would keep removed namespaces alive
        state.responder_pid = None
    # The record names every namespace of both plans while the change runs: a crash half
    # way leaves status "applying", and the next apply or `lab down` finds them all.
    known = {n.name for n in new.state.namespaces}
    intent = new.state
    intent.namespaces = [*new.state.namespaces, *(n for n in state.namespaces if n.name not in known)]
    intent.status, intent.created_at, intent.responder_pid = "applying", state.created_at, state.responder_pid
    intent.balancer_pid = None
    write_state(intent)
    running = {i.instance_id for i in new.state.instances.values() if i.state == "running"}
    ssh.stop_all(name, keep=running)  # an sshd would keep a removed namespace alive
    stop_resolvers(name, change.remove_namespaces)  # and so would a resolver
    kernel.apply(change)
    intent.notes += apply_dns(name, new.dns)
    _write_plan(new)
    intent.namespaces = [n for n in intent.namespaces if n.name in known]
    intent.status = "up"
    intent.balancer_pid = _start_balancers(intent)
    write_state(intent)
    if wants_responder and intent.responder_pid is None:
        intent.responder_pid = _start_responder(name)
        write_state(intent)
    elif reload and not _reload_responder(intent):
        _stop_responder(intent)
        intent.responder_pid = _start_responder(name)
        write_state(intent)
    return intent, change


def _reload_responder(state: LabState) -> bool:
    """Have the responder open the listeners of new instances and close those of gone ones
    (``SIGHUP``), and wait until it has: a probe right after this finds them open."""
    if state.responder_pid is None:
        return False
    ack = ack_path(state.name)
    generation = f"{time.time_ns()}"
    ack.with_suffix(".want").write_text(generation)
    os.kill(state.responder_pid, signal.SIGHUP)
    deadline = time.monotonic() + RESPONDER_START_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if ack.read_text() == generation:
                return True
        time.sleep(0.005)
    return False


def _reconciled(plan: LabPlan) -> LabPlan:
    """The recorded plan as the kernel has it: namespaces that are gone (and the links into
    them) are left out, and stray namespaces of the lab are removed."""
    recorded = {p.name for p in plan.namespaces}
    present = {name for name in recorded if namespace_exists(name)}
    strays = [n for n in lab_namespaces(lab_prefix(plan.state.name)) if n not in recorded]
    if strays:
        kernel.destroy_namespaces(strays)
    if present == recorded:
        return plan
    kept = []
    for ns in plan.namespaces:
        if ns.name in present:
            create = [
                line for line in ns.create if "netns" not in line.split() or line.split()[-1] in present
            ]
            kept.append(dataclasses.replace(ns, create=create))
    return LabPlan(plan.state, kept)


def _start_balancers(state: LabState) -> int | None:
    """The process relaying the load balancers' connections (:mod:`.lbproxy`), when the lab
    has load-balancer nodes."""
    if not state.load_balancer_nodes:
        return None
    return _start_responder(state.name, module="vpcsim.lab.lbproxy", what="load balancers' relay")


def _stop_balancers(state: LabState) -> bool:
    pid = state.balancer_pid
    if pid is None:
        return False
    return _stop_responder(dataclasses.replace(state, responder_pid=pid), module=b"vpcsim.lab.lbproxy")


def _start_responder(name: str, *, module: str = "vpcsim.lab.responder", what: str = "responder") -> int:
    log = STATE_DIR / f"lab-{name}.log"
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module, name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            start_new_session=True,
            close_fds=True,
        )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], RESPONDER_START_TIMEOUT)
    line = process.stdout.readline() if ready else b""
    process.stdout.close()
    if not line.startswith(b"ready"):
        process.kill()
        raise LabError(f"the lab's {what} did not start (see {log})")
    return process.pid


def _responder_alive(state: LabState, module: bytes = b"vpcsim.lab.responder") -> bool:
    pid = state.responder_pid
    if pid is None:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return module in cmdline and state.name.encode() in cmdline


def _stop_responder(state: LabState, module: bytes = b"vpcsim.lab.responder") -> bool:
    if not _responder_alive(state, module):
        return False
    assert state.responder_pid is not None
    with contextlib.suppress(ProcessLookupError):
        os.kill(state.responder_pid, signal.SIGTERM)
    for _ in range(50):
        if not _responder_alive(state, module):
            break
        time.sleep(0.05)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.responder_pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(state.responder_pid, os.WNOHANG)
    return True


def lab_down(name: str = DEFAULT_LAB) -> dict[str, Any]:
    """Remove everything of lab ``name`` (idempotent: a lab that is not up is fine)."""
    require_environment()
    check_lab_name(name)
    recorded: list[str] = []
    stopped = False
    try:
        state: LabState | None = read_state(name)
    except LabNotFoundError:
        state = None
    except LabError:
        state = None  # a corrupt record: the prefix finds the namespaces anyway
    ssh.stop_all(name)
    dns_down(name)
    if state is not None:
        recorded = [n.name for n in state.namespaces]
        stopped = _stop_responder(state)
        _stop_balancers(state)
    removed = kernel.destroy(name, recorded)
    remove_state(name)
    plan_path(name).unlink(missing_ok=True)
    for path in (ack_path(name), ack_path(name).with_suffix(".want")):
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        (STATE_DIR / f"lab-{name}.log").unlink()
    return {
        "schema_version": 1,
        "name": name,
        "was_up": state is not None or bool(removed),
        "removed_namespaces": removed,
        "responder_stopped": stopped,
    }


def lab_reload(network: Network, name: str = DEFAULT_LAB) -> LabState:
    """Apply a changed network to a running lab (only the difference; see :func:`lab_apply`)."""
    return lab_apply(network, name)[0]


# ---------------------------------------------------------------------------- status


def lab_status(name: str | None = None) -> dict[str, Any]:
    """What is up: one lab (``name``), or every lab and any stray ``vs-`` namespace."""
    require_environment()
    if name is not None:
        return _one_status(name)
    labs = []
    for lab in list_states():
        try:
            labs.append(_one_status(lab))
        except LabError as exc:
            labs.append({"schema_version": 1, "name": lab, "status": "unreadable", "error": str(exc),
                         "namespaces_present": lab_namespaces(lab_prefix(lab)), "namespaces_missing": [],
                         "responder": {"pid": None, "alive": False}, "instances": []})  # fmt: skip
    known = {ns for lab in labs for ns in lab["namespaces_present"]}
    strays = [n for n in lab_namespaces(PREFIX) if n not in known]
    return {"schema_version": 1, "labs": labs, "stray_namespaces": strays}


def _one_status(name: str) -> dict[str, Any]:
    check_lab_name(name)
    state = read_state(name)
    present = [n.name for n in state.namespaces if namespace_exists(n.name)]
    missing = [n.name for n in state.namespaces if not namespace_exists(n.name)]
    healthy = state.status == "up" and not missing
    return {
        "schema_version": 1,
        "name": name,
        "status": ("up" if healthy else "degraded") if state.status == "up" else state.status,
        "state_file": str(state_path(name)),
        "namespaces_present": present,
        "namespaces_missing": missing,
        "responder": {"pid": state.responder_pid, "alive": _responder_alive(state)},
        "instances": [
            {
                "instance_id": i.instance_id,
                "name": i.name,
                "state": i.state,
                "namespace": i.namespace,
                "interfaces": [
                    {
                        "network_interface_id": e.network_interface_id,
                        "interface": e.interface,
                        "subnet_id": e.subnet_id,
                        "private_ips": e.private_ips,
                        "public_ips": e.public_ips,
                    }
                    for e in i.enis
                ],
            }
            for i in state.instances.values()
        ],
        "nat_gateways": [
            {
                "nat_gateway_id": g.nat_gateway_id,
                "namespace": g.namespace,
                "private_ip": g.private_ip,
                "public_ip": g.public_ip,
            }
            for g in state.nat_gateways.values()
        ],
        "load_balancer_nodes": [
            {
                "network_interface_id": node.network_interface_id,
                "load_balancer_name": node.load_balancer_name,
                "type": node.type,
                "namespace": node.namespace,
                "private_ip": node.private_ip,
                "public_ip": node.public_ip,
                "listeners": [
                    {
                        "port": li.port,
                        "protocols": li.protocols,
                        "action": li.action,
                        "targets": len(li.targets),
                    }
                    for li in node.listeners
                ],
            }
            for node in state.load_balancer_nodes.values()
        ],
        "balancer_relay": {
            "pid": state.balancer_pid,
            "alive": _responder_alive(
                dataclasses.replace(state, responder_pid=state.balancer_pid), b"vpcsim.lab.lbproxy"
            ),
        },
        "vpcs": [
            {
                "vpc_id": v.vpc_id,
                "name": v.name,
                "namespace": v.namespace,
                "internet_gateway_id": v.internet_gateway_id,
            }
            for v in state.vpcs.values()
        ],
        "internet": {"namespace": state.internet_namespace, "hosts": state.internet_hosts},
        "notes": state.notes,
        "summary": state.network_summary,
    }


# ---------------------------------------------------------------------------- endpoints


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _own_address(eni: EniRecord, ipv6: bool, ref: str) -> str:
    """The ENI's primary private address, or with ``ipv6`` its first IPv6 address."""
    if not ipv6:
        return eni.private_ips[0]
    if not eni.ipv6_addresses:
        raise LabError(f"{ref!r} ({eni.network_interface_id}) has no IPv6 address in this lab")
    return eni.ipv6_addresses[0]


def _outside_host(state: LabState, ipv6: bool) -> str:
    hosts = [h for h in state.internet_hosts if (":" in h) == ipv6]
    if not hosts:
        raise LabError(
            f"lab {state.name} has no outside {'IPv6' if ipv6 else 'IPv4'} host (is the network dual-stack?)"
        )
    return hosts[0]


def _instance(state: LabState, ref: str) -> InstanceRecord | None:
    if ref in state.instances:
        return state.instances[ref]
    named = [i for i in state.instances.values() if i.name == ref]
    if len(named) > 1:
        raise LabError(
            f"{ref!r} names several instances: {', '.join(i.instance_id for i in named)}; use an id"
        )
    if named:
        return named[0]
    found = state.eni(ref)
    return found[0] if found else None


def resolve_namespace(state: LabState, ref: str) -> str:
    """The namespace of an instance (id, Name tag, ENI id or private address) or ``internet``."""
    if ref == "internet" or ref.startswith("internet:"):
        return state.internet_namespace
    instance = _instance(state, ref)
    if instance is None and _is_address(ref):
        holders = state.holders_of_private(ref)
        if len({i.instance_id for i, _ in holders}) > 1:
            raise LabError(f"{ref} is held in several VPCs; name the instance instead")
        instance = holders[0][0] if holders else None
    if instance is None:
        raise LabError(
            f"{ref!r} is not an instance of lab {state.name} (use an instance id, Name tag, ENI id, "
            "private address or `internet`)"
        )
    return instance.namespace


def _source(state: LabState, ref: str, *, ipv6: bool = False) -> tuple[str, str | None]:
    """(address, sending ENI) of a probe's source; ENI None for an outside host (``ipv6``: an
    instance or ENI sends from its IPv6 address, ``internet`` is the first outside IPv6 host)."""
    if ref == "internet" or ref.startswith("internet:"):
        host = ref.partition(":")[2] or _outside_host(state, ipv6)
        return host, None
    if _is_address(ref):
        holders = state.holders_of_private(ref)
        if len(holders) == 1:
            return ref, holders[0][1].network_interface_id
        if len(holders) > 1:
            raise LabError(f"{ref} is held in several VPCs; name the instance or ENI instead")
        if ref in state.internet_hosts:
            return ref, None
        raise LabError(f"{ref} is neither a private address of lab {state.name} nor one of its outside hosts")
    found = state.eni(ref)
    if found is not None:
        return _own_address(found[1], ipv6, ref), found[1].network_interface_id
    instance = _instance(state, ref)
    if instance is None or not instance.enis:
        raise LabError(f"{ref!r} is not an instance, ENI, address or internet[:IP] of lab {state.name}")
    return _own_address(instance.enis[0], ipv6, ref), instance.enis[0].network_interface_id


def _destination(state: LabState, ref: str, *, from_internet: bool, ipv6: bool = False) -> str:
    if ref == "internet" or ref.startswith("internet:"):
        return ref.partition(":")[2] or _outside_host(state, ipv6)
    if _is_address(ref):
        return ref
    found = state.eni(ref)
    instance = found[0] if found else _instance(state, ref)
    if instance is None or not instance.enis:
        raise LabError(f"{ref!r} is not an instance, ENI, address or internet[:IP] of lab {state.name}")
    eni = found[1] if found else instance.enis[0]
    if ipv6:
        return _own_address(eni, True, ref)  # no NAT for IPv6: the same address from anywhere
    primary = eni.private_ips[0]
    if from_internet:
        # As `vpcsim trace`: the public address when there is one, else the private one
        # (which the internet cannot reach).
        return eni.public_ips.get(primary, primary)
    return primary


# ---------------------------------------------------------------------------- exec and probe


def lab_ssh(name: str, target: str) -> dict[str, str]:
    """Start OpenSSH's server in an instance (``vpcsim lab exec --ssh``): the responder lets go
    of its TCP port 22 there first. Returns the client key and the instance's addresses."""
    require_environment()
    state = read_state(name)
    instance = _instance(state, target)
    if instance is None:
        raise LabError(f"{target!r} is not an instance of lab {name}")
    if instance.state != "running":
        raise LabError(f"{instance.instance_id} is {instance.state}; start it first")
    ssh.mark(name, instance.instance_id, True)
    if _responder_alive(state) and not _reload_responder(state):
        raise LabError("the lab's responder did not let go of port 22")
    return ssh.start_sshd(state, instance.instance_id)


def lab_exec(
    name: str, target: str, argv: Sequence[str], *, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside an instance's namespace (or the internet's); its exit status is kept."""
    require_environment()
    if not argv:
        raise LabError("give a command to run, for example: -- ping -c1 10.0.2.10")
    state = read_state(name)
    namespace = resolve_namespace(state, target)
    path = namespace_path(namespace)
    if not path.exists():
        raise LabError(f"namespace {namespace} is gone; run `vpcsim lab down --name {name}` and up again")
    # `ip netns exec` (not nsenter): it mounts /etc/netns/<namespace>/resolv.conf, the
    # instance's resolver (:mod:`.dns`), over /etc/resolv.conf for the command.
    command = ["ip", "netns", "exec", path.name, *argv]
    return subprocess.run(command, capture_output=capture, text=True, check=False)


def probe_many(name: str, specs: list[ProbeSpec], *, timeout: float = DEFAULT_TIMEOUT) -> list[ProbeResult]:
    """Run concrete probes (addresses, not names) against lab ``name``."""
    require_environment()
    return run_probes(read_state(name), specs, timeout=timeout)


def lab_probe(
    name: str,
    src: str,
    dst: str,
    protocol: str | int = "tcp",
    port: int | None = None,
    source_port: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    ipv6: bool = False,
) -> dict[str, Any]:
    """Try one real exchange and report it in ``trace``'s JSON shape (verdict, flow, blockers).

    ``ipv6`` (or an IPv6 address at either end): instances use their IPv6 address, ``internet``
    an outside IPv6 host, and ICMP is ICMPv6 (echo request 128 by default).

    ``blockers`` holds at most one entry, ``VPCSIM_LAB_NO_REQUEST`` (the request never reached
    the destination) or ``VPCSIM_LAB_NO_REPLY`` (it did, but no reply came back); the kernel
    does not say why -- ``vpcsim trace`` does. ``lab`` holds what the probe observed. DNS to
    the source VPC's resolver is a real question answered by it (:mod:`.dns_probe`).
    """
    require_environment()
    state = read_state(name)
    try:
        number = protocol_number(protocol)
    except ValueError as exc:
        raise LabError(f"protocol {protocol!r}: {exc}") from None
    if number == -1:
        raise LabError("a probe needs one protocol (tcp, udp, icmp or a number), not -1")
    if number in (6, 17) and port is None:
        raise LabError(f"{protocol_name(number)} needs --port")
    if source_port is not None and not 1 <= source_port <= 65535:
        raise LabError(f"source port {source_port} is outside 1-65535")
    ipv6 = ipv6 or number == 58 or any(":" in ref.removeprefix("internet:") for ref in (src, dst))
    if ipv6 and number == 1:
        number = 58  # ICMP over IPv6 is ICMPv6
    address, eni = _source(state, src, ipv6=ipv6)
    destination = _destination(state, dst, from_internet=eni is None, ipv6=ipv6)
    if (":" in address) != (":" in destination):
        raise LabError(f"{address} and {destination} are of different address families")
    icmp = number in (1, 58)
    spec = ProbeSpec(
        protocol=number,
        source=address,
        destination=destination,
        source_eni=eni,
        destination_port=port if number in (6, 17) else None,
        source_port=source_port if number in (6, 17) else None,
        icmp_type=((128 if number == 58 else 8) if icmp_type is None else icmp_type) if icmp else None,
        icmp_code=(0 if icmp_code is None else icmp_code) if icmp else None,
    )
    if is_resolver_probe(state, spec):
        result = probe_resolver(state, spec, timeout)
    else:
        (result,) = run_probes(state, [spec], timeout=timeout)
    if not result.probed:
        raise LabError(
            f"{result.detail}: choose another --source-port, or bring the lab up with --no-responder"
        )
    return probe_document(name, result)


def probe_document(name: str, result: ProbeResult) -> dict[str, Any]:
    spec = result.spec
    ports = spec.protocol in (6, 17)
    client_port = result.client_port if ports else None
    blockers: list[dict[str, Any]] = []
    if not result.delivered:
        arrived = result.forward
        blockers.append(
            {
                "code": "VPCSIM_LAB_NO_REPLY" if arrived else "VPCSIM_LAB_NO_REQUEST",
                "component": spec.destination,
                "path": "return" if arrived else "forward",
                "direction": None,
                "ports": None,
                "detail": result.detail,
                "fix": "run `vpcsim trace` with the same flow for the reason",
            }
        )
    return {
        "schema_version": 1,
        "verdict": "reachable" if result.delivered else "unreachable",
        "reachable": result.delivered,
        "flow": {
            "protocol": protocol_name(spec.protocol),
            "source": spec.source,
            "destination": spec.destination,
            "destination_port": spec.destination_port,
            "source_ports": [[client_port, client_port]] if client_port is not None else None,
            "icmp_type": spec.icmp_type,
            "icmp_code": spec.icmp_code,
            "source_eni": spec.source_eni,
        },
        "forward": [],
        "return": [],
        "blockers": blockers,
        "lab": {"name": name, **result.to_dict()},
    }
