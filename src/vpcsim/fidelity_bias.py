"""Networks and flows biased toward paths that almost work, for the differential run.

Why: random networks mostly block. Over plain generated networks only one probe in seven got
an answer, so the kernel rarely had the chance to disagree about what *passes*, and a rule the
flow misses by one port or one prefix was rare. This module reshapes a generated network
around the flows that will be probed:

1. **Open** -- a flow between two endpoints that can talk (instance to instance, instance to the
   internet, the internet to a public address) is traced and every blocker is removed by the
   smallest change that removes it: a security-group rule for the flow, a network-ACL allow
   rule numbered just below the rule that denied it, a route to the peering connection, the
   internet gateway or the NAT gateway, an Elastic IP. The engine only says *where* the flow
   stops; what passes is still decided by the kernel. Fix rules are drawn to sit on the flow's
   edges: a port range that ends or starts at its port, a /32 or a prefix just holding it.
2. **Nudge** -- for a share of the opened flows, one component the path relies on (a rule that
   allowed it, a route that carried it) is changed by one: the rule misses the port by one, the
   prefix moves next door, a deny rule is numbered just before the allow rule, the route goes.
   Some nudges miss the flow on purpose (a deny rule for the next port, a route for the
   neighbouring prefix): the flow must still pass.
3. **Flows** -- the path flows in order, a few variants one port away, and the generator's own
   random flows over the final network (for the shapes a path never takes: addresses nobody
   holds, the internet to a private address, stopped instances).

Everything is drawn from one ``random.Random`` per seed: the same seed gives the same network
and flows. The generator itself is not changed (its networks serve other tests); only its public
functions are called.
"""

from __future__ import annotations

import ipaddress
import random
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from .engine import Flow, Trace, trace
from .engine.compiled import is_internet_routable
from .engine.elb_compiled import LISTENER_IP_PROTOCOLS
from .engine.flow import LINUX_CLIENT_PORTS
from .engine.result import Step
from .model import (
    ModelError,
    Network,
    NetworkInterface,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    protocol_name,
)
from .model.elb import LoadBalancer, node_description
from .testing import PRESETS, GeneratorConfig, generate_flows, generate_network

TCP, UDP, ICMP, SCTP = 6, 17, 1, 132
#: Share of the flows drawn along paths that are opened (the rest are the generator's own).
PATH_SHARE = 0.72
#: Share of the path flows followed by a variant one destination port away.
VARIANT_SHARE = 0.08
#: Share of the opened paths nudged by one component afterwards.
NUDGE_SHARE = 0.4
#: Share of the nudges that miss the flow on purpose (the flow must still pass).
MISS_SHARE = 0.3
#: Blockers removed per flow at most before the flow is left as it is.
MAX_ROUNDS = 12
#: Elastic IPs made here start at this address (disjoint from the generator's pool and hosts).
PUBLIC_POOL_START = "3.0.128.10"
#: Share of the path flows that go to a load balancer's listener (networks with load balancers).
BALANCER_SHARE = 0.4
#: Outside hosts that call internet-facing load balancers.
_OUTSIDE_HOSTS = ("198.51.100.1", "8.8.8.8", "1.1.1.1", "203.0.113.200")
#: ICMP messages that make a path: requests (errors belong to no connection and never open).
_ICMP_REQUESTS = frozenset({8, 13})

_ROUTE_CODES = frozenset(
    {
        "NO_ROUTE_TO_DESTINATION",
        "BAD_STATE_ROUTE",
        "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
        "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS",
        "NGW_REQUIRES_SOURCE_IN_VPC",
        "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
        "VPCSIM_ROUTING_LOOP",
    }
)
_SG_CODES = frozenset({"ENI_SG_RULES_MISMATCH", "SG_HAS_NO_RULES", "SG_REFERENCES_NOT_PRESERVED"})
_TGW_CODES = frozenset(
    {
        "TGW_ROUTE_AZ_RESTRICTION",
        "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
        "TGW_RTB_CANNOT_ROUTE",
        "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT",
        "TGW_RTB_BAD_STATE_ROUTE",
        "TGW_RTB_MORE_SPECIFIC_ROUTE",
        "TGW_RTB_HIGHER_PRIORITY_ROUTE",
    }
)
#: Share of the routes to another VPC's block made to a transit gateway joining the two (the
#: rest to a peering connection), where there is one.
TRANSIT_ROUTE_SHARE = 0.8
#: Share of the path flows drawn between two VPCs attached to transit gateways, where there are
#: such flows.
TRANSIT_PATH_SHARE = 0.4
_ZONE_RULE = re.compile(r"(subnet-[0-9a-f]+) is in (\S+), where")
_OF_GATEWAY = re.compile(r"route table of (tgw-[0-9a-f]+)")


