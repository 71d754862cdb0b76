"""Random flows over a network: the traffic property tests, the lab's differential tests and
the benchmarks send through the engine.

Why apart from the network generator: drawing flows needs only a network (generated, imported
or loaded), and the per-network work -- ports from its rules, hosts, indexes -- is done once per
:class:`FlowSampler`. The same network and seed always give the same flows.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

from ..engine.flow import ICMP, LINUX_CLIENT_PORTS, TCP, UDP, Flow, PortRanges
from ..model import (
    Network,
    NetworkInterface,
    SecurityGroupRule,
    protocol_number,
)
from ..model.addressing import SubnetAddresses, ip_str
from .network_generator import INTERNET_CIDRS, OTHER_PROTOCOLS, WELL_KNOWN_PORTS

__all__ = ["INTERNET_HOSTS", "FlowSampler", "generate_flows"]

#: Outside hosts that flows use: public DNS resolvers, documentation ranges, an AWS range.
INTERNET_HOSTS = ("8.8.8.8", "1.1.1.1", "198.51.100.7", "192.0.2.33", "203.0.113.200", "52.94.76.10")
#: ICMP messages flows send: mostly echo requests, some timestamp requests and errors.
FLOW_ICMP_TYPE_CODES: tuple[tuple[int, int], ...] = ((8, 0), (8, 0), (8, 0), (8, 0), (13, 0), (3, 4), (11, 0))


def _clamp_ports(values: Iterable[int], low: int = 1) -> list[int]:
    return sorted({v for v in values if low <= v <= 65535})


class FlowSampler:
    """Draws flows over one network; the per-network work (ports, hosts, indexes) is done once.

    Kinds of flow: within a subnet, across subnets, across VPCs (peered or not), to the
    internet, from the internet to a public address, from the internet to a private address,
    and to a private address nobody holds. Ports come from the rules (and their neighbours,
    for off-by-one edges); pinned source ports favour the edges of NACL ranges.
    """

    KINDS = (
        ("same-subnet", 0.14),
        ("cross-subnet", 0.18),
        ("cross-vpc", 0.2),
        ("to-internet", 0.2),
        ("internet-to-public", 0.15),
        ("internet-to-private", 0.07),
        ("unassigned", 0.06),
    )
    #: Share of flows to an ENI drawn from one of its inbound rules.
    GUIDED_RATIO = 0.7

    def __init__(self, network: Network, *, pinned_ratio: float = 0.3) -> None:
        if not 0.0 <= pinned_ratio <= 1.0:
            raise ValueError(f"pinned_ratio must lie in 0..1, not {pinned_ratio}")
        self.network = network
        self.pinned_ratio = pinned_ratio
        self.enis = [e for e in network.network_interfaces.values() if e.interface_type == "interface"]
        if not self.enis:
            raise ValueError("the network has no instance network interfaces to send or receive flows")
        self.by_subnet: dict[str, list[NetworkInterface]] = {}
        self.by_vpc: dict[str, list[NetworkInterface]] = {}
        for eni in self.enis:
            self.by_subnet.setdefault(eni.subnet_id, []).append(eni)
            self.by_vpc.setdefault(eni.vpc_id, []).append(eni)
        self.crowded = [s for s, enis in self.by_subnet.items() if len(enis) > 1]
        self.multi_subnet_vpcs = [
            v for v, enis in self.by_vpc.items() if len({e.subnet_id for e in enis}) > 1
        ]
        self.peered: set[frozenset[str]] = {
            frozenset((p.requester.vpc_id, p.accepter.vpc_id))
            for p in network.vpc_peering_connections.values()
            if p.status == "active"
        }
        self.public = [
            (eni, address.public_ip)
            for eni in self.enis
            for address in eni.private_ip_addresses
            if address.public_ip is not None
        ]
        self.ingress = {g.group_id: g.ingress for g in network.security_groups.values()}
        self._nets: dict[str, IPv4Network] = {}
        dest: set[int] = set(WELL_KNOWN_PORTS)
        edges: set[int] = {1023, 1024, 32767, 32768, 49151, 49152, 60999, 61000, 65535}
        cidrs: set[str] = set(INTERNET_CIDRS)
        for group in network.security_groups.values():
            for rule in (*group.ingress, *group.egress):
                if (
                    rule.ip_protocol in ("tcp", "udp")
                    and rule.from_port is not None
                    and rule.to_port is not None
                ):
                    dest.update((rule.from_port - 1, rule.from_port, rule.to_port, rule.to_port + 1))
                if rule.cidr_ipv4:
                    cidrs.add(rule.cidr_ipv4)
        for acl in network.network_acls.values():
            for entry in acl.entries:
                if entry.port_range is not None:
                    lo, hi = entry.port_range
                    dest.update((lo - 1, lo, lo + 1, hi - 1, hi, hi + 1))
                    edges.update((lo - 1, lo, hi, hi + 1))
                if entry.cidr_block:
                    cidrs.add(entry.cidr_block)
        for plist in network.prefix_lists.values():
            cidrs.update(e.cidr for e in plist.entries if ":" not in e.cidr)  # IPv4 flows only
        self.destination_ports = _clamp_ports(dest)
        self.source_port_edges = _clamp_ports(edges)
        hosts: set[str] = set(INTERNET_HOSTS)
        for cidr in sorted(cidrs):
            net = IPv4Network(cidr, strict=False)
            if net.prefixlen >= 8 and net.is_global and not net.is_multicast:
                hosts.add(str(net.network_address + (1 if net.num_addresses > 2 else 0)))
                hosts.add(str(net.broadcast_address - (1 if net.num_addresses > 2 else 0)))
        self.internet_hosts = sorted(hosts, key=lambda h: int(IPv4Address(h)))
        self.subnets = list(network.subnets.values())

    # ------------------------------------------------------------------ drawing

    def sample(self, rng: random.Random) -> Flow:
        """One flow."""
        kinds, weights = zip(*self.KINDS, strict=True)
        while True:
            kind = rng.choices(kinds, weights)[0]
            flow = self._flow(rng, kind)
            if flow is not None:
                return flow

    def sample_many(self, seed: int, count: int) -> list[Flow]:
        """``count`` flows; a smaller count gives a prefix of a larger one (same seed)."""
        if count < 0:
            raise ValueError(f"count must not be negative, not {count}")
        rng = random.Random(seed)
        return [self.sample(rng) for _ in range(count)]

    def _flow(self, rng: random.Random, kind: str) -> Flow | None:
        if kind in ("same-subnet", "cross-subnet", "cross-vpc"):
            picked = self._pair(rng, kind)
            if picked is None:
                return None
            receiver, senders = picked
            rule = self._ingress_rule(rng, receiver)
            sender, source = self._pick_sender(rng, senders, rule)
            return self._make(rng, source, self._address(rng, receiver), sender, rule)
        if kind == "to-internet":
            src = rng.choice(self.enis)
            return self._make(rng, self._address(rng, src), rng.choice(self.internet_hosts), src, None)
        if kind == "internet-to-public":
            if not self.public:
                return None
            receiver, public_ip = rng.choice(self.public)
            rule = self._ingress_rule(rng, receiver)
            return self._make(rng, self._pick_host(rng, rule), public_ip, None, rule)
        if kind == "internet-to-private":
            receiver = rng.choice(self.enis)
            rule = self._ingress_rule(rng, receiver)
            return self._make(rng, self._pick_host(rng, rule), self._address(rng, receiver), None, rule)
        # unassigned: a usable address of some subnet that no ENI holds
        src = rng.choice(self.enis)
        subnet = rng.choice(self.subnets)
        usable = SubnetAddresses(subnet.cidr_block)
        for _ in range(4):
            candidate = ip_str(rng.randint(usable.first, usable.last))
            if self.network.owner_in_vpc(subnet.vpc_id, candidate) is None:
                return self._make(rng, self._address(rng, src), candidate, src, None)
        return None

    def _pair(self, rng: random.Random, kind: str) -> tuple[NetworkInterface, list[NetworkInterface]] | None:
        """A receiver and the ENIs that may send to it for this kind of flow."""
        if kind == "same-subnet":
            if not self.crowded:
                return None
            enis = self.by_subnet[rng.choice(self.crowded)]
            receiver = rng.choice(enis)
            return receiver, [e for e in enis if e is not receiver]
        if kind == "cross-subnet":
            if not self.multi_subnet_vpcs:
                return None
            enis = self.by_vpc[rng.choice(self.multi_subnet_vpcs)]
            receiver = rng.choice(enis)
            return receiver, [e for e in enis if e.subnet_id != receiver.subnet_id]
        if len(self.by_vpc) < 2:
            return None
        receiver = rng.choice(self.enis)
        vpcs = [v for v in self.by_vpc if v != receiver.vpc_id]
        peered = [v for v in vpcs if frozenset((v, receiver.vpc_id)) in self.peered]
        unpeered = [v for v in vpcs if frozenset((v, receiver.vpc_id)) not in self.peered]
        choices = peered if peered and (not unpeered or rng.random() < 0.6) else unpeered
        return receiver, self.by_vpc[rng.choice(choices)]

    def _address(self, rng: random.Random, eni: NetworkInterface) -> str:
        if len(eni.private_ip_addresses) > 1 and rng.random() < 0.25:
            return rng.choice(eni.private_ip_addresses[1:]).private_ip_address
        return eni.private_ip_address

    def _ingress_rule(self, rng: random.Random, receiver: NetworkInterface) -> SecurityGroupRule | None:
        """Often one inbound rule of the receiver, that the flow then tries to match (or to miss
        by one port): random flows would almost never match a rule otherwise."""
        if rng.random() >= self.GUIDED_RATIO:
            return None
        rules = [r for g in receiver.groups for r in self.ingress.get(g, ())]
        return rng.choice(rules) if rules else None

    def _matches(self, rule: SecurityGroupRule, address: str, groups: Iterable[str] = ()) -> bool:
        """Whether ``rule``'s peer covers a sender at ``address`` carrying ``groups``."""
        if rule.referenced_group_id is not None:
            return rule.referenced_group_id in groups
        if rule.cidr_ipv4 is not None:
            cidrs = [rule.cidr_ipv4]
        elif rule.prefix_list_id is not None and rule.prefix_list_id in self.network.prefix_lists:
            cidrs = [e.cidr for e in self.network.prefix_lists[rule.prefix_list_id].entries]
        else:
            return False
        ip = IPv4Address(address)
        return any(ip in self._net(c) for c in cidrs)

    def _net(self, cidr: str) -> IPv4Network:
        net = self._nets.get(cidr)
        if net is None:
            net = self._nets[cidr] = IPv4Network(cidr, strict=False)
        return net

    def _pick_sender(
        self, rng: random.Random, senders: list[NetworkInterface], rule: SecurityGroupRule | None
    ) -> tuple[NetworkInterface, str]:
        if rule is not None and rng.random() < 0.9:
            sample = senders if len(senders) <= 64 else rng.sample(senders, 64)
            matches = [
                (eni, slot.private_ip_address)
                for eni in sample
                for slot in eni.private_ip_addresses
                if self._matches(rule, slot.private_ip_address, eni.groups)
            ]
            if matches:
                return rng.choice(matches)
        sender = rng.choice(senders)
        return sender, self._address(rng, sender)

    def _pick_host(self, rng: random.Random, rule: SecurityGroupRule | None) -> str:
        if rule is not None and rng.random() < 0.9:
            matches = [h for h in self.internet_hosts if self._matches(rule, h)]
            if matches:
                return rng.choice(matches)
        return rng.choice(self.internet_hosts)

    def _protocol(self, rng: random.Random, rule: SecurityGroupRule | None) -> int:
        if rule is not None and rule.ip_protocol != "-1":
            return protocol_number(rule.ip_protocol)
        roll = rng.random()
        if roll < 0.7:
            return TCP if roll < 0.5 else UDP
        if roll < 0.92:
            return ICMP
        return rng.choice(OTHER_PROTOCOLS)

    def _destination_port(self, rng: random.Random, rule: SecurityGroupRule | None) -> int:
        if (
            rule is not None
            and rule.from_port is not None
            and rule.to_port is not None
            and rule.from_port >= 0
        ):
            lo, hi = rule.from_port, rule.to_port
            port = rng.choices((lo, hi, rng.randint(lo, hi), lo - 1, hi + 1), (0.25, 0.2, 0.35, 0.1, 0.1))[0]
            return min(max(port, 1), 65535)
        if rng.random() < 0.75:
            return rng.choice(self.destination_ports)
        return rng.randint(1, 65535)

    def _source_ports(self, rng: random.Random) -> PortRanges:
        if rng.random() >= self.pinned_ratio:
            return (LINUX_CLIENT_PORTS,)
        if rng.random() < 0.7:
            pinned = rng.choice(self.source_port_edges)
        elif rng.random() < 0.7:
            pinned = rng.randint(*LINUX_CLIENT_PORTS)
        else:
            pinned = rng.randint(1, 65535)
        return ((pinned, pinned),)

    def _make(
        self,
        rng: random.Random,
        source: str,
        destination: str,
        sender: NetworkInterface | None,
        rule: SecurityGroupRule | None,
    ) -> Flow:
        source_eni = sender.network_interface_id if sender is not None else None
        if rule is not None and rule.ip_protocol in ("icmpv6", "58"):
            rule = None  # an IPv4 flow never carries ICMPv6: a dual-stack group's icmpv6 rule guides nothing
        protocol = self._protocol(rng, rule)
        if protocol in (TCP, UDP):
            return Flow(
                protocol=protocol,
                source=source,
                destination=destination,
                destination_port=self._destination_port(rng, rule),
                source_ports=self._source_ports(rng),
                source_eni=source_eni,
            )
        if protocol == ICMP:
            if rule is not None and rule.ip_protocol == "icmp" and rule.from_port is not None:
                icmp_type = rule.from_port if rule.from_port >= 0 else 8
                icmp_code = rule.to_port if rule.to_port is not None and rule.to_port >= 0 else 0
            else:
                icmp_type, icmp_code = rng.choice(FLOW_ICMP_TYPE_CODES)
            return Flow(
                protocol=ICMP,
                source=source,
                destination=destination,
                icmp_type=icmp_type,
                icmp_code=icmp_code,
                source_eni=source_eni,
            )
        return Flow(protocol=protocol, source=source, destination=destination, source_eni=source_eni)


def generate_flows(network: Network, seed: int, count: int, *, pinned_ratio: float = 0.3) -> list[Flow]:
    """``count`` random flows over ``network``, the same for the same network and seed.

    ``pinned_ratio`` of TCP/UDP flows pin one source port; the others use the Linux client range.
    """
    return FlowSampler(network, pinned_ratio=pinned_ratio).sample_many(seed, count)
