"""What a lab is made of, as recorded in ``/run/vpcsim/lab-<name>.json``.

The record is written *before* anything is created (with every namespace the lab will make) and
completed after, so that ``lab down`` removes everything even after a crash half way through
``lab up``. It also carries what probes and ``lab exec`` need to find their way without the
model: which namespace holds an instance, its interfaces and addresses, the internet
gateway's one-to-one mappings, the NAT gateways and the outside hosts.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import LabError, LabNotFoundError
from .naming import check_lab_name

STATE_DIR = Path(os.environ.get("VPCSIM_LAB_STATE_DIR", "/run/vpcsim"))
STATE_VERSION = 1


@dataclass
class EniRecord:
    network_interface_id: str
    interface: str
    subnet_id: str
    vpc_id: str
    subnet_cidr: str
    router_address: str
    private_ips: list[str]
    public_ips: dict[str, str] = field(default_factory=dict)
    """private address -> public address (one-to-one NAT at the internet gateway)."""
    source_dest_check: bool = True
    groups: list[str] = field(default_factory=list)
    ipv6_addresses: list[str] = field(default_factory=list)
    """The ENI's IPv6 addresses (realised when its subnet has an IPv6 block)."""


@dataclass
class InstanceRecord:
    instance_id: str
    namespace: str
    name: str | None
    state: str
    enis: list[EniRecord]
    listen_ports: list[int] = field(default_factory=list)
    """TCP and UDP ports the responder answers on."""


@dataclass
class NatRecord:
    nat_gateway_id: str
    namespace: str
    subnet_id: str
    vpc_id: str
    private_ip: str
    public_ip: str | None


@dataclass
class VpcRecord:
    vpc_id: str
    namespace: str
    name: str | None
    cidr_blocks: list[str]
    internet_gateway_id: str | None
    subnets: dict[str, str] = field(default_factory=dict)
    """subnet id -> bridge interface in the router namespace."""


@dataclass
class LbTargetRecord:
    """A registered target as one load-balancer node sends to it."""

    target_id: str
    address: str | None
    """None: a Lambda function (the load balancer invokes it; no packet path)."""
    port: int
    preserve_client_ip: bool = False


@dataclass
class LbListenerRecord:
    port: int
    protocols: list[int]
    """IP protocols the listener accepts (6, 17)."""
    action: str
    """``forward`` (to ``targets``), ``answer`` (redirect, fixed-response: the load balancer
    answers itself) or ``none`` (no action that accepts: it drops)."""
    targets: list[LbTargetRecord] = field(default_factory=list)
    """The targets this node may send to (zones enabled on the load balancer, its own zone
    when cross-zone load balancing is off)."""


@dataclass
class LbNodeRecord:
    """A node of a load balancer: an ENI in one subnet, realised as a namespace of its own."""

    network_interface_id: str
    namespace: str
    load_balancer_arn: str
    load_balancer_name: str
    type: str
    """``application``, ``network`` or ``classic``."""
    subnet_id: str
    vpc_id: str
    private_ip: str
    public_ip: str | None
    listeners: list[LbListenerRecord] = field(default_factory=list)
    dscp: int = 0
    """Client IP preservation: the DSCP its legs carry to targets (the reply carries dscp + 1,
    which the VPC router and the target route back to this node); 0 when it never preserves."""


@dataclass
class NamespaceRecord:
    name: str
    role: str
    """``instance``, ``router``, ``nat-gateway``, ``egress-only-internet-gateway``, ``transit-gateway``,
    ``load-balancer`` or ``internet``."""
    component: str


