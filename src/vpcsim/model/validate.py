"""Check a :class:`~vpcsim.model.network.Network` against the rules AWS enforces.

AWS refuses most inconsistent networks at the API (``InvalidSubnet.Range``,
``InvalidIPAddress.InUse``, ``RouteAlreadyExists``...), but a network reaches vpcsim through
loaders and importers that bypass the API, and a trace over an impossible network answers
nonsense. ``validate`` finds every such problem at once, with AWS's error code where AWS has
one (``VPCSIM_...`` otherwise), the resource and the field to fix, and what to do about it.

Errors are networks AWS would never hold; warnings are legal but suspicious settings (an
adjustable quota exceeded, a route that can only drop traffic). The checks read the resources
only: they never call the network's indexes, so malformed addresses are reported, not raised.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .addressing import (
    HOST_INTERFACE_TYPES,
    LINK_LOCAL,
    RFC1918,
    RFC6598,
    ROUTE_TARGET_FIELDS,
    field_collection,
    gateway_collection,
    reserved_address_reason,
    rfc1918_range_of,
)
from .network import Network, protocol_number
from .resources import (
    Address,
    NatGateway,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from .validate6 import check_ipv6, subnet_block_size_ok
from .validate_elb import check_load_balancers
from .validate_transit import check_transit

Severity = Literal["error", "warning"]

DANGLING = "VPCSIM_DANGLING_REFERENCE"
"""An id that names nothing in the network (and no ``UnknownResource``)."""
INCONSISTENT = "VPCSIM_INCONSISTENT_REFERENCE"
"""Two resources that describe the same relation differently (an ENI's VPC and its subnet's)."""
NOT_CANONICAL = "VPCSIM_CIDR_NOT_CANONICAL"

#: VPC and subnet IPv4 block sizes AWS accepts.
MIN_PREFIX, MAX_PREFIX = 16, 28
VPC_BLOCKS_QUOTA, VPC_BLOCKS_MAX = 5, 50
GROUPS_PER_ENI_QUOTA, GROUPS_PER_ENI_MAX = 5, 16
RULES_PER_GROUP_QUOTA = 60
RULES_PER_ENI_MAX = 1000
NACL_RULE_MAX = 32766
NACL_STAR_IPV4, NACL_STAR_IPV6 = 32767, 32768

#: Interface types that belong to an instance and so carry at least one security group;
#: requester-managed ones (``nat_gateway``, ``gateway_load_balancer_endpoint``...) may have none.
INSTANCE_INTERFACE_TYPES = HOST_INTERFACE_TYPES
INACTIVE_NAT_STATES = frozenset({"deleted", "deleting", "failed"})
LIVE_PEERING_STATES = frozenset({"active", "pending-acceptance", "provisioning", "initiating-request"})
GONE_INSTANCE_STATES = frozenset({"terminated", "shutting-down"})
ATTACHED_STATES = frozenset({"available", "attached"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a network: where it is (resource and field) and how to fix it."""

    severity: Severity
    code: str
    """AWS's error code where AWS has one (``InvalidSubnet.Range``), else ``VPCSIM_...``."""
    resource: str
    """The id of the resource to change."""
    field: str
    """Dotted path inside the resource (``routes[2].nat_gateway_id``); empty for the whole resource."""
    message: str
    """What is wrong and what to do about it."""

    def __str__(self) -> str:
        where = f"{self.resource}.{self.field}" if self.field else self.resource
        return f"{where}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "code": self.code,
            "resource": self.resource,
            "field": self.field,
            "message": self.message,
        }


class ValidationError(Exception):
    """A network with errors: it carries every problem found (errors and warnings)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        found = errors(self.problems)
        lines = [f"the network has {len(found)} error{'s' if len(found) != 1 else ''}:"]
        lines += [f"  {p}" for p in found]
        super().__init__("\n".join(lines))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


def ensure_valid(network: Network) -> list[Problem]:
    """Validate; raise :class:`ValidationError` on any error, else return the warnings."""
    problems = validate(network)
    if errors(problems):
        raise ValidationError(problems)
    return problems


_NUMBER = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """``entries[10]`` after ``entries[9]``: digits compare as numbers."""
    return tuple(
        (1, int(part)) if part.isascii() and part.isdigit() and len(part) < 100 else (0, part)
        for part in _NUMBER.split(text)
        if part
    )


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Order by resource, field (numbers inside compared as numbers), code, then message."""
    return sorted(problems, key=lambda p: (p.resource, _natural(p.field), p.code, p.message, p.severity))


# ---------------------------------------------------------------------------------- pure helpers


def parse_ipv4_network(text: str | None) -> ipaddress.IPv4Network | None:
    """The block ``text`` names (host bits dropped), or None when it is not an IPv4 CIDR."""
    if not text or "/" not in text:
        return None
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        return None


def parse_ipv6_network(text: str | None) -> ipaddress.IPv6Network | None:
    if not text or "/" not in text:
        return None
    try:
        return ipaddress.IPv6Network(text, strict=False)
    except ValueError:
        return None


def parse_ipv4_address(text: str | None) -> ipaddress.IPv4Address | None:
    if not text:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


def is_canonical_cidr(text: str) -> bool:
    """True when ``text`` is written as AWS stores it (``10.0.0.0/16``, not ``10.0.0.18/16``)."""
    for kind in (ipaddress.IPv4Network, ipaddress.IPv6Network):
        try:
            return str(kind(text, strict=False)) == text
        except ValueError:
            continue
    return False


def secondary_block_restriction(
    primary: ipaddress.IPv4Network, candidate: ipaddress.IPv4Network
) -> str | None:
    """Why AWS refuses ``candidate`` as a secondary block of a VPC with ``primary``, or None."""
    if candidate.overlaps(LINK_LOCAL):
        return f"{candidate} lies in the link-local range {LINK_LOCAL}, which a VPC may never use"
    home = rfc1918_range_of(primary)
    if home is not None:
        for other in RFC1918:
            if other != home and candidate.overlaps(other):
                return (
                    f"{candidate} is in the RFC 1918 range {other}, but the primary block {primary} is in "
                    f"{home}; a VPC may only add blocks from {home}, {RFC6598} or public ranges"
                )
    return None


def vpc_block_field(index: int) -> str:
    """The field naming IPv4 block ``index`` of ``Vpc.cidr_blocks`` (primary first)."""
    return "cidr_block" if index == 0 else f"secondary_cidr_blocks[{index - 1}]"


# ---------------------------------------------------------------------------------- validation


def validate(network: Network) -> list[Problem]:
    """Every problem of ``network``, sorted by (resource, field, code)."""
    return sort_problems(_Validator(network).run())


_Net4 = ipaddress.IPv4Network
_Net6 = ipaddress.IPv6Network

_KIND_NAMES = {
    "vpcs": "VPC",
    "subnets": "subnet",
    "internet_gateways": "internet gateway",
    "vpn_gateways": "virtual private gateway",
    "vpc_endpoints": "VPC endpoint",
    "nat_gateways": "NAT gateway",
    "network_interfaces": "network interface",
    "instances": "instance",
    "vpc_peering_connections": "VPC peering connection",
    "transit_gateways": "transit gateway",
    "transit_gateway_attachments": "transit gateway attachment",
    "egress_only_internet_gateways": "egress-only internet gateway",
    "security_groups": "security group",
    "prefix_lists": "prefix list",
    "addresses": "Elastic IP",
    "route_tables": "route table",
    "network_acls": "network ACL",
    "load_balancers": "load balancer",
    "target_groups": "target group",
}


