"""Load balancers in the lab: each node a namespace of its own, each connection relayed to a target.

Why a module of its own: a load balancer touches several parts of a lab -- its nodes are ENIs in
their subnets, its targets' namespaces and its VPC's router carry the return path of a preserved
client address -- and :mod:`.plan` keeps only small hooks into this planner. Pure, like the plan:
the relaying itself is :mod:`.lbproxy`, a process started with the lab.

How each rule of the reference ("Elastic Load Balancing as an exposure path") is realised:

* a node is a namespace ``vs-<lab>-<eni-id>`` with one interface in its subnet (the subnet's bridge,
  route table and ACL apply to everything it sends and receives), its private address, and -- for an
  internet-facing load balancer -- the public address the internet gateway maps one to one;
* its security groups (an ALB's and a CLB's always, an NLB's when it has some) are stateful
  nftables rules as on an instance; its input takes only its listeners' protocol and port
  (anything else is dropped: ``ELBV2_LISTENER_PORT_RESTRICTION``);
* the client's connection ends at the node; for each one :mod:`.lbproxy` opens a new one to the
  listener's targets -- those in zones enabled on the load balancer, and in the node's own zone when
  cross-zone load balancing is off -- and serves the client with the first target that answers
  (AWS sends only to targets that pass their health checks: one that cannot be reached gets
  nothing). An ALB or CLB, and an NLB without client IP preservation, connect from the node's
  address (source ports 1024-65535, ``REMAP_EPHEMERAL_PORT``); an NLB preserving the client's
  address connects from the client's address and port (a transparent socket);
* a target's reply to a preserved client address must come back to the node, whatever the
  target's routes: the node marks the request with a DSCP of its own (``dscp``), the target's
  namespace marks the connection and sends its replies, marked ``dscp + 1``, to the node (on the
  link when both are in one subnet, else through its router, whose policy routing takes the mark
  to the node's subnet, both ACLs applying); the node takes them in locally. A target rule that
  references the NLB's security group admits the marked requests (it matches even with
  preservation); a target that is the client itself is never chosen (no hairpin).

Not realised: Gateway Load Balancers (the engine does not follow them either), load balancers
not ``active`` (their addresses answer nothing), preserved client addresses towards targets
outside the load balancer's VPC, and listener rules other than the default actions.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import Network, NetworkInterface
from ..model.addressing import managed_interface
from ..model.elb import LoadBalancer, node_description
from .naming import namespace_name
from .nft import address_set, base_chain, chain, comment, nft_table
from .rules import acl_chain_lines, group_members, set_name, sg_chain_lines, sg_rule_lines
from .state import LbListenerRecord, LbNodeRecord, LbTargetRecord

if TYPE_CHECKING:
    from .plan import NamespacePlan, _Planner

TCP, UDP = 6, 17
#: Listener protocol -> the IP protocols it accepts (the engine's ``LISTENER_IP_PROTOCOLS``).
LISTENER_PROTOCOLS: dict[str, tuple[int, ...]] = {
    "HTTP": (TCP,),
    "HTTPS": (TCP,),
    "TCP": (TCP,),
    "TLS": (TCP,),
    "SSL": (TCP,),
    "UDP": (UDP,),
    "QUIC": (UDP,),
    "TCP_UDP": (TCP, UDP),
    "TCP_QUIC": (TCP, UDP),
}
#: The source ports a load balancer's own connections use (``REMAP_EPHEMERAL_PORT``).
NODE_PORT_RANGE = "1024 65535"
#: DSCP values 2k (requests) and 2k+1 (replies) for k = 1..MAX_PRESERVING.
MAX_PRESERVING = 31
#: Route tables: a node's local delivery of replies to preserved addresses; a router's route
#: to a node (+ reply DSCP); a target's route back to a node (+ 64 * ENI position + reply DSCP).
NODE_LOCAL_TABLE = 100
NODE_LOCAL_MARK = 1
ROUTER_NODE_TABLE_BASE = 2000
TARGET_TABLE_BASE = 3000
LB_RULE_PREF = 80
ROUTER_RULE_PREF = 900
_ACTIVE = ("active", "active_impaired")


@dataclass
class _Preserved:
    """A node that preserves client addresses towards one target ENI."""

    node: LbNodeRecord
    node_subnet: str
    load_balancer: LoadBalancer


@dataclass
class BalancerPlanner:
    """The load balancers of a network, planned into a :class:`~vpcsim.lab.plan._Planner`."""

    network: Network
    lab: str
    nodes: list[tuple[LoadBalancer, NetworkInterface]] = field(default_factory=list)
    records: dict[str, LbNodeRecord] = field(default_factory=dict)
    preserved_at: dict[str, list[_Preserved]] = field(default_factory=dict)
    """Target ENI id -> the nodes that send to it keeping the client's address."""
    notes: list[str] = field(default_factory=list)
    router_marks: dict[str, list[str]] = field(default_factory=dict)
    """VPC id -> its router's rules marking preserved replies (by DSCP) for their node."""

    @staticmethod
    def of(network: Network, lab: str) -> BalancerPlanner:
        planner = BalancerPlanner(network, lab)
        planner._collect()
        return planner

    # ------------------------------------------------------------------ what there is

    def _collect(self) -> None:
        n = self.network
        by_description: dict[tuple[str, str], list[NetworkInterface]] = {}
        for eni in n.network_interfaces.values():
            if eni.description.startswith("ELB ") and managed_interface(eni.interface_type, eni.description):
                by_description.setdefault((eni.vpc_id, eni.description), []).append(eni)
        dscp = 0
        for lb in sorted(n.load_balancers.values(), key=lambda b: b.load_balancer_arn):
            nodes = sorted(
                by_description.get((lb.vpc_id, node_description(lb)), []),
                key=lambda e: e.network_interface_id,
            )
            if lb.type == "gateway":
                if nodes:
                    self.notes.append(
                        f"{lb.load_balancer_name}: a Gateway Load Balancer is not realised (its nodes answer nothing)"
                    )
                continue
            if lb.state not in _ACTIVE:
                self.notes.append(f"{lb.load_balancer_name} is {lb.state}: its nodes answer nothing")
                continue
            for eni in nodes:
                subnet = n.subnets.get(eni.subnet_id)
                if subnet is None or not eni.private_ip_address:
                    continue
                listeners = self._listeners(lb, subnet.availability_zone)
                preserves = any(t.preserve_client_ip for li in listeners for t in li.targets)
                if preserves:
                    if dscp >= MAX_PRESERVING:
                        self.notes.append(
                            f"{eni.network_interface_id}: more than {MAX_PRESERVING} load-balancer nodes keep "
                            "client addresses; this one sends from its own address"
                        )
                        for li in listeners:
                            for t in li.targets:
                                t.preserve_client_ip = False
                        preserves = False
                    else:
                        dscp += 1
                record = LbNodeRecord(
                    network_interface_id=eni.network_interface_id,
                    namespace=namespace_name(self.lab, eni.network_interface_id),
                    load_balancer_arn=lb.load_balancer_arn,
                    load_balancer_name=lb.load_balancer_name,
                    type=lb.type,
                    subnet_id=subnet.subnet_id,
                    vpc_id=eni.vpc_id,
                    private_ip=eni.private_ip_address,
                    public_ip=eni.private_ip_addresses[0].public_ip
                    if lb.scheme == "internet-facing"
                    else None,
                    listeners=listeners,
                    dscp=2 * dscp if preserves else 0,
                )
                self.nodes.append((lb, eni))
                self.records[eni.network_interface_id] = record
                if preserves:
                    self._note_preserved(lb, record)

    def _listeners(self, lb: LoadBalancer, zone: str) -> list[LbListenerRecord]:
        n = self.network
        zones = {z.zone_name for z in lb.availability_zones}
        out: list[LbListenerRecord] = []
        for listener in lb.listeners:
            protocols = list(LISTENER_PROTOCOLS.get(listener.protocol.upper(), ()))
            if not protocols:
                continue
            # (target id, address, port, zone, cross-zone, preserve)
            candidates: list[tuple[str, str | None, int, str | None, bool, bool]] = []
            if lb.type == "classic":
                action = "forward"
                port = listener.instance_port if listener.instance_port is not None else listener.port
                for instance_id in lb.instances:
                    address, at = self._instance_address(instance_id)
                    candidates.append((instance_id, address, port, at, lb.cross_zone_enabled, False))
            else:
                arns = listener.target_group_arns
                action = "forward" if arns else ("answer" if listener.default_actions else "none")
                for arn in arns:
                    tg = n.target_groups.get(arn)
                    if tg is None:
                        continue
                    cross = tg.cross_zone if tg.cross_zone is not None else lb.cross_zone_enabled
                    if lb.type == "application" and tg.cross_zone is None:
                        cross = True
                    preserve = (
                        lb.type == "network"
                        and tg.target_type in ("instance", "ip")
                        and tg.preserves_client_ip()
                    )
                    for target in tg.targets:
                        address, at = self._target_address(tg.target_type, target.id, tg.vpc_id)
                        if tg.target_type == "lambda":
                            address, at = None, None
                        elif address is None:
                            continue  # not described: the engine calls the flow unknown
                        t_zone = target.availability_zone or at
                        t_port = target.port if target.port is not None else (tg.port or listener.port)
                        candidates.append((target.id, address, t_port, t_zone, cross, preserve))
            targets: list[LbTargetRecord] = []
            for target_id, address, port, t_zone, cross, preserve in candidates:
                if t_zone is not None and t_zone != "all" and t_zone not in zones:
                    continue  # ELB_INSTALLED_AZ_RESTRICTION
                if not cross and t_zone not in (zone, "all", None):
                    continue  # ELBV2_NO_TARGETS_IN_AZ / ELB_NOT_CROSSZONE
                if address is None and lb.type == "classic":
                    continue
                targets.append(LbTargetRecord(target_id, address, port, preserve and address is not None))
            out.append(LbListenerRecord(listener.port, protocols, action, targets))
        return out

    def _instance_address(self, instance_id: str) -> tuple[str | None, str | None]:
        n = self.network
        instance = n.instances.get(instance_id)
        if instance is None or not instance.network_interface_ids:
            return None, None
        eni = n.network_interfaces.get(instance.network_interface_ids[0])
        if eni is None:
            return None, None
        subnet = n.subnets.get(eni.subnet_id)
        return eni.private_ip_address, subnet.availability_zone if subnet is not None else None

    def _target_address(self, kind: str, target_id: str, vpc_id: str | None) -> tuple[str | None, str | None]:
        n = self.network
        if kind == "instance":
            return self._instance_address(target_id)
        if kind == "ip":
            owners = n.owners_of_private_ip(target_id)
            mine = [e for e in owners if e.vpc_id == vpc_id] or owners
            if mine:
                subnet = n.subnets.get(mine[0].subnet_id)
                return target_id, subnet.availability_zone if subnet is not None else None
            try:
                ipaddress.IPv4Address(target_id)
            except ValueError:
                return None, None
            return target_id, None
        if kind == "alb":
            alb = n.load_balancers.get(target_id)
            if alb is None:
                return None, None
            for eni in sorted(n.network_interfaces.values(), key=lambda e: e.network_interface_id):
                if eni.vpc_id == alb.vpc_id and eni.description == node_description(alb):
                    subnet = n.subnets.get(eni.subnet_id)
                    return eni.private_ip_address, subnet.availability_zone if subnet is not None else None
        return None, None

    def _note_preserved(self, lb: LoadBalancer, record: LbNodeRecord) -> None:
        n = self.network
        for listener in record.listeners:
            for target in listener.targets:
                if not target.preserve_client_ip or target.address is None:
                    continue
                owners = [e for e in n.owners_of_private_ip(target.address) if e.vpc_id == record.vpc_id]
                if not owners:
                    self.notes.append(
                        f"{record.network_interface_id}: target {target.target_id} is outside {record.vpc_id}; "
                        "its replies to preserved client addresses do not come back to the node"
                    )
                    continue
                found = self.preserved_at.setdefault(owners[0].network_interface_id, [])
                if all(p.node is not record for p in found):
                    found.append(_Preserved(record, record.subnet_id, lb))

    # ------------------------------------------------------------------ hooks for the plan

    def target_input_rules(self, eni: NetworkInterface, ifname: str) -> list[str]:
        """Rules of an instance's input chain (before its security groups): a rule of the
        target's groups that references a preserving NLB's group admits that NLB's marked
        requests, although they carry the client's address."""
        lines: list[str] = []
        found = self.preserved_at.get(eni.network_interface_id, [])
        for preserved in found:
            lb_groups = set(preserved.load_balancer.security_groups)
            if not lb_groups:
                continue
            for group_id in eni.groups:
                group = self.network.security_groups.get(group_id)
                for index, rule in enumerate(group.ingress if group is not None else []):
                    if rule.referenced_group_id not in lb_groups:
                        continue
                    label = f"{group_id} ingress[{index}] references {rule.referenced_group_id}"
                    for line in sg_rule_lines(
                        self.network, rule, egress=False, verdict="accept", members=set(), label=label
                    ):
                        peer = f"ip saddr @{set_name(rule.referenced_group_id)}"
                        lines.append(
                            f'iifname "{ifname}" ip dscp {preserved.node.dscp} ' + line.replace(peer, "")
                        )
        if found:
            # SG_REFERENCES_NOT_PRESERVED: the client's address comes through, its groups do not --
            # a marked request meets the target's rules without their group references.
            codes = "{ " + ", ".join(str(p.node.dscp) for p in found) + " }"
            plain = [
                line
                for line in sg_chain_lines(
                    self.network, eni.groups, egress=False, verdict="accept", members=set()
                )
                if "ip saddr @" not in line
            ]
            lines += [f'iifname "{ifname}" ip dscp {codes} {line}' for line in plain]
            lines.append(
                f'iifname "{ifname}" ip dscp {codes} drop ' + comment("group references are not preserved")
            )
        return [" ".join(line.split()) for line in lines]

    def target_extras(self, plan: NamespacePlan, enis: list[tuple[str, NetworkInterface, str]]) -> None:
        """A running instance holding a target of preserving nodes: its replies to those nodes'
        requests go back to the node (``enis``: interface, ENI, subnet gateway)."""
        marks: list[str] = []
        outputs: list[str] = []
        for position, (ifname, eni, gateway) in enumerate(enis):
            for preserved in self.preserved_at.get(eni.network_interface_id, []):
                node = preserved.node
                reply = node.dscp + 1
                table = TARGET_TABLE_BASE + 64 * position + reply
                why = comment(
                    f"replies to {node.load_balancer_name} ({node.network_interface_id}) go back to it"
                )
                marks.append(f'iifname "{ifname}" ip dscp {node.dscp} ct mark set {reply} {why}')
                outputs.append(f"ct mark {reply} meta mark set {reply}")
                via = (
                    f"via {node.private_ip} dev {ifname} onlink"
                    if node.subnet_id == eni.subnet_id
                    else f"via {gateway} dev {ifname}"
                )
                for address in eni.private_ip_addresses:
                    plan.configure.append(
                        f"rule add pref {LB_RULE_PREF} from {address.private_ip_address} fwmark {reply} lookup {table}"
                    )
                plan.configure.append(f"route add default {via} table {table}")
        if marks:
            plan.nft += _table(
                [
                    _base("prerouting", "filter", "prerouting", "mangle", marks),
                    _base("output", "route", "output", "mangle", outputs),
                    _base(
                        "postrouting",
                        "filter",
                        "postrouting",
                        "mangle",
                        [
                            f"meta mark {m} ip dscp set {m}"
                            for m in sorted({o.split()[-1] for o in outputs}, key=int)
                        ],
                    ),
                ]
            )

    def realise(self, planner: _Planner) -> None:
        """The nodes' namespaces, and the routers' routes of preserved replies to them."""
        from .plan import NamespacePlan, sysctls

        n = self.network
        router_marks = self.router_marks
        for lb, eni in self.nodes:
            record = self.records[eni.network_interface_id]
            subnet = n.subnets[eni.subnet_id]
            plan = NamespacePlan(
                name=record.namespace,
                role="load-balancer",
                component=eni.network_interface_id,
                sysctls=[
                    *(
                        item
                        for item in sysctls(forwarding=False)
                        if item[0] != "net.ipv4.ip_local_port_range"
                    ),
                    ("net.ipv4.ip_local_port_range", NODE_PORT_RANGE),
                ],
            )
            planner._attach(subnet, plan.name, "eth0", eni.network_interface_id)
            planner.eni_place[eni.network_interface_id] = (plan.name, "eth0")
            net = ipaddress.IPv4Network(subnet.cidr_block)
            gateway = planner._gateway(subnet)
            plan.configure += [
                "link set lo up",
                f"addr add {record.private_ip}/{net.prefixlen} dev eth0",
                "link set eth0 up",
                f"route add default via {gateway} dev eth0",
            ]
            if record.dscp:
                reply = record.dscp + 1
                plan.configure += [
                    f"rule add pref {LB_RULE_PREF} fwmark {NODE_LOCAL_MARK} lookup {NODE_LOCAL_TABLE}",
                    f"route add local 0.0.0.0/0 dev lo table {NODE_LOCAL_TABLE}",
                ]
                router, bridge, _ = planner._subnet_router(subnet)
                table = ROUTER_NODE_TABLE_BASE + reply
                router.configure += [
                    f"rule add pref {ROUTER_RULE_PREF} fwmark {reply} lookup {table}",
                    f"route add default via {record.private_ip} dev {bridge} onlink table {table}",
                ]
                router_marks.setdefault(eni.vpc_id, []).append(
                    f"ip dscp {reply} meta mark set {reply} "
                    + comment(f"a target's reply to {record.load_balancer_name} keeping the client's address")
                )
            plan.nft = self._node_nft(lb, eni, record)
            planner.plans[plan.name] = plan
            planner.state.load_balancer_nodes[eni.network_interface_id] = record
        planner.notes.extend(self.notes)

    def finish_routers(self, planner: _Planner) -> None:
        """The routers' marks of preserved replies (their rulesets are complete by now)."""
        for vpc_id, marks in sorted(self.router_marks.items()):
            planner.routers[vpc_id].nft += _table(
                [_base("prerouting", "filter", "prerouting", "mangle", marks)]
            )

    def _node_nft(self, lb: LoadBalancer, eni: NetworkInterface, record: LbNodeRecord) -> str:
        filtered = bool(eni.groups) or eni.interface_type == "interface"
        members: set[str] = set()
        if filtered:
            inbound = sg_chain_lines(
                self.network, eni.groups, egress=False, verdict="accept", members=members
            )
            outbound = sg_chain_lines(
                self.network, eni.groups, egress=True, verdict="accept", members=members
            )
        else:
            inbound, outbound = ["accept"], ["accept"]
        ports: dict[int, set[int]] = {}
        for listener in record.listeners:
            for proto in listener.protocols:
                ports.setdefault(proto, set()).add(listener.port)
        why = comment(f"{lb.load_balancer_name}: its listeners only")
        listen = [
            f"{'tcp' if proto == TCP else 'udp'} dport {{ {', '.join(str(p) for p in sorted(found))} }} jump sg_in {why}"
            for proto, found in sorted(ports.items())
        ]
        prerouting = []
        if record.dscp:
            prerouting.append(
                f"ip dscp {record.dscp + 1} meta mark set {NODE_LOCAL_MARK} "
                + comment("a target's reply to a client address this node keeps")
            )
        classic: list[str] = []
        extra: list[str] = []
        acl = self.network.network_acl_of_subnet(eni.subnet_id)
        subnet = self.network.subnets[eni.subnet_id]
        if lb.type == "classic" and acl is not None:
            # ELB_ACL_RESTRICTION: a Classic Load Balancer's subnet ACL judges what it sends even
            # to a target in its own subnet (which the subnet's bridge would not filter).
            why = comment(f"{lb.load_balancer_name}: its subnet's ACL, even within the subnet")
            classic.append(f"ip daddr {ipaddress.IPv4Network(subnet.cidr_block)} jump clb_acl_out {why}")
            extra.append(
                chain("clb_acl_out", acl_chain_lines(acl.entries, egress=True, acl_id=acl.network_acl_id))
            )
        sets = [address_set(set_name(g), group_members(self.network, g)) for g in sorted(members)]
        return _table(
            [
                *sets,
                _base("prerouting", "filter", "prerouting", "mangle", prerouting),
                _base(
                    "input",
                    "filter",
                    "input",
                    "filter",
                    ['iif "lo" accept', "ct state established,related accept", *listen],
                    policy="drop",
                ),
                _base(
                    "output",
                    "filter",
                    "output",
                    "filter",
                    ['oif "lo" accept', "ct state established,related accept", *classic, "jump sg_out"],
                    policy="drop",
                ),
                chain("sg_in", inbound),
                chain("sg_out", outbound),
                *extra,
            ],
            name="vpcsim",
        )


def _base(name: str, kind: str, hook: str, priority: str, rules: list[str], *, policy: str = "accept") -> str:
    return base_chain(name, kind, hook, priority, policy, rules)


def _table(parts: list[str], *, name: str = "vpcsim_lb") -> str:
    return nft_table(parts, name=name)


__all__ = ["LISTENER_PROTOCOLS", "BalancerPlanner"]