@dataclass
class BiasStats:
    """What the biasing did to one network (reported by ``python -m vpcsim.fidelity``)."""

    path_flows: int = 0
    opened: int = 0
    already_open: int = 0
    not_opened: int = 0
    changes: int = 0
    nudged: int = 0
    nudges_missing: int = 0
    nudges_closing: int = 0
    """Nudged paths that stay closed in the end (a nudge may be undone by another path's rule)."""
    reopened: int = 0
    """Paths a nudge of another path had closed, opened again."""
    variants: int = 0
    random_flows: int = 0

    def add(self, other: BiasStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class BiasedCase:
    network: Network
    flows: list[Flow]
    stats: BiasStats = field(default_factory=BiasStats)


def biased_case(seed: int, flows: int, config: GeneratorConfig | None = None) -> BiasedCase:
    """Network ``seed`` of ``config`` (the ``small`` preset by default), reshaped so that most
    of its ``flows`` flows almost work, and the flows."""
    network = generate_network(seed, config or PRESETS["small"])
    return _Biaser(network, random.Random(f"vpcsim-fidelity-{seed}")).run(seed, flows)


# ---------------------------------------------------------------------------- helpers


def _ip(address: str) -> int:
    return int(ipaddress.IPv4Address(address))


def _net(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


def _contains(cidr: str, address: str) -> bool:
    return ipaddress.IPv4Address(address) in _net(cidr)


def _prefix_of(address: str, length: int) -> str:
    return str(ipaddress.IPv4Network(f"{address}/{length}", strict=False))


def _neighbour_prefix(address: str, length: int) -> str:
    """The /``length`` block next to the one holding ``address`` (same size, just missing it)."""
    block = _net(_prefix_of(address, length))
    size = block.num_addresses
    start = int(block.network_address)
    other = start + size if start + size <= 0xFFFFFFFF else start - size
    return f"{ipaddress.IPv4Address(other)}/{length}"


def clamp_port(port: int) -> int:
    return min(max(port, 0), 65535)


# ---------------------------------------------------------------------------- the biaser


class FamilyFixes:
    """What the IPv4 biaser (:class:`_Biaser`) and the IPv6 one (:mod:`vpcsim.fidelity6`) do
    alike: the smallest fix of a blocking security group or network ACL, an internet gateway
    for a VPC with none. The family's part is in its class attributes and :meth:`_acl_icmp`;
    ``rng`` is drawn in the same order for either."""

    #: The ACL entry's block around the remote address: the host, one of these prefixes, all.
    ACL_HOST = 32
    ACL_PREFIXES: tuple[int, ...] = (30, 28, 24, 16)
    ACL_ANY = "0.0.0.0/0"

    def __init__(self, network: Network, rng: random.Random) -> None:
        self.net = network
        self.rng = rng

    def _running(self, eni_id: str) -> bool:
        eni = self.net.network_interfaces.get(eni_id)
        if eni is None or eni.interface_type != "interface":
            return False
        instance = self.net.instance_of_eni(eni_id)
        return instance is not None and instance.state == "running"

    def _blocking_group(self, step: Step) -> SecurityGroup | None:
        """The group a security group step names (an ENI's: its first group)."""
        component = step.component
        if component.startswith("eni-"):
            eni = self.net.network_interfaces.get(component)
            if eni is None or not eni.groups:
                return None
            component = eni.groups[0]
        return self.net.security_groups.get(component)

    def _rule_port_range(self, rule: SecurityGroupRule, flow: Flow) -> None:
        """A TCP or UDP rule's ports: the flow's port, a range ending or starting there, or all."""
        rng = self.rng
        port = flow.destination_port or 0
        roll = rng.random()
        if roll < 0.5:
            rule.from_port = rule.to_port = port
        elif roll < 0.7:
            rule.from_port, rule.to_port = clamp_port(port - rng.randint(1, 200)), port
        elif roll < 0.9:
            rule.from_port, rule.to_port = port, clamp_port(port + rng.randint(1, 200))
        else:
            rule.from_port, rule.to_port = 0, 65535

    def _attach_internet_gateway(self, vpc_id: str) -> bool:
        """A new internet gateway for a VPC without one (False: it has one)."""
        if self.net.internet_gateway_of_vpc(vpc_id) is not None:
            return False
        self.net.attach_internet_gateway(self.net.create_internet_gateway(), vpc_id)
        return True

    # ------------------------------------------------------------------ network ACLs

    def _fix_acl(
        self,
        flow: Flow,
        acl_id: str,
        egress: bool,
        forward: bool,
        denying_rule: str,
        ports: tuple[tuple[int, int], ...] | None,
    ) -> bool:
        acl = self.net.network_acls.get(acl_id)
        if acl is None:
            return False
        below = int(denying_rule) if denying_rule.isdigit() else 32767
        number = self._free_number(acl_id, egress, below)
        if number is None:
            return False
        remote = flow.destination if forward == egress else flow.source
        rng = self.rng
        roll = rng.random()
        cidr = (
            f"{remote}/{self.ACL_HOST}"
            if roll < 0.4
            else str(ipaddress.ip_network(f"{remote}/{rng.choice(self.ACL_PREFIXES)}", strict=False))
            if roll < 0.75
            else self.ACL_ANY
        )
        port_range: tuple[int, int] | None = None
        if flow.protocol in (TCP, UDP):
            if forward:
                port = flow.destination_port or 0
                roll = rng.random()
                port_range = (
                    (port, port)
                    if roll < 0.5
                    else (clamp_port(port - rng.randint(1, 100)), port)
                    if roll < 0.75
                    else (port, clamp_port(port + rng.randint(1, 100)))
                )
            else:
                needed = list(ports or flow.source_ports)
                lo, hi = min(r[0] for r in needed), max(r[1] for r in needed)
                if lo >= 1024 and rng.random() < 0.5:
                    lo, hi = 1024, 65535
                port_range = (lo, hi)
        self._add_acl_entry(
            acl_id, number, egress, "allow", flow, cidr, port_range, self._acl_icmp(flow, forward)
        )
        return True

    def _add_acl_entry(
        self,
        acl_id: str,
        number: int,
        egress: bool,
        action: Literal["allow", "deny"],
        flow: Flow,
        cidr: str,
        ports: tuple[int, int] | None,
        icmp: tuple[int, int] | None,
    ) -> None:
        """An entry of ``flow``'s protocol, the ACL's entries kept in order."""
        self.net.create_network_acl_entry(
            acl_id,
            number,
            egress=egress,
            rule_action=action,
            protocol=flow.protocol,
            cidr_block=cidr,
            port_range=ports,
            icmp_type_code=icmp,
        )
        self.net.network_acls[acl_id].entries.sort(key=lambda e: (e.egress, e.rule_number))

    def _acl_icmp(self, flow: Flow, forward: bool) -> tuple[int, int] | None:
        """An ACL entry's ICMP type and code for ``flow`` (None: not the family's ICMP)."""
        if flow.protocol != ICMP:
            return None
        if forward and self.rng.random() < 0.6:
            return (flow.icmp_type if flow.icmp_type is not None else -1, -1)
        return (-1, -1)

    def _free_number(self, acl_id: str, egress: bool, below: int) -> int | None:
        """A free rule number just below ``below`` (right before the rule it must beat)."""
        taken = {e.rule_number for e in self.net.network_acls[acl_id].entries if e.egress == egress}
        start = below - 1 - self.rng.choice((0, 0, 1, 5))
        for number in range(min(start, 32766), 0, -1):
            if number not in taken:
                return number
        return None


class _Biaser(FamilyFixes):
    def __init__(self, network: Network, rng: random.Random) -> None:
        super().__init__(network, rng)
        self.stats = BiasStats()
        self._next_public = _ip(PUBLIC_POOL_START)
        self._nudge_blackholes: set[int] = set()
        """Blackhole routes nudges made (ids): a /32 one is never taken away to reopen a path."""

    # ------------------------------------------------------------------ orchestration

    def run(self, seed: int, count: int) -> BiasedCase:
        rng = self.rng
        wanted = round(count * PATH_SHARE)
        candidates = [f for f in generate_flows(self.net, seed * 7919 + 17, count * 6) if self._pathlike(f)]
        candidates = self._transit_first(candidates)
        if self.net.load_balancers:
            candidates = self._with_balancer_flows(candidates)
        paths: list[Flow] = []
        opened: list[Flow] = []
        for flow in candidates:
            if len(paths) >= wanted:
                break
            paths.append(flow)
            state = self._open(flow)
            if state != "blocked":
                opened.append(flow)
        nudged = {id(f) for f in opened if rng.random() < NUDGE_SHARE}
        closing: list[Flow] = []
        for flow in opened:
            if id(flow) in nudged:
                miss = rng.random() < MISS_SHARE
                if self._nudge(flow, miss=miss) and not miss:
                    closing.append(flow)
        # A nudge may close other paths that share its component: they are opened again
        # (which may open a nudged one again, by another rule: it then stays open).
        for flow in opened:
            if id(flow) not in nudged:
                self._open(flow, again=True)
        self.stats.nudges_closing = sum(
            trace(self.net, f, record=False).verdict != "reachable" for f in closing
        )
        self.net.touch()
        result: list[Flow] = []
        opened_set = {id(f) for f in opened}
        for flow in paths:
            result.append(flow)
            if id(flow) in opened_set and len(result) < count and rng.random() < VARIANT_SHARE:
                variant = self._variant(flow)
                if variant is not None:
                    result.append(variant)
                    self.stats.variants += 1
        result = result[:count]
        rest = count - len(result)
        if rest > 0:
            result.extend(self._random_flows(seed, rest))
            self.stats.random_flows = rest
        self.stats.path_flows = len(paths)
        return BiasedCase(self.net, result, self.stats)

    def _transit_first(self, candidates: list[Flow]) -> list[Flow]:
        """With transit gateways, about :data:`TRANSIT_PATH_SHARE` of the path flows join two
        VPCs attached to them (most flows of a generated network stay in a VPC or go to the
        internet); the order within each kind is kept. Without, the candidates as they are."""
        attached = {
            a.resource_id
            for a in self.net.transit_gateway_attachments.values()
            if a.resource_type == "vpc" and a.state == "available"
        }
        if len(attached) < 2:
            return candidates
        across: list[Flow] = []
        rest: list[Flow] = []
        for flow in candidates:
            eni = self.net.network_interfaces.get(flow.source_eni or "")
            owners = self.net.owners_of_private_ip(flow.destination)
            joined = (
                eni is not None
                and len(owners) == 1
                and owners[0].vpc_id != eni.vpc_id
                and {eni.vpc_id, owners[0].vpc_id} <= attached
            )
            (across if joined else rest).append(flow)
        ordered: list[Flow] = []
        while across or rest:
            take = across if across and (not rest or self.rng.random() < TRANSIT_PATH_SHARE) else rest
            ordered.append(take.pop(0))
        return ordered

    def _with_balancer_flows(self, candidates: list[Flow]) -> list[Flow]:
        """A share (:data:`BALANCER_SHARE`) of the path flows goes to load balancers' listeners:
        from running instances to a node's private address, from the internet to an
        internet-facing node's public one; now and then to a port no listener has."""
        nodes = self._balancer_nodes()
        if not nodes:
            return candidates
        mixed: list[Flow] = []
        for flow in candidates:
            if self.rng.random() < BALANCER_SHARE:
                drawn = self._balancer_flow(nodes)
                if drawn is not None:
                    mixed.append(drawn)
                    continue
            mixed.append(flow)
        return mixed

    def _balancer_nodes(self) -> list[tuple[LoadBalancer, NetworkInterface]]:
        by_key = {(lb.vpc_id, node_description(lb)): lb for lb in self.net.load_balancers.values()}
        nodes = []
        for eni in sorted(self.net.network_interfaces.values(), key=lambda e: e.network_interface_id):
            lb = by_key.get((eni.vpc_id, eni.description))
            if lb is not None and lb.listeners and lb.type != "gateway":
                nodes.append((lb, eni))
        return nodes

    def _balancer_flow(self, nodes: list[tuple[LoadBalancer, NetworkInterface]]) -> Flow | None:
        rng = self.rng
        lb, node = rng.choice(nodes)
        listener = rng.choice(lb.listeners)
        protocols = sorted(LISTENER_IP_PROTOCOLS.get(listener.protocol.upper(), frozenset({TCP})))
        protocol = rng.choice(protocols)
        port = listener.port if rng.random() > 0.1 else clamp_port(listener.port + rng.choice((-1, 1)))
        pinned = rng.random() < 0.3
        ports = ((p, p),) if pinned and (p := rng.randint(1024, 65000)) else (LINUX_CLIENT_PORTS,)
        public = node.private_ip_addresses[0].public_ip if lb.scheme == "internet-facing" else None
        senders = [
            e
            for e in self.net.network_interfaces.values()
            if self._running(e.network_interface_id) and e.private_ip_address
        ]
        near = [e for e in senders if e.vpc_id == node.vpc_id]
        if public is not None and (not senders or rng.random() < 0.4):
            return Flow(protocol, rng.choice(_OUTSIDE_HOSTS), public, port, ports)
        pool = near if near and rng.random() < 0.8 else senders
        if not pool:
            return None
        sender = rng.choice(sorted(pool, key=lambda e: e.network_interface_id))
        destination = public if public is not None and rng.random() < 0.15 else node.private_ip_address
        return Flow(
            protocol,
            sender.private_ip_address,
            destination,
            port,
            ports,
            source_eni=sender.network_interface_id,
        )

    def _random_flows(self, seed: int, count: int) -> list[Flow]:
        """The generator's flows over the final network. Its outside hosts come from the rules'
        prefixes, and rules made here name the network's own public addresses: a flow "from the
        internet" at such an address is no flow of the internet, and is left out."""
        drawn = count
        while True:
            drawn *= 2
            kept = [
                f
                for f in generate_flows(self.net, seed, drawn)
                if f.source_eni is not None or not self._owned(f.source)
            ]
            if len(kept) >= count or drawn > 64 * count:
                return kept[:count]

    def _owned(self, address: str) -> bool:
        return bool(self.net.owner_of_public_ip(address) or self.net.owners_of_private_ip(address))

    def _pathlike(self, flow: Flow) -> bool:
        """Whether ``flow`` joins two endpoints that could talk once the network lets them."""
        if flow.protocol == SCTP or flow.source == flow.destination:
            return False
        if flow.protocol == ICMP and flow.icmp_type not in _ICMP_REQUESTS:
            return False
        if flow.source_eni is None:
            owner = self.net.owner_of_public_ip(flow.destination)
            return owner is not None and self._running(owner.network_interface_id)
        if not self._running(flow.source_eni):
            return False
        if is_internet_routable(_ip(flow.destination)):
            return self.net.owner_of_public_ip(flow.destination) is None or self._public_running(
                flow.destination
            )
        owners = self.net.owners_of_private_ip(flow.destination)
        return len(owners) == 1 and self._running(owners[0].network_interface_id)

    def _public_running(self, address: str) -> bool:
        owner = self.net.owner_of_public_ip(address)
        return owner is not None and self._running(owner.network_interface_id)

    # ------------------------------------------------------------------ opening

    def _open(self, flow: Flow, *, again: bool = False) -> Literal["open", "opened", "blocked"]:
        """Remove ``flow``'s blockers one by one (``again``: a second pass, not counted as a
        path of its own)."""
        for round_ in range(MAX_ROUNDS):
            result = trace(self.net, flow, record=round_ > 0 or not again)
            if result.verdict == "reachable":
                if again:
                    self.stats.reopened += round_ > 0
                elif round_ == 0:
                    self.stats.already_open += 1
                else:
                    self.stats.opened += 1
                return "open" if round_ == 0 else "opened"
            if not result.forward and not result.return_:
                result = trace(self.net, flow, record=True)
            if not self._fix_first(flow, result):
                break
            self.stats.changes += 1
        if not again:
            self.stats.not_opened += 1
        return "blocked"

    def _fix_first(self, flow: Flow, result: Trace) -> bool:
        """Remove the first blocker (the one the packet meets first); False when it cannot be.
        Past a load balancer the packet is the leg's (the node's new connection to a target):
        a blocker there is removed for the leg."""
        legs = dict(along_legs(flow, result))
        for path, hops in (("forward", result.forward), ("return", result.return_)):
            last_table: str | None = None
            translating_table: str | None = None
            denied: dict[tuple[str, str | None], str] = {}
            for hop in hops:
                for step in hop.steps:
                    if step.kind == "blocked":
                        flow_here = legs.get(id(step), flow)
                    if step.kind == "route" and step.component.startswith("rtb-"):
                        last_table = step.component
                        if "-> nat-" in (step.rule or "") or "-> eni-" in (step.rule or ""):
                            translating_table = step.component
                    if step.kind == "network-acl" and step.action == "deny" and step.rule is not None:
                        denied[(step.component, step.direction)] = step.rule
                    if step.kind == "blocked":
                        code = step.detail.split(":", 1)[0]
                        if code == "VPCSIM_ASYMMETRIC_REPLY":
                            last_table = translating_table
                        return self._fix(flow_here, code, step, path, last_table, denied, result)
        return False

    def _fix(
        self,
        flow: Flow,
        code: str,
        step: Step,
        path: str,
        table: str | None,
        denied: dict[tuple[str, str | None], str],
        result: Trace,
    ) -> bool:
        forward = path == "forward"
        if code in _SG_CODES:
            return self._fix_group(flow, step, forward, cidr_only=code == "SG_REFERENCES_NOT_PRESERVED")
        if code in _TGW_CODES:
            return self._fix_transit(flow, code, step, forward)
        if code == "SG_REFERENCING_SUPPORT":
            return self._referencing_support(step.component)
        if code == "SUBNET_ACL_RESTRICTION":
            rule = denied.get((step.component, step.direction), "*")
            ports = next(
                (b.ports for b in result.blockers if b.component == step.component and b.path == path), None
            )
            return self._fix_acl(flow, step.component, step.direction == "outbound", forward, rule, ports)
        if step.component.startswith("rtb-"):
            table = step.component
        if code in _ROUTE_CODES or code == "DISCONNECTED_VPCS":
            if table is None:
                return False
            return self._fix_route(flow, table, flow.destination if forward else flow.source, forward)
        if code == "VPCSIM_ASYMMETRIC_REPLY" and table is not None and not forward:
            if not is_internet_routable(_ip(flow.source)):
                return self._fix_route(flow, table, flow.source, forward)
            return self._route_client_to_igw(flow, table)
        if code == "NO_PATH" and step.component.startswith("vpc-"):
            return self._attach_internet_gateway(step.component)
        if code == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" and flow.source_eni is not None:
            return self._elastic_ip(flow.source_eni, flow.source)
        return False

    # ------------------------------------------------------------------ security groups

    def _fix_group(self, flow: Flow, step: Step, forward: bool, *, cidr_only: bool) -> bool:
        group = self._blocking_group(step)
        if group is None:
            return False
        inbound = step.direction == "inbound"
        rule = SecurityGroupRule(ip_protocol=protocol_name(flow.protocol))
        remote: str | None
        if forward:
            remote = flow.source if inbound else flow.destination
            self._rule_ports(rule, flow)
        else:
            # A reply through a middlebox the request never passed: new traffic there, from
            # the server's private address to the client's ports.
            server = self._private_of(flow.destination)
            remote = server if inbound else flow.source
            if remote is None:
                return False
            if flow.protocol in (TCP, UDP):
                lo, hi = flow.source_ports[0][0], flow.source_ports[-1][1]
                rule.from_port, rule.to_port = (
                    (1024, 65535) if self.rng.random() < 0.5 and lo >= 1024 else (lo, hi)
                )
            elif flow.protocol == ICMP:
                rule.from_port = rule.to_port = -1
        self._rule_peer(rule, remote, group.vpc_id, cidr_only=cidr_only, inbound=inbound)
        rule.security_group_rule_id = self.net.new_id("sgr")
        (group.ingress if inbound else group.egress).append(rule)
        self.net.touch()
        return True

    def _rule_ports(self, rule: SecurityGroupRule, flow: Flow) -> None:
        rng = self.rng
        if flow.protocol in (TCP, UDP):
            self._rule_port_range(rule, flow)
        elif flow.protocol == ICMP:
            roll = rng.random()
            rule.from_port = flow.icmp_type if roll < 0.8 else -1
            rule.to_port = flow.icmp_code if roll < 0.4 else -1

    def _rule_peer(
        self, rule: SecurityGroupRule, remote: str, vpc_id: str, *, cidr_only: bool, inbound: bool
    ) -> None:
        """Name ``remote`` in ``rule``: by a group it belongs to (its own VPC, a peered one, or --
        inbound -- one a transit gateway joins, where the reference needs the gateway's
        SecurityGroupReferencingSupport: ``SG_REFERENCING_SUPPORT`` until it is enabled), else
        a CIDR holding it."""
        rng = self.rng
        roll = rng.random()
        owner = self.net.owner_in_vpc(vpc_id, remote) or next(
            (
                o
                for o in self.net.owners_of_private_ip(remote)
                if self._peered(vpc_id, o.vpc_id)
                or (inbound and self.net.transit_reference_gaps(vpc_id, o.vpc_id))
            ),
            None,
        )
        if not cidr_only and owner is not None and roll < 0.15:
            eni = self.net.network_interfaces.get(owner.network_interface_id)
            if eni is not None and eni.groups:
                rule.referenced_group_id = rng.choice(eni.groups)
                return
        if roll < 0.5:
            rule.cidr_ipv4 = f"{remote}/32"
        elif roll < 0.8:
            rule.cidr_ipv4 = _prefix_of(remote, rng.choice((31, 30, 28, 26, 24, 20)))
        else:
            rule.cidr_ipv4 = "0.0.0.0/0"

    def _peered(self, a: str, b: str) -> bool:
        return any(
            p.status == "active" and {p.requester.vpc_id, p.accepter.vpc_id} == {a, b}
            for p in self.net.vpc_peering_connections.values()
        )

    # ------------------------------------------------------------------ routes

    def _fix_route(self, flow: Flow, table_id: str, address: str, forward: bool) -> bool:
        table = self.net.route_tables.get(table_id)
        if table is None:
            return False
        target, block = self._route_target(flow, table, address, forward)
        if target is None or block is None:
            return False
        best = self._longest_match(table, address)
        if best is not None and best.target == "local":
            return False
        if best is not None and best.length < _net(block).prefixlen:
            best = None  # a wider route carries other traffic: a more specific one beats it
        destination = best.destination if best is not None else block
        if best is not None:
            if best.target == target and best.state == "active":
                return False
            self.net.delete_route(table, best.destination)
        self.net.create_route(table, destination, target)
        return True

    def _route_target(
        self, flow: Flow, table: RouteTable, address: str, forward: bool
    ) -> tuple[str | None, str | None]:
        vpc_id = table.vpc_id
        if not is_internet_routable(_ip(address)):
            for other in self.net.vpcs.values():
                if other.vpc_id == vpc_id:
                    continue
                block = next((b for b in other.cidr_blocks if _contains(b, address)), None)
                if block is None:
                    continue
                tgw_id = self._transit_between(vpc_id, other.vpc_id)
                if tgw_id is not None and self.rng.random() < TRANSIT_ROUTE_SHARE:
                    return tgw_id, block
                pcx_id = self._peering(vpc_id, other.vpc_id)
                return (pcx_id, block) if pcx_id is not None else (None, None)
            return None, None
        # To the internet: through a NAT gateway when the local end has no public address and
        # the table is not the NAT gateway's own; else through the internet gateway.
        local = flow.source if forward else flow.destination
        local_eni = flow.source_eni if forward else self._owner_eni(flow.destination)
        has_public = local_eni is not None and self._has_public(local_eni, local)
        subnets = {s for s, t in self._table_of_subnets(vpc_id).items() if t == table.route_table_id}
        if not has_public:
            for nat in self.net.nat_gateways.values():
                if nat.vpc_id == vpc_id and nat.state == "available" and nat.subnet_id not in subnets:
                    return nat.nat_gateway_id, "0.0.0.0/0"
        igw = self.net.internet_gateway_of_vpc(vpc_id)
        if igw is None:
            igw = self.net.create_internet_gateway()
            self.net.attach_internet_gateway(igw, vpc_id)
        return igw.internet_gateway_id, "0.0.0.0/0"

    def _peering(self, a: str, b: str) -> str | None:
        """The active peering connection of VPCs ``a`` and ``b``: a pending one is accepted (its
        routes come alive), and one is made when there is none and their blocks do not overlap."""
        for pcx in self.net.vpc_peering_connections.values():
            if {pcx.requester.vpc_id, pcx.accepter.vpc_id} != {a, b}:
                continue
            if pcx.status == "pending-acceptance":
                self.net.accept_vpc_peering_connection(pcx)
                for table in self.net.route_tables.values():
                    for route in table.routes:
                        if route.vpc_peering_connection_id == pcx.vpc_peering_connection_id:
                            route.state = "active"
                self.net.touch()
            if pcx.status == "active":
                return pcx.vpc_peering_connection_id
        blocks = [_net(c) for c in self.net.vpcs[a].cidr_blocks]
        if any(_net(c).overlaps(x) for c in self.net.vpcs[b].cidr_blocks for x in blocks):
            return None
        pcx = self.net.create_vpc_peering_connection(a, b, accept=True)
        return pcx.vpc_peering_connection_id

    # ------------------------------------------------------------------ transit gateways

    def _attachment_subnets(self) -> set[str]:
        return {
            s
            for a in self.net.transit_gateway_attachments.values()
            if a.resource_type == "vpc"
            for s in a.subnet_ids
        }

    def _vpc_attachments(self, vpc_id: str) -> list[TransitGatewayAttachment]:
        return [
            a
            for a in self.net.transit_gateway_attachments.values()
            if a.resource_type == "vpc" and a.resource_id == vpc_id and a.state == "available"
        ]

    def _transit_between(self, a: str, b: str) -> str | None:
        """A transit gateway ``a`` is attached to from which ``b`` can be reached: ``b`` attached
        to it too, or to a gateway peered with it."""
        peered: dict[str, set[str]] = {}
        for attachment in self.net.transit_gateway_attachments.values():
            if attachment.resource_type == "peering" and attachment.state == "available":
                first, *rest = attachment.transit_gateway_ids()
                for other in rest:
                    peered.setdefault(first, set()).add(other)
                    peered.setdefault(other, set()).add(first)
        reached = {x.transit_gateway_id for x in self._vpc_attachments(b)}
        for attachment in sorted(self._vpc_attachments(a), key=lambda x: x.transit_gateway_attachment_id):
            tgw = attachment.transit_gateway_id
            if tgw in reached or peered.get(tgw, set()) & reached:
                return tgw
        return None

    def _tgw_table(self, tgw_id: str) -> TransitGatewayRouteTable | None:
        tables = sorted(
            (t for t in self.net.transit_gateway_route_tables.values() if t.transit_gateway_id == tgw_id),
            key=lambda t: (not t.default_association_route_table, t.transit_gateway_route_table_id),
        )
        return tables[0] if tables else None

    def _referencing_support(self, component: str) -> bool:
        """A group reference across a transit gateway: enable SecurityGroupReferencingSupport on
        the gateway or VPC attachment the blocker names."""
        net = self.net
        if component in net.transit_gateways:
            net.modify_transit_gateway(component, security_group_referencing_support=True)
            return True
        attachment = net.transit_gateway_attachments.get(component)
        if attachment is None or attachment.resource_type != "vpc":
            return False
        net.modify_transit_gateway_vpc_attachment(component, security_group_referencing_support=True)
        return True

    def _fix_transit(self, flow: Flow, code: str, step: Step, forward: bool) -> bool:
        """The smallest change past a transit gateway blocker: a subnet of the sender's zone for
        the attachment, an association, a propagation or static route, a blackhole route gone."""
        net = self.net
        if code == "TGW_ROUTE_AZ_RESTRICTION":
            attachment = net.transit_gateway_attachments.get(step.component)
            match = _ZONE_RULE.search(step.detail)
            if attachment is None or match is None:
                return False
            zone = match.group(2)
            candidates = [
                s
                for s in net.subnets.values()
                if s.vpc_id == attachment.resource_id and s.availability_zone == zone
            ]
            if not candidates:
                return False
            subnet = self.rng.choice(sorted(candidates, key=lambda s: s.subnet_id))
            try:
                net.create_network_interface(
                    subnet,
                    groups=[],
                    interface_type="transit_gateway",
                    description="Network Interface for Transit Gateway Attachment "
                    + attachment.transit_gateway_attachment_id,
                    source_dest_check=False,
                )
            except ModelError:  # a full subnet
                return False
            attachment.subnet_ids.append(subnet.subnet_id)
            net.touch()
            return True
        if code == "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION":
            attachment = net.transit_gateway_attachments.get(step.component)
            match = _OF_GATEWAY.search(step.detail)
            table = self._tgw_table(match.group(1)) if match is not None else None
            if attachment is None or table is None:
                return False
            net.associate_transit_gateway_route_table(table, attachment)
            return True
        table = net.transit_gateway_route_tables.get(step.component)
        if table is None:
            return False
        address = flow.destination if forward else flow.source
        if code in (
            "TGW_RTB_BAD_STATE_ROUTE",
            "TGW_RTB_MORE_SPECIFIC_ROUTE",
            "TGW_RTB_HIGHER_PRIORITY_ROUTE",
        ):
            return self._around_blackhole(table, address)
        # TGW_RTB_CANNOT_ROUTE, TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT: the owner's attachment propagates, or a static route leads to it.
        if self.rng.random() < 0.5:
            attachment = self._transit_attachment_to(table, address)
            if (
                attachment is not None
                and attachment.resource_type == "vpc"
                and attachment.transit_gateway_attachment_id not in table.propagations
            ):
                net.enable_transit_gateway_route_table_propagation(table, attachment)
                return True
        owners = net.owners_of_private_ip(address)
        block = next(
            (b for o in owners[:1] for b in net.vpcs[o.vpc_id].cidr_blocks if _contains(b, address)), None
        )
        return block is not None and self._transit_route(table, address, _net(block).prefixlen)

    def _transit_attachment_to(
        self, table: TransitGatewayRouteTable, address: str
    ) -> TransitGatewayAttachment | None:
        """The attachment of ``table``'s gateway that leads to the VPC holding ``address``: its
        VPC attachment, or a peering with the gateway it is attached to."""
        owners = self.net.owners_of_private_ip(address)
        if len(owners) != 1:
            return None
        vpc_id = owners[0].vpc_id
        gateways = {a.transit_gateway_id: a for a in self._vpc_attachments(vpc_id)}
        if table.transit_gateway_id in gateways:
            return gateways[table.transit_gateway_id]
        for attachment in sorted(
            self.net.transit_gateway_attachments.values(), key=lambda a: a.transit_gateway_attachment_id
        ):
            ends = attachment.transit_gateway_ids()
            if (
                attachment.resource_type == "peering"
                and table.transit_gateway_id in ends
                and any(t in gateways for t in ends if t != table.transit_gateway_id)
            ):
                return attachment
        return None

    def _transit_route(self, table: TransitGatewayRouteTable, address: str, length: int) -> bool:
        """A static route for the /``length`` holding ``address`` to the attachment leading to it
        (a pending peering accepted)."""
        attachment = self._transit_attachment_to(table, address)
        prefix = _prefix_of(address, length)
        if attachment is None or any(r.destination == prefix and r.type == "static" for r in table.routes):
            return False
        if attachment.state == "pendingAcceptance":
            attachment.state = "available"
        self.net.create_transit_gateway_route(table, prefix, attachment)
        return True

    def _around_blackhole(self, table: TransitGatewayRouteTable, address: str) -> bool:
        """Past a winning blackhole: a more specific route around it (the blackhole stays, for
        the other flows it holds), or an attachment made available; a /32 blackhole goes."""
        holding = [
            r for r in table.routes for n in self._tgw_blocks(r) if n.supernet_of(_net(f"{address}/32"))
        ]
        if not holding:
            return False
        best = max(holding, key=lambda r: max(n.prefixlen for n in self._tgw_blocks(r)))
        attachment = self.net.transit_gateway_attachments.get(best.transit_gateway_attachment_id or "")
        if not best.blackhole and attachment is not None and attachment.state == "pendingAcceptance":
            attachment.state = "available"
            self.net.touch()
            return True
        length = max(n.prefixlen for n in self._tgw_blocks(best))
        if length < 32 and self._transit_route(
            table, address, max(length + 1, self.rng.choice((32, 31, 30)))
        ):
            return True
        if id(best) in self._nudge_blackholes:
            return False  # every flow to that one address is closed by the nudge: they stay so
        table.routes.remove(best)
        self.net.touch()
        return True

    def _tgw_blocks(self, route: TransitGatewayRoute) -> list[ipaddress.IPv4Network]:
        if route.destination_cidr_block:
            return [_net(route.destination_cidr_block)] if ":" not in route.destination_cidr_block else []
        plist = self.net.prefix_lists.get(route.prefix_list_id or "")
        return [_net(e.cidr) for e in plist.entries if ":" not in e.cidr] if plist is not None else []

    def _nudge_transit_route(self, flow: Flow, step: Step, forward: bool, *, miss: bool) -> bool:
        """A blackhole static route just holding the address the route carried (more specific,
        so it wins) -- or, with ``miss``, one for the neighbouring prefix."""
        table = self.net.transit_gateway_route_tables.get(step.component)
        destination = (step.rule or "").split(" -> ", 1)[0]
        if table is None or not destination:
            return False
        if destination.startswith("pl-"):
            destination = destination.split("(", 1)[-1].rstrip(")")
        address = flow.destination if forward else flow.source
        if _net(destination).prefixlen == 32:
            return False
        length = max(_net(destination).prefixlen + 1, self.rng.choice((32, 32, 30, 28, 24)))
        prefix = _neighbour_prefix(address, length) if miss else _prefix_of(address, length)
        if any(r.destination == prefix for r in table.routes):
            return False
        route = self.net.create_transit_gateway_route(table, prefix, blackhole=True)
        self._nudge_blackholes.add(id(route))
        return True

    def _route_client_to_igw(self, flow: Flow, table_id: str) -> bool:
        """Replies to an internet client leave through the internet gateway (not a NAT gateway
        that would answer from its own address): a route for the client's prefix."""
        table = self.net.route_tables[table_id]
        igw = self.net.internet_gateway_of_vpc(table.vpc_id)
        if igw is None or not is_internet_routable(_ip(flow.source)):
            return False
        destination = _prefix_of(flow.source, self.rng.choice((32, 28, 24)))
        if any(r.destination == destination for r in table.routes):
            self.net.delete_route(table, destination)
        self.net.create_route(table, destination, igw.internet_gateway_id)
        return True

    def _private_of(self, address: str) -> str | None:
        owner = self.net.owner_of_public_ip(address)
        if owner is not None:
            return owner.private_ip
        return address if self.net.owners_of_private_ip(address) else None

    def _owner_eni(self, address: str) -> str | None:
        owner = self.net.owner_of_public_ip(address)
        if owner is not None:
            return owner.network_interface_id
        owners = self.net.owners_of_private_ip(address)
        return owners[0].network_interface_id if len(owners) == 1 else None

    def _has_public(self, eni_id: str, private: str) -> bool:
        eni = self.net.network_interfaces.get(eni_id)
        return eni is not None and any(
            s.public_ip for s in eni.private_ip_addresses if s.private_ip_address == private
        )

    def _table_of_subnets(self, vpc_id: str) -> dict[str, str]:
        tables: dict[str, str] = {}
        for subnet in self.net.subnets.values():
            if subnet.vpc_id == vpc_id:
                table = self.net.route_table_of_subnet(subnet.subnet_id)
                if table is not None:
                    tables[subnet.subnet_id] = table.route_table_id
        return tables

    def _longest_match(self, table: RouteTable, address: str) -> _RouteView | None:
        best: _RouteView | None = None
        best_length = -1
        for route in table.routes:
            for cidr in self._route_cidrs(route.destination):
                if _contains(cidr, address) and _net(cidr).prefixlen > best_length:
                    best_length = _net(cidr).prefixlen
                    best = _RouteView(route.destination, route.target, route.state, best_length)
        return best

    def _route_cidrs(self, destination: str) -> list[str]:
        if destination.startswith("pl-"):
            plist = self.net.prefix_lists.get(destination)
            return [e.cidr for e in plist.entries] if plist is not None else []
        if ":" in destination or not destination:
            return []
        return [destination]

    # ------------------------------------------------------------------ public addresses

    def _elastic_ip(self, eni_id: str, private: str) -> bool:
        eni = self.net.network_interfaces.get(eni_id)
        if eni is None or self._has_public(eni_id, private):
            return False
        while True:
            candidate = str(ipaddress.IPv4Address(self._next_public))
            self._next_public += 1
            if (
                candidate.split(".")[-1] not in ("0", "255")
                and self.net.owner_of_public_ip(candidate) is None
            ):
                break
        eip = self.net.allocate_address(public_ip=candidate)
        self.net.associate_address(eip, eni, private_ip=private)
        return True

    # ------------------------------------------------------------------ nudging

    def _nudge(self, flow: Flow, *, miss: bool) -> bool:
        """Change one component ``flow`` relies on by one: it then just fails (or, with
        ``miss``, the change just misses it and it must still pass)."""
        result = trace(self.net, flow, record=True)
        if result.verdict != "reachable":
            return False
        choices = [
            (path, step)
            for path, hops in (("forward", result.forward), ("return", result.return_))
            for hop in hops
            for step in hop.steps
            if _nudgeable(step)
        ]
        if not choices:
            return False
        transit = [c for c in choices if c[1].component.startswith("tgw-rtb-")] + [
            (path, step)
            for path, hops in (("forward", result.forward), ("return", result.return_))
            for hop in hops
            if hop.component in self._attachment_subnets()
            for step in hop.steps
            if step.kind == "network-acl" and _nudgeable(step)
        ]
        # A path across a transit gateway is nudged there (its route, an attachment subnet's
        # ACL) more often than its share of steps, so that its blackholes and attachment ACLs
        # just miss or just hold.
        path, step = self.rng.choice(transit if transit and self.rng.random() < 0.4 else choices)
        flow = dict(along_legs(flow, result)).get(id(step), flow)
        done = False
        if step.kind == "network-acl":
            done = self._nudge_acl(flow, step, path == "forward", miss=miss)
        elif step.kind == "route" and step.component.startswith("tgw-rtb-"):
            done = self._nudge_transit_route(flow, step, path == "forward", miss=miss)
        elif step.kind == "security-group":
            done = self._nudge_group(flow, step, miss=miss)
        else:
            done = self._nudge_route(flow, step, path == "forward", miss=miss)
        if done:
            self.stats.nudged += 1
            self.stats.nudges_missing += miss
            self.net.touch()
        return done

    def _nudge_acl(self, flow: Flow, step: Step, forward: bool, *, miss: bool) -> bool:
        """A deny rule numbered just before the allow rule, matching the flow exactly -- or,
        with ``miss``, the port next to it or the neighbouring prefix."""
        acl_id, egress = step.component, step.direction == "outbound"
        number = self._free_number(acl_id, egress, int(step.rule or "1"))
        if number is None:
            return False
        remote = flow.destination if forward == egress else flow.source
        length = self.rng.choice((32, 30, 28, 24))
        cidr = _prefix_of(remote, length)
        port_range: tuple[int, int] | None = None
        icmp: tuple[int, int] | None = None
        if flow.protocol in (TCP, UDP):
            if forward:
                port = flow.destination_port or 0
                port_range = (port, port)
            else:
                port_range = (flow.source_ports[0][0], flow.source_ports[-1][1])
            if miss:
                if self.rng.random() < 0.5:
                    cidr = _neighbour_prefix(remote, length)
                else:
                    lo, hi = port_range
                    port_range = (hi + 1, hi + 1) if hi < 65535 else (lo - 1, lo - 1)
        elif flow.protocol == ICMP:
            icmp = (-1, -1)
            if miss:
                cidr = _neighbour_prefix(remote, length)
        elif miss:
            cidr = _neighbour_prefix(remote, length)
        self._add_acl_entry(acl_id, number, egress, "deny", flow, cidr, port_range, icmp)
        return True

    def _nudge_group(self, flow: Flow, step: Step, *, miss: bool) -> bool:
        """The security-group rule that let the flow through is moved off it by one port or to
        the neighbouring prefix -- or, with ``miss``, narrowed to exactly the flow's port or
        address (it must still pass). Another rule of the ENI's groups may still allow it."""
        group = self.net.security_groups.get(step.component)
        rule = None
        if group is not None:
            rule = next(
                (r for r in (*group.ingress, *group.egress) if r.security_group_rule_id == step.rule), None
            )
        if rule is None:
            return False
        remote = flow.source if step.direction == "inbound" else flow.destination
        port = flow.destination_port if flow.protocol in (TCP, UDP) else None
        ported = port is not None and rule.ip_protocol in ("tcp", "udp") and rule.from_port is not None
        if miss:
            if ported and port is not None:
                rule.from_port = rule.to_port = port
            elif rule.cidr_ipv4:
                rule.cidr_ipv4 = f"{remote}/32"
            else:
                return False
            return True
        if ported and port is not None and (not rule.cidr_ipv4 or self.rng.random() < 0.6):
            lo, hi = rule.from_port or 0, rule.to_port if rule.to_port is not None else 65535
            if lo == hi == port:
                lo = hi = port + 1 if port < 65535 else port - 1
            elif lo == port or (hi != port and self.rng.random() < 0.5):
                lo = port + 1
            else:
                hi = port - 1
            rule.from_port, rule.to_port = lo, hi
            return True
        if rule.cidr_ipv4:
            rule.cidr_ipv4 = _neighbour_prefix(remote, max(_net(rule.cidr_ipv4).prefixlen, 8))
            return True
        return False

    def _nudge_route(self, flow: Flow, step: Step, forward: bool, *, miss: bool) -> bool:
        """The route goes -- or, with ``miss``, a route for the neighbouring prefix to another
        target is added (the flow keeps its route)."""
        table = self.net.route_tables.get(step.component)
        destination = (step.rule or "").split(" -> ", 1)[0].split(" ")[0]
        if table is None or not destination:
            return False
        if not miss:
            self.net.delete_route(table, destination)
            return True
        if destination.startswith("pl-"):
            return False
        address = flow.destination if forward else flow.source
        length = min(max(_net(destination).prefixlen + 4, 24), 32)
        neighbour = _neighbour_prefix(address, length)
        vpc = self.net.vpcs[table.vpc_id]
        if any(r.destination == neighbour for r in table.routes) or any(
            _net(b).overlaps(_net(neighbour)) for b in vpc.cidr_blocks
        ):
            return False
        igw = self.net.internet_gateway_of_vpc(table.vpc_id)
        target = igw.internet_gateway_id if igw is not None else None
        target = target or next((r.target for r in table.routes if r.destination == destination), None)
        if target is None:
            return False
        self.net.create_route(table, neighbour, target)
        return True

    # ------------------------------------------------------------------ variants

    def _variant(self, flow: Flow) -> Flow | None:
        if flow.protocol not in (TCP, UDP) or flow.destination_port is None:
            return None
        port = flow.destination_port + self.rng.choice((-1, 1))
        if not 1 <= port <= 65535:
            return None
        return replace(flow, destination_port=port)


def along_legs(flow: Flow, result: Trace) -> list[tuple[int, Flow]]:
    """(id of a step, the flow its packet belongs to) for the steps of a load balancer's legs:
    past the load balancer's translation the packet is the node's connection to a target, and
    the target's reply to it comes back first on the return path (until the node takes it)."""
    found: list[tuple[int, Flow]] = []
    leg: Flow | None = None
    for hop in result.forward:
        for step in hop.steps:
            if step.kind == "nat" and step.component.startswith(_ELB_ARN) and step.after is not None:
                header = step.after
                leg = replace(
                    flow,
                    source=header.source,
                    destination=header.destination,
                    source_ports=header.source_ports or flow.source_ports,
                    destination_port=header.destination_ports[0][0] if header.destination_ports else None,
                    protocol=TCP
                    if "/app/" in step.component or "/net/" not in step.component
                    else flow.protocol,
                    source_eni=None,
                )
            elif leg is not None:
                found.append((id(step), leg))
    if leg is not None:
        for hop in result.return_:
            for step in hop.steps:
                found.append((id(step), leg))
                if step.kind == "delivery" and step.component.startswith("eni-"):
                    return found
    return found


_ELB_ARN = "arn:aws:elasticloadbalancing:"


def _nudgeable(step: Step) -> bool:
    """A step a path relies on: a rule that allowed it, a route (not ``local``) that carried it."""
    if step.action == "allow" and step.kind == "security-group":
        return bool(step.rule)
    if step.action == "allow" and step.kind == "network-acl":
        return step.rule not in (None, "*")
    if step.kind == "route" and step.component.startswith("rtb-") and step.rule:
        return not step.rule.endswith("-> local")
    if step.kind == "route" and step.component.startswith("tgw-rtb-") and step.rule:
        return step.action == "forward"
    return False


@dataclass(frozen=True)
class _RouteView:
    destination: str
    target: str
    state: str
    length: int


__all__ = ["BiasStats", "BiasedCase", "biased_case"]