class _Validator:
    """One pass over a network; each ``_check_*`` method covers one kind of resource."""

    def __init__(self, network: Network) -> None:
        self.n = network
        self.problems: list[Problem] = []
        self.vpc_blocks: dict[str, list[_Net4]] = {}
        self.vpc_blocks6: dict[str, list[_Net6]] = {}
        self.subnet_nets: dict[str, _Net4] = {}
        self.subnet_nets_of_vpc: dict[str, set[_Net4]] = defaultdict(set)

    def run(self) -> list[Problem]:
        self._check_vpcs()
        self._check_subnets()
        self._check_network_interfaces()
        self._check_instances()
        self._check_internet_gateways()
        self._check_route_tables()
        self._check_network_acls()
        self._check_security_groups()
        self._check_nat_gateways()
        self._check_peerings()
        self._check_addresses()
        check_transit(self.n, self.error, self.warning, self.check_ref)
        check_load_balancers(self.n, self.error, self.warning)
        check_ipv6(self)
        return self.problems

    # ------------------------------------------------------------------ reporting helpers

    def error(self, resource: str, field: str, code: str, message: str) -> None:
        self.problems.append(Problem("error", code, resource, field, message))

    def warning(self, resource: str, field: str, code: str, message: str) -> None:
        self.problems.append(Problem("warning", code, resource, field, message))

    def exists(self, ref: str, collection: str) -> bool:
        """``ref`` is in ``collection`` or stands for an :class:`UnknownResource`."""
        return ref in getattr(self.n, collection) or ref in self.n.unknown_resources

    def check_ref(
        self, resource: str, field: str, ref: str, collection: str, *, severity: Severity = "error"
    ) -> bool:
        """Report a dangling reference; True when ``ref`` resolves (possibly to an unknown)."""
        if self.exists(ref, collection):
            return True
        kind = _KIND_NAMES.get(collection, collection)
        message = (
            f"{kind} {ref} is not in the network; add it (or import the file that describes it), "
            "or remove the reference"
        )
        (self.error if severity == "error" else self.warning)(resource, field, DANGLING, message)
        return False

    def cidr4(self, resource: str, field: str, text: str | None) -> _Net4 | None:
        """Parse an IPv4 CIDR field, reporting unparseable and non-canonical values."""
        net = parse_ipv4_network(text)
        if net is None:
            self.error(
                resource,
                field,
                "InvalidParameterValue",
                f"{text!r} is not an IPv4 CIDR block; write one like 10.0.0.0/16",
            )
            return None
        if str(net) != text:
            self.error(
                resource, field, NOT_CANONICAL, f"{text} has host bits set; write it as AWS stores it: {net}"
            )
        return net

    def cidr6(self, resource: str, field: str, text: str | None) -> _Net6 | None:
        net = parse_ipv6_network(text)
        if net is None:
            self.error(
                resource,
                field,
                "InvalidParameterValue",
                f"{text!r} is not an IPv6 CIDR block; write one like 2600:1f18::/56",
            )
            return None
        if str(net) != text:
            self.error(
                resource, field, NOT_CANONICAL, f"{text} is not canonical; write it as AWS stores it: {net}"
            )
        return net

    # ------------------------------------------------------------------ VPCs

    def _check_vpcs(self) -> None:
        for vpc in self.n.vpcs.values():
            blocks: list[_Net4] = []
            primary = parse_ipv4_network(vpc.cidr_block)
            texts = vpc.cidr_blocks
            for index, text in enumerate(texts):
                field = vpc_block_field(index)
                net = self.cidr4(vpc.vpc_id, field, text)
                if net is None:
                    continue
                if not MIN_PREFIX <= net.prefixlen <= MAX_PREFIX:
                    self.error(
                        vpc.vpc_id,
                        field,
                        "InvalidVpc.Range",
                        f"{net} is a /{net.prefixlen}; a VPC block must be between /16 and /28",
                    )
                if index == 0:
                    if net.overlaps(LINK_LOCAL):
                        self.error(
                            vpc.vpc_id,
                            field,
                            "InvalidVpc.Range",
                            f"{net} overlaps {LINK_LOCAL}, which a VPC may never use",
                        )
                else:
                    self._check_secondary_block(vpc, index, net, primary, blocks)
                blocks.append(net)
            self.vpc_blocks[vpc.vpc_id] = blocks
            if len(texts) > VPC_BLOCKS_MAX:
                self.error(
                    vpc.vpc_id,
                    "secondary_cidr_blocks",
                    "CidrLimitExceeded",
                    f"{vpc.vpc_id} has {len(texts)} IPv4 blocks; AWS allows at most {VPC_BLOCKS_MAX} even with "
                    "a quota increase: remove some",
                )
            elif len(texts) > VPC_BLOCKS_QUOTA:
                self.warning(
                    vpc.vpc_id,
                    "secondary_cidr_blocks",
                    "CidrLimitExceeded",
                    f"{vpc.vpc_id} has {len(texts)} IPv4 blocks; the default quota is {VPC_BLOCKS_QUOTA} "
                    f"(adjustable up to {VPC_BLOCKS_MAX}): make sure the account has the increase",
                )
            blocks6: list[_Net6] = []
            for index, text in enumerate(vpc.ipv6_cidr_blocks):
                net6 = self.cidr6(vpc.vpc_id, f"ipv6_cidr_blocks[{index}]", text)
                if net6 is not None:
                    blocks6.append(net6)
            self.vpc_blocks6[vpc.vpc_id] = blocks6

    def _check_secondary_block(
        self, vpc: Vpc, index: int, net: _Net4, primary: _Net4 | None, earlier: list[_Net4]
    ) -> None:
        field = vpc_block_field(index)
        for other in earlier:
            if net.overlaps(other):
                self.error(
                    vpc.vpc_id,
                    field,
                    "InvalidVpc.Range",
                    f"{net} overlaps the VPC's block {other}; secondary blocks must not overlap existing "
                    "ones: choose a free range",
                )
                return
        if primary is None:
            if net.overlaps(LINK_LOCAL):
                self.error(
                    vpc.vpc_id,
                    field,
                    "InvalidVpc.Range",
                    f"{net} overlaps {LINK_LOCAL}, which a VPC may never use",
                )
            return
        reason = secondary_block_restriction(primary, net)
        if reason:
            self.error(vpc.vpc_id, field, "InvalidVpc.Range", f"{reason}; choose another block")

    # ------------------------------------------------------------------ subnets

    def _check_subnets(self) -> None:
        by_vpc: dict[str, list[tuple[Subnet, _Net4]]] = defaultdict(list)
        by_vpc6: dict[str, list[tuple[Subnet, _Net6]]] = defaultdict(list)
        for subnet in self.n.subnets.values():
            sid = subnet.subnet_id
            known_vpc = self.check_ref(sid, "vpc_id", subnet.vpc_id, "vpcs") and subnet.vpc_id in self.n.vpcs
            if not subnet.availability_zone:
                self.error(
                    sid,
                    "availability_zone",
                    "MissingParameter",
                    "a subnet lives in exactly one availability zone: name it",
                )
            net = self.cidr4(sid, "cidr_block", subnet.cidr_block)
            if net is not None:
                self.subnet_nets[sid] = net
                self.subnet_nets_of_vpc[subnet.vpc_id].add(net)
                if not MIN_PREFIX <= net.prefixlen <= MAX_PREFIX:
                    self.error(
                        sid,
                        "cidr_block",
                        "InvalidSubnet.Range",
                        f"{net} is a /{net.prefixlen}; a subnet block must be between /16 and /28",
                    )
                if known_vpc:
                    blocks = self.vpc_blocks.get(subnet.vpc_id, [])
                    if blocks and not any(net.subnet_of(b) for b in blocks):
                        self.error(
                            sid,
                            "cidr_block",
                            "InvalidSubnet.Range",
                            f"{net} is not inside one of {subnet.vpc_id}'s blocks "
                            f"({', '.join(map(str, blocks))}); choose a range inside one block, or add a block "
                            "to the VPC",
                        )
                    by_vpc[subnet.vpc_id].append((subnet, net))
            if subnet.ipv6_cidr_block is not None:
                net6 = self.cidr6(sid, "ipv6_cidr_block", subnet.ipv6_cidr_block)
                if net6 is not None and known_vpc:
                    blocks6 = self.vpc_blocks6.get(subnet.vpc_id, [])
                    if not subnet_block_size_ok(net6.prefixlen) or not any(
                        net6.subnet_of(b) for b in blocks6
                    ):
                        self.error(
                            sid,
                            "ipv6_cidr_block",
                            "InvalidSubnet.Range",
                            f"{net6} must be a /44 to /64 (in steps of /4; commonly a /64) inside one of "
                            f"{subnet.vpc_id}'s IPv6 blocks "
                            f"({', '.join(map(str, blocks6)) or 'none'})",
                        )
                    by_vpc6[subnet.vpc_id].append((subnet, net6))
        for members in by_vpc.values():
            self._report_conflicts(members, "cidr_block")
        for members6 in by_vpc6.values():
            self._report_conflicts(members6, "ipv6_cidr_block")

    def _report_conflicts(self, members: Sequence[tuple[Subnet, _Net4 | _Net6]], field: str) -> None:
        ordered = sorted(members, key=lambda m: (int(m[1].network_address), m[0].subnet_id))
        for i, (subnet, net) in enumerate(ordered):
            for other, other_net in ordered[i + 1 :]:
                if int(other_net.network_address) > int(net.broadcast_address):
                    break
                for a, a_net, b, b_net in ((subnet, net, other, other_net), (other, other_net, subnet, net)):
                    self.error(
                        a.subnet_id,
                        field,
                        "InvalidSubnet.Conflict",
                        f"{a_net} overlaps {b.subnet_id} ({b_net}) in the same VPC; subnets never overlap: "
                        "change one of the two blocks",
                    )

    # ------------------------------------------------------------------ network interfaces

    def _check_network_interfaces(self) -> None:
        private_holders: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
        public_holders: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
        for eni in self.n.network_interfaces.values():
            eid = eni.network_interface_id
            subnet = self.n.subnets.get(eni.subnet_id)
            self.check_ref(eid, "subnet_id", eni.subnet_id, "subnets")
            if subnet is not None and subnet.vpc_id != eni.vpc_id:
                self.error(
                    eid,
                    "vpc_id",
                    INCONSISTENT,
                    f"{eid} says it is in {eni.vpc_id} but its subnet {subnet.subnet_id} is in {subnet.vpc_id}; "
                    f"set vpc_id to {subnet.vpc_id}",
                )
            if (
                subnet is not None
                and subnet.availability_zone
                and eni.availability_zone
                and eni.availability_zone != subnet.availability_zone
            ):
                self.error(
                    eid,
                    "availability_zone",
                    INCONSISTENT,
                    f"{eid} says it is in {eni.availability_zone} but its subnet {subnet.subnet_id} is in "
                    f"{subnet.availability_zone}; an interface is in its subnet's availability zone",
                )
            subnet_net = self.subnet_nets.get(eni.subnet_id)
            if not eni.private_ip_addresses:
                self.error(
                    eid,
                    "private_ip_addresses",
                    "MissingParameter",
                    f"{eid} has no private IPv4 address; give it one",
                )
            if sum(1 for a in eni.private_ip_addresses if a.primary) > 1:
                self.error(
                    eid,
                    "private_ip_addresses",
                    "InvalidParameterValue",
                    f"{eid} has several primary private addresses; mark exactly one primary",
                )
            for index, slot in enumerate(eni.private_ip_addresses):
                field = f"private_ip_addresses[{index}]"
                ip = parse_ipv4_address(slot.private_ip_address)
                if ip is None:
                    self.error(
                        eid,
                        f"{field}.private_ip_address",
                        "InvalidParameterValue",
                        f"{slot.private_ip_address!r} is not an IPv4 address",
                    )
                else:
                    self._check_private_address(eni, field, ip, subnet_net)
                    private_holders[(eni.vpc_id, int(ip))].append((eid, field))
                if slot.public_ip is not None:
                    public = parse_ipv4_address(slot.public_ip)
                    if public is None:
                        self.error(
                            eid,
                            f"{field}.public_ip",
                            "InvalidParameterValue",
                            f"{slot.public_ip!r} is not an IPv4 address",
                        )
                    else:
                        public_holders[("", int(public))].append((eid, field))
                if slot.allocation_id is not None:
                    self._check_slot_allocation(eni, field, slot.private_ip_address, slot.allocation_id)
            self._check_eni_groups(eni)
            self._check_eni_attachment(eni)
        self._report_shared(
            private_holders, "private_ip_address", "private addresses are unique within a VPC"
        )
        self._report_shared(public_holders, "public_ip", "public addresses are unique")

    def _check_private_address(
        self, eni: NetworkInterface, field: str, ip: ipaddress.IPv4Address, subnet_net: _Net4 | None
    ) -> None:
        if subnet_net is None:
            return
        eid = eni.network_interface_id
        if ip not in subnet_net:
            self.error(
                eid,
                f"{field}.private_ip_address",
                "InvalidParameterValue",
                f"{ip} does not fall within subnet {eni.subnet_id} ({subnet_net}); choose an address inside it",
            )
            return
        reason = reserved_address_reason(subnet_net, ip)
        if reason:
            self.error(
                eid,
                f"{field}.private_ip_address",
                "InvalidParameterValue",
                f"{ip} is {reason} of subnet {eni.subnet_id} ({subnet_net}); AWS reserves the first four and the "
                "last address: choose another",
            )

    def _report_shared(
        self, holders: Mapping[tuple[str, int], list[tuple[str, str]]], leaf: str, rule: str
    ) -> None:
        for (_, ip), owners in holders.items():
            if len(owners) < 2:
                continue
            text = str(ipaddress.IPv4Address(ip))
            for eid, field in owners:
                others = sorted({o for o, f in owners if (o, f) != (eid, field)})
                self.error(
                    eid,
                    f"{field}.{leaf}",
                    "InvalidIPAddress.InUse",
                    f"{text} is also held by {', '.join(others)}; {rule}: give one of them another address",
                )

    def _check_slot_allocation(
        self, eni: NetworkInterface, field: str, private: str, allocation_id: str
    ) -> None:
        eid = eni.network_interface_id
        if not self.check_ref(eid, f"{field}.allocation_id", allocation_id, "addresses"):
            return
        eip = self.n.addresses.get(allocation_id)
        if eip is None:
            return
        if eip.network_interface_id is None:
            self.error(
                eid,
                f"{field}.allocation_id",
                INCONSISTENT,
                f"Elastic IP {allocation_id} is not associated with anything, yet {eid} ({private}) carries it; "
                f"set the Elastic IP's network_interface_id to {eid} or clear allocation_id",
            )
        elif eip.network_interface_id != eid or (eip.private_ip_address or private) != private:
            self.error(
                eid,
                f"{field}.allocation_id",
                "Resource.AlreadyAssociated",
                f"Elastic IP {allocation_id} is associated with {eip.network_interface_id} "
                f"({eip.private_ip_address}), not {eid} ({private}); an Elastic IP has one association: clear "
                "this one",
            )

    def _check_eni_groups(self, eni: NetworkInterface) -> None:
        eid = eni.network_interface_id
        if not eni.groups:
            if eni.interface_type in INSTANCE_INTERFACE_TYPES:
                self.error(
                    eid,
                    "groups",
                    "VPCSIM_ENI_WITHOUT_SECURITY_GROUP",
                    f"{eid} ({eni.interface_type}) has no security group; AWS gives every such interface at "
                    "least one (the VPC's default group when none is named): add one",
                )
            return
        for index, group_id in enumerate(eni.groups):
            field = f"groups[{index}]"
            if not self.check_ref(eid, field, group_id, "security_groups"):
                continue
            group = self.n.security_groups.get(group_id)
            if group is not None and group.vpc_id != eni.vpc_id:
                self.error(
                    eid,
                    field,
                    "InvalidParameter",
                    f"security group {group_id} is in {group.vpc_id} and {eid} in {eni.vpc_id}: they belong to "
                    f"different networks; use a group of {eni.vpc_id}",
                )
        count = len(eni.groups)
        if count > GROUPS_PER_ENI_MAX:
            self.error(
                eid,
                "groups",
                "SecurityGroupsPerInterfaceLimitExceeded",
                f"{eid} has {count} security groups; AWS allows at most {GROUPS_PER_ENI_MAX} even with a quota "
                "increase: merge some",
            )
        elif count > GROUPS_PER_ENI_QUOTA:
            self.warning(
                eid,
                "groups",
                "SecurityGroupsPerInterfaceLimitExceeded",
                f"{eid} has {count} security groups; the default quota is {GROUPS_PER_ENI_QUOTA} (adjustable to "
                f"{GROUPS_PER_ENI_MAX}): make sure the account has the increase",
            )
        sizes = [
            max(len(g.ingress), len(g.egress))
            for g in (self.n.security_groups.get(i) for i in eni.groups)
            if g
        ]
        if sizes and count * max(sizes) > RULES_PER_ENI_MAX:
            self.warning(
                eid,
                "groups",
                "SecurityGroupsPerInterfaceLimitExceeded",
                f"{count} groups x {max(sizes)} rules per group exceeds {RULES_PER_ENI_MAX}: AWS caps groups per "
                "interface times rules per group at 1000; use fewer groups or fewer rules",
            )

    def _check_eni_attachment(self, eni: NetworkInterface) -> None:
        if eni.attachment is None or not eni.attachment.instance_id:
            return
        eid = eni.network_interface_id
        instance_id = eni.attachment.instance_id
        if not self.check_ref(eid, "attachment.instance_id", instance_id, "instances"):
            return
        instance = self.n.instances.get(instance_id)
        if instance is not None and eid not in instance.network_interface_ids:
            self.error(
                eid,
                "attachment.instance_id",
                INCONSISTENT,
                f"{eid} says it is attached to {instance_id}, which does not list it; add {eid} to the "
                "instance's network_interface_ids or clear the attachment",
            )

    # ------------------------------------------------------------------ instances

    def _check_instances(self) -> None:
        for instance in self.n.instances.values():
            iid = instance.instance_id
            if instance.state in GONE_INSTANCE_STATES:
                continue
            self.check_ref(iid, "subnet_id", instance.subnet_id, "subnets")
            subnet = self.n.subnets.get(instance.subnet_id)
            if subnet is not None and subnet.vpc_id != instance.vpc_id:
                self.error(
                    iid,
                    "vpc_id",
                    INCONSISTENT,
                    f"{iid} says it is in {instance.vpc_id} but its subnet {subnet.subnet_id} is in "
                    f"{subnet.vpc_id}; set vpc_id to {subnet.vpc_id}",
                )
            if not instance.network_interface_ids:
                self.error(
                    iid,
                    "network_interface_ids",
                    "MissingParameter",
                    f"{iid} has no network interface; every instance has a primary one (eth0): attach one",
                )
                continue
            zones: dict[str, str] = {}
            for index, eni_id in enumerate(instance.network_interface_ids):
                field = f"network_interface_ids[{index}]"
                if not self.check_ref(iid, field, eni_id, "network_interfaces"):
                    continue
                eni = self.n.network_interfaces.get(eni_id)
                if eni is None:
                    continue
                attached_to = eni.attachment.instance_id if eni.attachment else None
                if attached_to != iid:
                    self.error(
                        iid,
                        field,
                        INCONSISTENT,
                        f"{eni_id} is listed by {iid} but its attachment names {attached_to or 'no instance'}; "
                        f"set the interface's attachment.instance_id to {iid} or drop it from the list",
                    )
                if index == 0 and eni.subnet_id != instance.subnet_id:
                    self.error(
                        iid,
                        "subnet_id",
                        INCONSISTENT,
                        f"{iid} is in {instance.subnet_id} but its primary interface {eni_id} is in "
                        f"{eni.subnet_id}; an instance lives in its primary interface's subnet",
                    )
                zone = self._zone_of(eni)
                if zone is not None:
                    zones[eni_id] = zone
            primary_zone = zones.get(instance.network_interface_ids[0])
            if primary_zone is None:
                continue
            for index, eni_id in enumerate(instance.network_interface_ids[1:], start=1):
                zone = zones.get(eni_id)
                if zone is not None and zone != primary_zone:
                    self.error(
                        iid,
                        f"network_interface_ids[{index}]",
                        "InvalidParameterCombination",
                        f"{eni_id} is in {zone} but {iid} is in {primary_zone}; an instance's interfaces must all "
                        "be in its availability zone (a dual-homed instance uses several subnets of one zone)",
                    )

    def _zone_of(self, eni: NetworkInterface) -> str | None:
        subnet = self.n.subnets.get(eni.subnet_id)
        if subnet is not None and subnet.availability_zone:
            return subnet.availability_zone
        return eni.availability_zone

    # ------------------------------------------------------------------ internet gateways

    def _check_internet_gateways(self) -> None:
        attached: dict[str, list[str]] = defaultdict(list)
        for igw in self.n.internet_gateways.values():
            gid = igw.internet_gateway_id
            active = [(i, a) for i, a in enumerate(igw.attachments) if a.state in ATTACHED_STATES]
            for i, attachment in active:
                self.check_ref(gid, f"attachments[{i}].vpc_id", attachment.vpc_id, "vpcs")
            for i, attachment in active[1:]:
                self.error(
                    gid,
                    f"attachments[{i}].vpc_id",
                    "Resource.AlreadyAssociated",
                    f"{gid} is already attached to {active[0][1].vpc_id}; an internet gateway attaches to one "
                    f"VPC: detach it from {attachment.vpc_id} or use another gateway",
                )
            if active:
                attached[active[0][1].vpc_id].append(gid)
        for vpc_id, gateways in attached.items():
            if len(gateways) < 2:
                continue
            for gid in gateways:
                others = ", ".join(g for g in sorted(gateways) if g != gid)
                index = next(
                    i
                    for i, a in enumerate(self.n.internet_gateways[gid].attachments)
                    if a.state in ATTACHED_STATES
                )
                self.error(
                    gid,
                    f"attachments[{index}].vpc_id",
                    "Resource.AlreadyAssociated",
                    f"{vpc_id} also has {others} attached; a VPC has at most one internet gateway: detach all "
                    "but one",
                )

    # ------------------------------------------------------------------ route tables

    def _check_route_tables(self) -> None:
        mains: dict[str, list[str]] = defaultdict(list)
        associations: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for table in self.n.route_tables.values():
            tid = table.route_table_id
            self.check_ref(tid, "vpc_id", table.vpc_id, "vpcs")
            if table.main:
                mains[table.vpc_id].append(tid)
            for index, subnet_id in enumerate(table.subnet_ids):
                field = f"subnet_ids[{index}]"
                if not self.check_ref(tid, field, subnet_id, "subnets"):
                    continue
                associations[subnet_id].append((tid, index))
                subnet = self.n.subnets.get(subnet_id)
                if subnet is not None and subnet.vpc_id != table.vpc_id:
                    self.error(
                        tid,
                        field,
                        "InvalidParameterValue",
                        f"route table {tid} ({table.vpc_id}) and subnet {subnet_id} ({subnet.vpc_id}) belong to "
                        "different networks; associate a table of the subnet's VPC",
                    )
            for index, gateway_id in enumerate(table.gateway_ids):
                vgw = gateway_collection(gateway_id) == "vpn_gateways"
                collection = "vpn_gateways" if vgw else "internet_gateways"
                self.check_ref(tid, f"gateway_ids[{index}]", gateway_id, collection)
            self._check_routes(table)
        self._exactly_one_per_vpc(mains, "main route table", "MAIN_ROUTE_TABLE", "main", "route tables")
        self._one_association_per_subnet(associations, "route table", "explicitly associated")

    def _check_routes(self, table: RouteTable) -> None:
        tid = table.route_table_id
        vpc_known = table.vpc_id in self.n.vpcs
        blocks = self.vpc_blocks.get(table.vpc_id, [])
        blocks6 = self.vpc_blocks6.get(table.vpc_id, [])
        subnet_nets = self.subnet_nets_of_vpc.get(table.vpc_id, set())
        seen: dict[tuple[str, str], int] = {}
        local_for: dict[str, int] = defaultdict(int)
        for index, route in enumerate(table.routes):
            field = f"routes[{index}]"
            dest_field, dest_key, dest_net = self._route_destination(tid, field, route)
            if dest_field is None:
                continue
            targets = [f for f in ROUTE_TARGET_FIELDS if getattr(route, f)]
            if not targets:
                self.error(
                    tid,
                    field,
                    "MissingParameter",
                    f"the route for {route.destination} has no target; give it one or delete it",
                )
                continue
            if route.origin != "EnableVgwRoutePropagation" and dest_key is not None:
                if dest_key in seen:
                    self.error(
                        tid,
                        f"{field}.{dest_field}",
                        "RouteAlreadyExists",
                        f"routes[{seen[dest_key]}] already has the destination {dest_key[1]}; a table holds one "
                        "static route per destination: delete one",
                    )
                else:
                    seen[dest_key] = index
            replaces_local = self._may_replace_local(route)
            if route.gateway_id == "local":
                if dest_net is not None and dest_net not in blocks and dest_net not in blocks6 and vpc_known:
                    self.error(
                        tid,
                        f"{field}.{dest_field}",
                        "InvalidParameterValue",
                        f"a local route covers one of the VPC's blocks, and {dest_net} is none of "
                        f"{table.vpc_id}'s: route it to a gateway or delete it",
                    )
                elif dest_net is not None:
                    local_for[str(dest_net)] += 1
            elif replaces_local and dest_net is not None and (dest_net in blocks or dest_net in blocks6):
                local_for[str(dest_net)] += 1
            if (
                isinstance(dest_net, ipaddress.IPv4Network)
                and route.gateway_id != "local"
                and route.origin != "EnableVgwRoutePropagation"
            ):
                self._check_more_specific(
                    table, field, dest_field, dest_net, blocks, subnet_nets, replaces_local
                )
            for target_field in targets:
                self._check_target(table, index, route, target_field)
        if vpc_known:
            for block in [*blocks, *blocks6]:
                if local_for.get(str(block), 0) == 0:
                    self.error(
                        tid,
                        "routes",
                        "VPCSIM_LOCAL_ROUTE_MISSING",
                        f"{tid} has no local route for {table.vpc_id}'s block {block}; every route table has "
                        f"one: add {block} -> local",
                    )

    def _route_destination(
        self, tid: str, field: str, route: Route
    ) -> tuple[str | None, tuple[str, str] | None, _Net4 | _Net6 | None]:
        """The destination field, its duplicate key and its parsed block (None for prefix lists)."""
        if route.destination_cidr_block is not None:
            dest_field = "destination_cidr_block"
            net4 = self.cidr4(tid, f"{field}.{dest_field}", route.destination_cidr_block)
            key = str(net4) if net4 is not None else route.destination_cidr_block
            return dest_field, ("ipv4", key), net4
        if route.destination_ipv6_cidr_block is not None:
            dest_field = "destination_ipv6_cidr_block"
            net6 = self.cidr6(tid, f"{field}.{dest_field}", route.destination_ipv6_cidr_block)
            key = str(net6) if net6 is not None else route.destination_ipv6_cidr_block
            return dest_field, ("ipv6", key), net6
        if route.destination_prefix_list_id is not None:
            dest_field = "destination_prefix_list_id"
            self.check_ref(tid, f"{field}.{dest_field}", route.destination_prefix_list_id, "prefix_lists")
            return dest_field, ("pl", route.destination_prefix_list_id), None
        self.error(
            tid,
            field,
            "MissingParameter",
            "the route has no destination; give it a CIDR block or a prefix list",
        )
        return None, None, None

    def _may_replace_local(self, route: Route) -> bool:
        """A NAT gateway, ENI, instance or gateway load-balancer endpoint target (middlebox routing)."""
        if route.nat_gateway_id or route.network_interface_id or route.instance_id:
            return True
        gateway = route.gateway_id or ""
        if gateway_collection(gateway) == "vpc_endpoints":
            endpoint: VpcEndpoint | None = self.n.vpc_endpoints.get(gateway)
            return endpoint is None or endpoint.vpc_endpoint_type == "GatewayLoadBalancer"
        return False

    def _check_more_specific(
        self,
        table: RouteTable,
        field: str,
        dest_field: str,
        dest: _Net4,
        blocks: list[_Net4],
        subnet_nets: set[_Net4],
        replaces_local: bool,
    ) -> None:
        for block in blocks:
            if not dest.subnet_of(block):
                continue
            if dest == block and replaces_local:
                return
            if dest != block and replaces_local and dest in subnet_nets:
                return
            self.error(
                table.route_table_id,
                f"{field}.{dest_field}",
                "InvalidParameterValue",
                f"the destination {dest} is equal to or more specific than {table.vpc_id}'s block {block}; such "
                "a route must name a whole subnet's block (or the VPC block) and target a NAT gateway, network "
                "interface or gateway load-balancer endpoint: change the destination or the target",
            )
            return

    def _check_target(self, table: RouteTable, index: int, route: Route, target_field: str) -> None:
        tid = table.route_table_id
        field = f"routes[{index}].{target_field}"
        ref: str = getattr(route, target_field)
        if ref == "local" and target_field == "gateway_id":
            return
        if target_field == "gateway_id":
            collection = gateway_collection(ref)
            if collection is None:
                self.error(
                    tid,
                    field,
                    "InvalidParameterValue",
                    f"{ref!r} is not a gateway vpcsim knows (local, igw-, vgw-, vpce-); check the target",
                )
                return
        else:
            collection = field_collection(target_field)
        blackhole = route.state == "blackhole"
        if not self.exists(ref, collection):
            if blackhole:
                self.warning(
                    tid,
                    field,
                    DANGLING,
                    f"the route for {route.destination} is a blackhole: its target {ref} is gone; delete the "
                    "route or recreate the target",
                )
            else:
                self.check_ref(tid, field, ref, collection)
            return
        vpc_id = table.vpc_id
        resource = getattr(self.n, collection).get(ref)
        different = (
            f"route table {tid} ({vpc_id}) and {_KIND_NAMES[collection]} {ref} belong to different networks; "
            f"use a target of {vpc_id}"
        )
        if collection == "internet_gateways" and resource is not None:
            attached = self.n.internet_gateways[ref].attached_vpc_id
            if attached != vpc_id:
                where = f"attached to {attached}" if attached else "detached"
                self.warning(
                    tid,
                    field,
                    "VPCSIM_GATEWAY_NOT_ATTACHED",
                    f"{ref} is {where}, not attached to {vpc_id}: the route drops its traffic; attach the "
                    "gateway to the VPC or point the route elsewhere",
                )
        elif collection == "vpn_gateways" and resource is not None:
            if vpc_id not in self.n.vpn_gateways[ref].vpc_ids:
                self.warning(
                    tid,
                    field,
                    "VPCSIM_GATEWAY_NOT_ATTACHED",
                    f"{ref} is not attached to {vpc_id}: the route drops its traffic; attach the gateway or "
                    "point the route elsewhere",
                )
        elif collection == "egress_only_internet_gateways" and resource is not None:
            eigw_vpc = self.n.egress_only_internet_gateways[ref].vpc_id
            if eigw_vpc != vpc_id:
                self.warning(
                    tid,
                    field,
                    "VPCSIM_GATEWAY_NOT_ATTACHED",
                    f"{ref} is attached to {eigw_vpc or 'no VPC'}, not {vpc_id}: the route drops its traffic",
                )
        elif collection == "nat_gateways" and resource is not None:
            if self.n.nat_gateways[ref].vpc_id != vpc_id:
                self.error(tid, field, "InvalidParameterValue", different)
        elif collection == "network_interfaces" and resource is not None:
            if self.n.network_interfaces[ref].vpc_id != vpc_id:
                self.error(tid, field, "InvalidParameterValue", different)
        elif collection == "vpc_endpoints" and resource is not None:
            if self.n.vpc_endpoints[ref].vpc_id != vpc_id:
                self.error(tid, field, "InvalidParameterValue", different)
        elif collection == "vpc_peering_connections" and resource is not None:
            if self.n.vpc_peering_connections[ref].peer_of(vpc_id) is None:
                self.error(
                    tid,
                    field,
                    "InvalidParameterValue",
                    f"{ref} does not join {vpc_id}; a route may only use a peering connection of its own VPC",
                )
        elif collection == "instances" and resource is not None:
            instance = self.n.instances[ref]
            count = len(instance.network_interface_ids)
            if count != 1 and instance.state not in GONE_INSTANCE_STATES:
                self.error(
                    tid,
                    field,
                    "InvalidInstanceID",
                    f"instance {ref} has {count} network interfaces; a route may target an instance only if it "
                    "has exactly one: target one of its interfaces instead",
                )

    # ------------------------------------------------------------------ network ACLs

    def _check_network_acls(self) -> None:
        defaults: dict[str, list[str]] = defaultdict(list)
        associations: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for acl in self.n.network_acls.values():
            aid = acl.network_acl_id
            self.check_ref(aid, "vpc_id", acl.vpc_id, "vpcs")
            if acl.is_default:
                defaults[acl.vpc_id].append(aid)
            seen: dict[tuple[bool, int], int] = {}
            for index, entry in enumerate(acl.entries):
                self._check_acl_entry(acl, index, entry, seen)
            for index, subnet_id in enumerate(acl.subnet_ids):
                field = f"subnet_ids[{index}]"
                if not self.check_ref(aid, field, subnet_id, "subnets"):
                    continue
                associations[subnet_id].append((aid, index))
                subnet = self.n.subnets.get(subnet_id)
                if subnet is not None and subnet.vpc_id != acl.vpc_id:
                    self.error(
                        aid,
                        field,
                        "InvalidParameterValue",
                        f"network ACL {aid} ({acl.vpc_id}) and subnet {subnet_id} ({subnet.vpc_id}) belong to "
                        "different networks; associate an ACL of the subnet's VPC",
                    )
        self._exactly_one_per_vpc(
            defaults, "default network ACL", "DEFAULT_NETWORK_ACL", "is_default", "ACLs"
        )
        self._one_association_per_subnet(associations, "network ACL", "associated")

    def _exactly_one_per_vpc(
        self, marked: dict[str, list[str]], what: str, code: str, flag: str, plural: str
    ) -> None:
        """Each VPC has exactly one resource with ``flag`` set (its main route table, its default ACL)."""
        adjective = what.split()[0]
        for vpc_id in self.n.vpcs:
            found = sorted(marked.get(vpc_id, []))
            if not found:
                self.error(
                    vpc_id,
                    "",
                    f"VPCSIM_{code}_MISSING",
                    f"{vpc_id} has no {what}; mark exactly one of its {plural} {adjective} (subnets "
                    "without an explicit association use it)",
                )
            elif len(found) > 1:
                for rid in found:
                    others = ", ".join(r for r in found if r != rid)
                    self.error(
                        rid,
                        flag,
                        f"VPCSIM_{code}_DUPLICATE",
                        f"{vpc_id} has several {what}s ({rid}, {others}); exactly one is {adjective}: "
                        f"clear {flag} on the others",
                    )

    def _one_association_per_subnet(
        self, associations: dict[str, list[tuple[str, int]]], what: str, how: str
    ) -> None:
        """A subnet is associated with one route table and one network ACL at most."""
        for subnet_id, holders in associations.items():
            if len(holders) < 2:
                continue
            for rid, index in holders:
                others = ", ".join(sorted(r for r, _ in holders if r != rid))
                self.error(
                    rid,
                    f"subnet_ids[{index}]",
                    "Resource.AlreadyAssociated",
                    f"subnet {subnet_id} is also {how} with {others}; a subnet has exactly one {what}: "
                    "keep one association",
                )

    def _check_acl_entry(
        self, acl: NetworkAcl, index: int, entry: NetworkAclEntry, seen: dict[tuple[bool, int], int]
    ) -> None:
        aid = acl.network_acl_id
        field = f"entries[{index}]"
        direction = "outbound" if entry.egress else "inbound"
        number = entry.rule_number
        star = number == (NACL_STAR_IPV6 if entry.ipv6_cidr_block is not None else NACL_STAR_IPV4)
        if not star and not 1 <= number <= NACL_RULE_MAX:
            self.error(
                aid,
                f"{field}.rule_number",
                "InvalidParameterValue",
                f"rule number {number} is outside 1-{NACL_RULE_MAX} (the * rule is {NACL_STAR_IPV4} for IPv4, "
                f"{NACL_STAR_IPV6} for IPv6); renumber it",
            )
        key = (entry.egress, number)
        if key in seen:
            self.error(
                aid,
                f"{field}.rule_number",
                "NetworkAclEntryAlreadyExists",
                f"entries[{seen[key]}] is already {direction} rule {number}; rule numbers are unique per "
                "direction: renumber one",
            )
        else:
            seen[key] = index
        if star and (entry.rule_action != "deny" or entry.protocol != "-1"):
            self.error(
                aid,
                f"{field}.rule_action",
                "InvalidParameterValue",
                f"the * rule ({number}) denies all traffic and cannot be changed; use a rule number below it",
            )
        if entry.cidr_block is not None and entry.ipv6_cidr_block is not None:
            self.error(
                aid,
                field,
                "InvalidParameterCombination",
                "an entry names either cidr_block or ipv6_cidr_block, not both",
            )
        elif entry.cidr_block is not None:
            self.cidr4(aid, f"{field}.cidr_block", entry.cidr_block)
        elif entry.ipv6_cidr_block is not None:
            self.cidr6(aid, f"{field}.ipv6_cidr_block", entry.ipv6_cidr_block)
        else:
            self.error(
                aid,
                field,
                "MissingParameter",
                "the entry has no CIDR block; give it cidr_block or ipv6_cidr_block",
            )
        try:
            protocol = protocol_number(entry.protocol)
        except ValueError:
            self.error(
                aid,
                f"{field}.protocol",
                "InvalidParameterValue",
                f"protocol {entry.protocol!r} is not -1 or a number 0-255",
            )
            return
        if protocol in (6, 17):
            name = "tcp" if protocol == 6 else "udp"
            if entry.port_range is None:
                self.error(
                    aid,
                    f"{field}.port_range",
                    "MissingParameter",
                    f"a {name} entry needs a port range; give it one (0-65535 for all ports)",
                )
            else:
                low, high = entry.port_range
                if not (0 <= low <= high <= 65535):
                    self.error(
                        aid,
                        f"{field}.port_range",
                        "InvalidParameterValue",
                        f"port range {low}-{high} must satisfy 0 <= from <= to <= 65535",
                    )
        elif protocol == 1:
            if entry.icmp_type_code is None:
                self.error(
                    aid,
                    f"{field}.icmp_type_code",
                    "MissingParameter",
                    "an icmp entry needs an ICMP type and code; give them (-1, -1 for all)",
                )
            elif not all(-1 <= v <= 255 for v in entry.icmp_type_code):
                self.error(
                    aid,
                    f"{field}.icmp_type_code",
                    "InvalidParameterValue",
                    f"ICMP type and code {entry.icmp_type_code} must each be -1 (all) or 0-255",
                )

    # ------------------------------------------------------------------ security groups

    def _check_security_groups(self) -> None:
        for group in self.n.security_groups.values():
            gid = group.group_id
            self.check_ref(gid, "vpc_id", group.vpc_id, "vpcs")
            for direction, rules in (("ingress", group.ingress), ("egress", group.egress)):
                if len(rules) > RULES_PER_GROUP_QUOTA:
                    self.warning(
                        gid,
                        direction,
                        "RulesPerSecurityGroupLimitExceeded",
                        f"{gid} has {len(rules)} {'inbound' if direction == 'ingress' else 'outbound'} rules; the "
                        f"default quota is {RULES_PER_GROUP_QUOTA} per direction: merge rules (a prefix list "
                        "counts as its max entries) or raise the quota",
                    )
                for index, rule in enumerate(rules):
                    self._check_sg_rule(group, f"{direction}[{index}]", rule)

    def _check_sg_rule(self, group: SecurityGroup, field: str, rule: SecurityGroupRule) -> None:
        gid = group.group_id
        try:
            protocol = protocol_number(rule.ip_protocol)
        except ValueError:
            self.error(
                gid,
                f"{field}.ip_protocol",
                "InvalidParameterValue",
                f"protocol {rule.ip_protocol!r} is not -1, tcp, udp, icmp, icmpv6 or a number 0-255",
            )
            protocol = None
        low, high = rule.from_port, rule.to_port
        if protocol in (6, 17) and (low is not None or high is not None):
            if low is None or high is None or not (0 <= low <= high <= 65535):
                self.error(
                    gid,
                    f"{field}.from_port",
                    "InvalidParameterValue",
                    f"ports {low}-{high} must satisfy 0 <= from_port <= to_port <= 65535 (leave both unset for "
                    "all ports)",
                )
        elif protocol in (1, 58):
            for name, value in (("from_port", low), ("to_port", high)):
                if value is not None and not -1 <= value <= 255:
                    what = "type" if name == "from_port" else "code"
                    self.error(
                        gid,
                        f"{field}.{name}",
                        "InvalidParameterValue",
                        f"ICMP {what} {value} must be -1 (all) or 0-255",
                    )
        peers = [
            p for p in (rule.cidr_ipv4, rule.cidr_ipv6, rule.referenced_group_id, rule.prefix_list_id) if p
        ]
        if not peers:
            self.error(
                gid,
                field,
                "MissingParameter",
                "the rule has no peer; give it a CIDR block, a security group or a prefix list",
            )
        elif len(peers) > 1:
            self.error(
                gid,
                field,
                "InvalidParameterCombination",
                f"the rule names several peers ({', '.join(peers)}); split it into one rule per peer",
            )
        if rule.cidr_ipv4 is not None:
            self.cidr4(gid, f"{field}.cidr_ipv4", rule.cidr_ipv4)
        if rule.cidr_ipv6 is not None:
            self.cidr6(gid, f"{field}.cidr_ipv6", rule.cidr_ipv6)
        if rule.prefix_list_id is not None:
            self.check_ref(gid, f"{field}.prefix_list_id", rule.prefix_list_id, "prefix_lists")
        ref = rule.referenced_group_id
        if ref is not None and self.check_ref(gid, f"{field}.referenced_group_id", ref, "security_groups"):
            other = self.n.security_groups.get(ref)
            egress = field.startswith("egress")
            if other is not None and not self.n.group_reference_resolves(group, other, egress=egress):
                missing = self.n.group_reference_transit_gaps(group, other, egress=egress)
                self.warning(
                    gid,
                    f"{field}.referenced_group_id",
                    "VPCSIM_SG_REFERENCE_OUT_OF_REACH",
                    (
                        f"{ref} is in {other.vpc_id}, joined to {group.vpc_id} by a transit gateway, but "
                        f"SecurityGroupReferencingSupport is off on {', '.join(missing)}: the rule matches "
                        "nothing until it is enabled there"
                    )
                    if missing
                    else f"{ref} is in {other.vpc_id} ({other.region}), neither {group.vpc_id} nor a VPC peered "
                    "with it in the same region (nor, for an inbound rule, joined by a transit gateway with "
                    "security group referencing support): the rule matches nothing; reference a group AWS can "
                    "resolve or use a CIDR block",
                )

    # ------------------------------------------------------------------ NAT gateways

    def _check_nat_gateways(self) -> None:
        for nat in self.n.nat_gateways.values():
            if nat.state in INACTIVE_NAT_STATES:
                continue
            nid = nat.nat_gateway_id
            self.check_ref(nid, "subnet_id", nat.subnet_id, "subnets")
            subnet = self.n.subnets.get(nat.subnet_id)
            if subnet is not None and subnet.vpc_id != nat.vpc_id:
                self.error(
                    nid,
                    "vpc_id",
                    INCONSISTENT,
                    f"{nid} says it is in {nat.vpc_id} but its subnet {subnet.subnet_id} is in {subnet.vpc_id}; "
                    f"set vpc_id to {subnet.vpc_id}",
                )
            if nat.connectivity_type == "public":
                self._check_nat_address(nat)
            if nat.network_interface_id is None:
                self.error(
                    nid,
                    "network_interface_id",
                    "MissingParameter",
                    f"{nid} has no network interface; a NAT gateway sends and receives through its own "
                    "requester-managed interface: name it",
                )
            elif self.check_ref(nid, "network_interface_id", nat.network_interface_id, "network_interfaces"):
                eni = self.n.network_interfaces.get(nat.network_interface_id)
                if eni is None:
                    continue
                held = {a.private_ip_address for a in eni.private_ip_addresses}
                if eni.subnet_id != nat.subnet_id or nat.private_ip not in held:
                    self.error(
                        nid,
                        "network_interface_id",
                        INCONSISTENT,
                        f"{eni.network_interface_id} is in {eni.subnet_id} holding {', '.join(sorted(held))}, "
                        f"but {nid} is in {nat.subnet_id} at {nat.private_ip}; make them agree",
                    )

    def _check_nat_address(self, nat: NatGateway) -> None:
        nid = nat.nat_gateway_id
        if nat.allocation_id is None and nat.public_ip is None:
            self.error(
                nid,
                "allocation_id",
                "MissingParameter",
                f"public NAT gateway {nid} has no Elastic IP; allocate one and set allocation_id and public_ip "
                "(or make the gateway private)",
            )
            return
        if nat.public_ip is None:
            self.error(
                nid,
                "public_ip",
                "MissingParameter",
                f"set public_ip to the address of Elastic IP {nat.allocation_id}",
            )
        if nat.allocation_id is not None and self.check_ref(
            nid, "allocation_id", nat.allocation_id, "addresses"
        ):
            eip = self.n.addresses.get(nat.allocation_id)
            if eip is not None and nat.public_ip is not None and eip.public_ip != nat.public_ip:
                self.error(
                    nid,
                    "public_ip",
                    INCONSISTENT,
                    f"{nid} says its public IP is {nat.public_ip} but Elastic IP {nat.allocation_id} is "
                    f"{eip.public_ip}; make them agree",
                )

    # ------------------------------------------------------------------ peering

    def _check_peerings(self) -> None:
        active_pairs: dict[frozenset[str], list[str]] = defaultdict(list)
        for pcx in self.n.vpc_peering_connections.values():
            if pcx.status not in LIVE_PEERING_STATES:
                continue
            pid = pcx.vpc_peering_connection_id
            a, b = pcx.requester.vpc_id, pcx.accepter.vpc_id
            if a == b:
                self.error(
                    pid,
                    "accepter.vpc_id",
                    "InvalidParameterValue",
                    f"{pid} peers {a} with itself; peer two VPCs",
                )
                continue
            if pcx.status == "active":
                active_pairs[frozenset((a, b))].append(pid)
            left = self._peering_blocks(a, pcx.requester.cidr_blocks)
            right = self._peering_blocks(b, pcx.accepter.cidr_blocks)
            clashes = sorted({f"{x} / {y}" for x in left for y in right if x.overlaps(y)})
            if clashes:
                self.error(
                    pid,
                    "accepter.cidr_blocks",
                    "VPCSIM_PEERING_OVERLAP",
                    f"{a} and {b} have overlapping blocks ({'; '.join(clashes)}); AWS fails a peering between "
                    "overlapping VPCs: renumber one of them",
                )
        for pair, found in active_pairs.items():
            if len(found) < 2:
                continue
            for pid in sorted(found):
                others = ", ".join(p for p in sorted(found) if p != pid)
                self.error(
                    pid,
                    "",
                    "VpcPeeringConnectionAlreadyExists",
                    f"{' and '.join(sorted(pair))} are also peered by {others}; two VPCs have at most one active "
                    "peering: delete the extra ones",
                )

    def _peering_blocks(self, vpc_id: str, side_blocks: list[str]) -> list[_Net4]:
        """The VPC's own blocks when it is in the network, else those the peering records."""
        if vpc_id in self.n.vpcs:
            return self.vpc_blocks.get(vpc_id, [])
        return [net for net in map(parse_ipv4_network, side_blocks) if net is not None]

    # ------------------------------------------------------------------ Elastic IPs

    def _check_addresses(self) -> None:
        by_ip: dict[str, list[str]] = defaultdict(list)
        for eip in self.n.addresses.values():
            self._check_address(eip)
            by_ip[eip.public_ip].append(eip.allocation_id)
        for ip, allocations in by_ip.items():
            if len(allocations) < 2:
                continue
            for aid in allocations:
                others = ", ".join(sorted(a for a in allocations if a != aid))
                self.error(
                    aid,
                    "public_ip",
                    "InvalidIPAddress.InUse",
                    f"{ip} is also the address of Elastic IP {others}; public addresses are unique: keep one",
                )

    def _check_address(self, eip: Address) -> None:
        aid = eip.allocation_id
        if parse_ipv4_address(eip.public_ip) is None:
            self.error(aid, "public_ip", "InvalidParameterValue", f"{eip.public_ip!r} is not an IPv4 address")
        if eip.network_interface_id is None:
            return
        if not self.check_ref(aid, "network_interface_id", eip.network_interface_id, "network_interfaces"):
            return
        eni = self.n.network_interfaces.get(eip.network_interface_id)
        if eni is None:
            return
        private = eip.private_ip_address
        if private is None and eni.private_ip_addresses:
            private = eni.private_ip_address
        slot = next((s for s in eni.private_ip_addresses if s.private_ip_address == private), None)
        if slot is None:
            self.error(
                aid,
                "private_ip_address",
                INCONSISTENT,
                f"{aid} is associated with {eni.network_interface_id} at {private}, an address the interface does "
                "not hold; associate it with one of the interface's addresses",
            )
        elif slot.public_ip != eip.public_ip:
            self.error(
                aid,
                "public_ip",
                INCONSISTENT,
                f"{aid} ({eip.public_ip}) is associated with {eni.network_interface_id} {private}, whose public "
                f"IP is {slot.public_ip or 'unset'}; set that address's public_ip to {eip.public_ip} (and "
                f"allocation_id to {aid})",
            )