@dataclass
class LabState:
    name: str
    namespaces: list[NamespaceRecord]
    instances: dict[str, InstanceRecord] = field(default_factory=dict)
    nat_gateways: dict[str, NatRecord] = field(default_factory=dict)
    vpcs: dict[str, VpcRecord] = field(default_factory=dict)
    load_balancer_nodes: dict[str, LbNodeRecord] = field(default_factory=dict)
    """Realised load-balancer nodes by ENI id (:mod:`.balancers`)."""
    balancer_pid: int | None = None
    """The process relaying the load balancers' connections (:mod:`.lbproxy`)."""
    internet_namespace: str = ""
    internet_hosts: list[str] = field(default_factory=list)
    internet_ports: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the lab could not realise exactly (routes to targets outside the model...)."""
    status: str = "creating"
    """``creating`` while ``lab up`` runs, ``up`` when done."""
    responder_pid: int | None = None
    created_at: float = 0.0
    network_summary: dict[str, int] = field(default_factory=dict)
    topology: str = ""
    """A digest of the namespaces, links, addresses and routes: a reload may change rules only."""
    version: int = STATE_VERSION

    # ------------------------------------------------------------------ lookups

    def namespace_of_instance(self, instance_id: str) -> str:
        return self.instances[instance_id].namespace

    def eni(self, eni_id: str) -> tuple[InstanceRecord, EniRecord] | None:
        for instance in self.instances.values():
            for eni in instance.enis:
                if eni.network_interface_id == eni_id:
                    return instance, eni
        return None

    def holders_of_private(self, address: str) -> list[tuple[InstanceRecord, EniRecord]]:
        return [
            (instance, eni)
            for instance in self.instances.values()
            for eni in instance.enis
            if address in eni.private_ips or address in eni.ipv6_addresses
        ]

    def load_balancer_node(self, address: str) -> LbNodeRecord | None:
        """The load-balancer node holding ``address`` (its private or public address)."""
        for node in self.load_balancer_nodes.values():
            if address in (node.private_ip, node.public_ip):
                return node
        return None

    def holder_of_public(self, address: str) -> tuple[InstanceRecord, EniRecord, str] | None:
        for instance in self.instances.values():
            for eni in instance.enis:
                for private, public in eni.public_ips.items():
                    if public == address:
                        return instance, eni, private
        return None

    # ------------------------------------------------------------------ JSON

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> LabState:
        if data.get("version") != STATE_VERSION:
            raise LabError(f"lab state version {data.get('version')!r} is not {STATE_VERSION}")
        instances = {
            key: InstanceRecord(
                **{k: v for k, v in value.items() if k != "enis"},
                enis=[EniRecord(**e) for e in value["enis"]],
            )
            for key, value in data.get("instances", {}).items()
        }
        return LabState(
            name=data["name"],
            namespaces=[NamespaceRecord(**n) for n in data["namespaces"]],
            instances=instances,
            nat_gateways={k: NatRecord(**v) for k, v in data.get("nat_gateways", {}).items()},
            vpcs={k: VpcRecord(**v) for k, v in data.get("vpcs", {}).items()},
            load_balancer_nodes={k: _node_record(v) for k, v in data.get("load_balancer_nodes", {}).items()},
            balancer_pid=data.get("balancer_pid"),
            internet_namespace=data.get("internet_namespace", ""),
            internet_hosts=list(data.get("internet_hosts", [])),
            internet_ports=list(data.get("internet_ports", [])),
            notes=list(data.get("notes", [])),
            status=data.get("status", "creating"),
            responder_pid=data.get("responder_pid"),
            created_at=float(data.get("created_at", 0.0)),
            network_summary=dict(data.get("network_summary", {})),
            topology=str(data.get("topology", "")),
        )


def _node_record(data: dict[str, Any]) -> LbNodeRecord:
    listeners = [
        LbListenerRecord(
            **{k: v for k, v in item.items() if k != "targets"},
            targets=[LbTargetRecord(**t) for t in item["targets"]],
        )
        for item in data["listeners"]
    ]
    return LbNodeRecord(**{k: v for k, v in data.items() if k != "listeners"}, listeners=listeners)


def state_path(name: str) -> Path:
    return STATE_DIR / f"lab-{check_lab_name(name)}.json"


def write_state(state: LabState) -> Path:
    """Write atomically (a crash never leaves half a record)."""
    path = state_path(state.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_text(state.to_json())
    os.replace(temporary, path)
    return path


def read_state(name: str) -> LabState:
    path = state_path(name)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise LabNotFoundError(
            f"no lab named {name!r} is up (no {path}); start one with `vpcsim lab up`"
        ) from None
    except (OSError, ValueError) as exc:
        raise LabError(
            f"{path}: unreadable lab state ({exc}); `vpcsim lab down --name {name}` cleans up"
        ) from None
    try:
        return LabState.from_dict(data)
    except (KeyError, TypeError) as exc:
        raise LabError(
            f"{path}: malformed lab state ({exc}); `vpcsim lab down --name {name}` cleans up"
        ) from None


def remove_state(name: str) -> None:
    state_path(name).unlink(missing_ok=True)


def list_states() -> list[str]:
    if not STATE_DIR.is_dir():
        return []
    names = []
    for path in sorted(STATE_DIR.glob("lab-*.json")):
        names.append(path.stem.removeprefix("lab-"))
    return names
