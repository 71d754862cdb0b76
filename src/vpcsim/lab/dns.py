"""The Amazon DNS server of each VPC, for real: ``getent hosts ip-10-0-2-4.ec2.internal`` in an
instance of the lab answers as it does on EC2.

AWS: every VPC's resolver answers at the base of its primary IPv4 block + 2 and at
169.254.169.253; it resolves EC2's private host names (``ip-10-0-2-4.ec2.internal`` in
us-east-1, ``ip-10-0-2-4.<region>.compute.internal`` elsewhere) and their reverse (PTR) names;
neither network ACLs nor security groups filter traffic to it. Two VPC attributes govern it
(VPC User Guide, "DNS attributes for your VPC"): with ``enableDnsSupport`` off the resolver does
not answer; the private host names resolve only when ``enableDnsHostnames`` is on as well. A
network read from files carries no attributes: AWS's defaults apply (both on in a default VPC;
in another one support on, host names off -- ``vpcsim serve`` knows what ``ModifyVpcAttribute``
set). The lab has no internet DNS: other names are not answered (the instances' resolvers are
the lab's, nothing leaves it).

The lab realises it with a well-kept DNS server, not one of its own: Debian's ``dnsmasq``
(package ``dnsmasq-base``, installed by ``scripts/install-lab-deps.sh``), one process per VPC
whose resolver answers, inside the VPC's router namespace, listening on the two addresses (held
by the router: on its loopback, or on a subnet's bridge when a subnet holds base + 2 so that
instances there reach it on-link), reading a generated hosts file (``/run/vpcsim/dns-<lab>/``)
that it reads again on ``SIGHUP`` when instances come and go. The router's ruleset lets DNS in
from the VPC's own subnets only and the answers out; each instance's ruleset passes its DNS to
the resolver before its security groups (AWS does not filter it). Each instance namespace gets
``/etc/netns/<namespace>/resolv.conf`` (``nameserver`` base + 2, ``search`` the internal domain,
as EC2's default DHCP option set gives), which ``ip netns exec`` -- used by ``lab exec`` and to
start ``sshd`` -- mounts over ``/etc/resolv.conf``.

:func:`dns_plan` is pure (part of :func:`vpcsim.lab.plan.build_plan`); :func:`apply_dns`,
:func:`stop_resolvers` and :func:`dns_down` execute it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Vpc
from ..model.addressing import AMAZON_DNS_LINK_LOCAL, amazon_dns_address, internal_domain, ip_int
from .errors import LabError
from .naming import lab_prefix, namespace_name
from .netns import namespace_exists, namespace_path
from .state import STATE_DIR

DNSMASQ = Path("/usr/sbin/dnsmasq")
NETNS_ETC = Path(os.environ.get("VPCSIM_LAB_NETNS_ETC", "/etc/netns"))
"""Where ``ip netns exec NAME`` finds the files it mounts over ``/etc`` (iproute2's convention)."""
START_TIMEOUT = 10.0


@dataclass(frozen=True)
class DnsAttributes:
    """A VPC's ``enableDnsSupport`` and ``enableDnsHostnames``."""

    support: bool = True
    hostnames: bool = False


def default_attributes(vpc: Vpc) -> DnsAttributes:
    """AWS's defaults: both on in a default VPC; support only in another one."""
    return DnsAttributes(support=True, hostnames=vpc.is_default)


@dataclass
class VpcResolver:
    """The resolver of one VPC whose ``enableDnsSupport`` is on."""

    vpc_id: str
    namespace: str
    """The VPC's router namespace, where ``dnsmasq`` runs."""
    addresses: list[str]
    """base + 2 of the primary block, then 169.254.169.253."""
    domains: list[str]
    """The internal domains answered locally (an unknown name there is NXDOMAIN)."""
    hosts: list[tuple[str, str]] = field(default_factory=list)
    """(private address, private DNS name): empty when ``enableDnsHostnames`` is off."""

    def hosts_text(self) -> str:
        return "".join(f"{address} {name}\n" for address, name in self.hosts)


@dataclass
class DnsPlan:
    resolvers: dict[str, VpcResolver] = field(default_factory=dict)
    """VPC id -> its resolver (VPCs with ``enableDnsSupport`` on only)."""
    resolv_conf: dict[str, str] = field(default_factory=dict)
    """Instance namespace -> its ``resolv.conf``."""


def resolver_addresses(vpc: Vpc) -> list[str]:
    return [amazon_dns_address(vpc.cidr_block), AMAZON_DNS_LINK_LOCAL]


def resolv_conf(vpc: Vpc, region: str) -> str:
    """What EC2's default DHCP option set gives an instance (AmazonProvidedDNS)."""
    return f"nameserver {amazon_dns_address(vpc.cidr_block)}\nsearch {internal_domain(region)}\n"


def resolver_device(vpc: Vpc, subnet_bridges: Mapping[str, str]) -> str:
    """Where the router holds base + 2: on the bridge of the subnet (CIDR -> bridge) that
    contains it (its instances reach it on-link, so the router must answer ARP there), else on
    its loopback."""
    address = ipaddress.IPv4Address(amazon_dns_address(vpc.cidr_block))
    for cidr, bridge in subnet_bridges.items():
        if address in ipaddress.IPv4Network(cidr):
            return bridge
    return "lo"


def dns_plan(
    vpcs: Mapping[str, Vpc],
    attributes: Mapping[str, DnsAttributes],
    routers: Mapping[str, str],
    addresses: Iterable[tuple[str, str, str]],
    instances: Iterable[tuple[str, str, str]],
) -> DnsPlan:
    """The resolvers and ``resolv.conf`` files of a lab (pure).

    ``routers``: VPC id -> router namespace; ``addresses``: (VPC id, private address, region)
    of every realised ENI address; ``instances``: (namespace, VPC id of its primary ENI,
    region).
    """
    plan = DnsPlan()
    for vpc_id in sorted(routers):
        vpc = vpcs[vpc_id]
        wanted = attributes.get(vpc_id) or default_attributes(vpc)
        if wanted.support:
            plan.resolvers[vpc_id] = VpcResolver(vpc_id, routers[vpc_id], resolver_addresses(vpc), [])
    domains: dict[str, set[str]] = {}
    for vpc_id, address, region in addresses:
        resolver = plan.resolvers.get(vpc_id)
        if resolver is None:
            continue
        domains.setdefault(vpc_id, set()).add(internal_domain(region))
        wanted = attributes.get(vpc_id) or default_attributes(vpcs[vpc_id])
        if wanted.hostnames:
            name = "ip-" + address.replace(".", "-") + "." + internal_domain(region)
            resolver.hosts.append((address, name))
    for vpc_id, resolver in plan.resolvers.items():
        resolver.hosts = sorted(set(resolver.hosts), key=lambda h: ip_int(h[0]))
        resolver.domains = sorted(domains.get(vpc_id, {internal_domain(vpcs[vpc_id].region)}))
    for namespace, vpc_id, region in instances:
        plan.resolv_conf[namespace] = resolv_conf(vpcs[vpc_id], region)
    return plan


# ---------------------------------------------------------------------------------- executing


def dns_dir(lab: str) -> Path:
    return STATE_DIR / f"dns-{lab}"


def available() -> bool:
    return DNSMASQ.exists()


def _pid_file(lab: str, vpc_id: str) -> Path:
    return dns_dir(lab) / f"{vpc_id}.pid"


def _running(lab: str, vpc_id: str) -> int | None:
    """The pid of the VPC's ``dnsmasq`` if it runs (checked against its command line)."""
    try:
        pid = int(_pid_file(lab, vpc_id).read_text().strip())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"dnsmasq" in argv and str(_pid_file(lab, vpc_id)).encode() in argv else None


def _write(path: Path, text: str) -> bool:
    """Write ``text`` when it differs (atomically, world-readable); True when it changed."""
    try:
        if path.read_text() == text:
            return False
    except OSError:
        pass
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    temporary.write_text(text)
    temporary.chmod(0o644)
    os.replace(temporary, path)
    return True


def _start(lab: str, resolver: VpcResolver, hosts: Path) -> None:
    pid_file = _pid_file(lab, resolver.vpc_id)
    pid_file.unlink(missing_ok=True)
    argv = [
        "nsenter",
        f"--net={namespace_path(resolver.namespace)}",
        "--",
        str(DNSMASQ),
        "--conf-file=/dev/null",
        f"--pid-file={pid_file}",
        "--user=nobody",
        "--group=nogroup",
        "--port=53",
        # Bound to the two addresses only. Not --bind-dynamic: it drops a TCP connection that
        # arrives on an interface other than the one holding the address (every subnet but the
        # one holding base + 2), and AWS's resolver answers DNS over TCP from every subnet.
        "--bind-interfaces",
        *(f"--listen-address={a}" for a in resolver.addresses),
        "--no-resolv",
        "--no-poll",
        "--no-hosts",
        f"--addn-hosts={hosts}",
        "--domain-needed",
        "--bogus-priv",
        *(f"--local=/{domain}/" for domain in resolver.domains),
        "--log-facility=/dev/null",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=START_TIMEOUT)
    if done.returncode != 0:
        raise LabError(f"the resolver of {resolver.vpc_id} did not start: {done.stderr.strip()}")
    deadline = time.monotonic() + START_TIMEOUT
    while _running(lab, resolver.vpc_id) is None:
        if time.monotonic() > deadline:
            raise LabError(f"the resolver of {resolver.vpc_id} did not start (no pid in {pid_file})")
        time.sleep(0.02)


def _stop(lab: str, vpc_id: str) -> bool:
    pid = _running(lab, vpc_id)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + START_TIMEOUT
        while _running(lab, vpc_id) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
    for suffix in (".pid", ".hosts"):
        (dns_dir(lab) / f"{vpc_id}{suffix}").unlink(missing_ok=True)
    return pid is not None


def _recorded(lab: str) -> list[str]:
    folder = dns_dir(lab)
    return sorted(p.stem for p in folder.glob("*.pid")) if folder.is_dir() else []


def stop_resolvers(lab: str, namespaces: Iterable[str] | None = None) -> None:
    """Stop the lab's resolvers (all, or those running in ``namespaces``): a process keeps the
    namespace it runs in alive, so this comes before a router namespace is removed."""
    going = None if namespaces is None else set(namespaces)
    for vpc_id in _recorded(lab):
        if going is None or namespace_name(lab, vpc_id) in going:
            _stop(lab, vpc_id)


def apply_dns(lab: str, plan: DnsPlan) -> list[str]:
    """Bring the lab's resolvers and ``resolv.conf`` files to ``plan``; returns notes (what
    could not be realised)."""
    notes: list[str] = []
    folder = dns_dir(lab)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # dnsmasq reads its hosts file again as nobody
    for vpc_id in _recorded(lab):
        if vpc_id not in plan.resolvers:
            _stop(lab, vpc_id)
    if plan.resolvers and not available():
        notes.append("the VPC resolver is not realised: install dnsmasq-base (scripts/install-lab-deps.sh)")
    else:
        for vpc_id, resolver in plan.resolvers.items():
            hosts = folder / f"{vpc_id}.hosts"
            changed = _write(hosts, resolver.hosts_text())
            pid = _running(lab, vpc_id)
            if pid is not None and not namespace_exists(resolver.namespace):
                _stop(lab, vpc_id)
                pid = None
            if pid is None:
                _start(lab, resolver, hosts)
            elif changed:
                os.kill(pid, signal.SIGHUP)  # dnsmasq reads its hosts files again
    _write_resolv_confs(lab, plan.resolv_conf)
    return notes


def _write_resolv_confs(lab: str, files: Mapping[str, str]) -> None:
    prefix = lab_prefix(lab)
    for namespace, text in files.items():
        namespace_path(namespace)  # refuses anything but a lab namespace
        folder = NETNS_ETC / namespace
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / "resolv.conf", text)
    if NETNS_ETC.is_dir():
        for folder in NETNS_ETC.iterdir():
            if folder.name.startswith(prefix) and folder.name not in files:
                shutil.rmtree(folder, ignore_errors=True)


def dns_down(lab: str) -> None:
    """Stop every resolver of the lab and remove its files (idempotent)."""
    stop_resolvers(lab)
    _write_resolv_confs(lab, {})
    shutil.rmtree(dns_dir(lab), ignore_errors=True)
