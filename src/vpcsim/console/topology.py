"""The network as a tree of boxes for the map: region > VPC > availability zone > subnet >
instance / ENI / NAT gateway, with the gateways each VPC reaches the outside through (internet,
egress-only, virtual private, endpoints, peering, transit) and the links between them.

Only what the model holds, read through the model's own facts (which subnet an ENI sits in,
which VPC a gateway is attached to); no rule of AWS is decided here. Order is deterministic:
children are sorted by kind, then Name tag, then id, so the same network always draws the same.
A subnet with more members than ``collapse_over`` is one counted box until it is expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..model import Instance, NatGateway, Network, NetworkInterface, Resource

#: Leaves drawn inside a subnet before it collapses to a count (unless expanded).
COLLAPSE_OVER = 60

#: The kinds that sit on a VPC's edge (its top border), in drawing order.
EDGE_KINDS = (
    "internet-gateway",
    "egress-only-internet-gateway",
    "vpn-gateway",
    "vpc-endpoint",
    "transit-gateway",
)
#: Order of siblings of different kinds inside one box.
KIND_ORDER = {
    "region": 0,
    "vpc": 1,
    "availability-zone": 2,
    "subnet": 3,
    "nat-gateway": 4,
    "instance": 5,
    "network-interface": 6,
    "collapsed": 7,
    "vpc-peering-connection": 8,
    "transit-gateway": 9,
}


@dataclass
class Node:
    """One box of the map (a container or a leaf) or one gateway on a VPC's edge."""

    id: str
    kind: str
    label: str
    sublabel: str = ""
    children: list[Node] = field(default_factory=list)
    edge: list[Node] = field(default_factory=list)
    """Gateways drawn on this box's top border (VPCs only)."""
    members: tuple[str, ...] = ()
    """Ids this node stands for besides its own (an instance's ENIs, a subnet's route table and
    network ACL). A collapsed subnet's box lists none: :func:`subnets_of` finds them."""
    addresses: tuple[str, ...] = ()
    count: int = 0
    """A collapsed subnet's number of hidden members."""

    def sort_key(self) -> tuple[int, str, str]:
        return (KIND_ORDER.get(self.kind, 99), self.label.lower(), self.id)


@dataclass
class Link:
    id: str
    source: str
    target: str
    kind: str


@dataclass
class Topology:
    roots: list[Node]
    links: list[Link]


def label_of(resource: Resource) -> str:
    """A resource's Name tag, else its id."""
    return resource.name or resource.id


def topology(network: Network, *, expand: Iterable[str] = (), collapse_over: int = COLLAPSE_OVER) -> Topology:
    """The tree of boxes of ``network``; subnets in ``expand`` are never collapsed."""
    expanded = set(expand)
    regions: dict[str, Node] = {}
    vpcs: dict[str, Node] = {}
    azs: dict[tuple[str, str], Node] = {}
    subnets: dict[str, Node] = {}
    links: list[Link] = []

    def region(name: str) -> Node:
        if name not in regions:
            regions[name] = Node(f"region:{name}", "region", name)
        return regions[name]

    for vpc in network.vpcs.values():
        cidrs = ", ".join([vpc.cidr_block, *vpc.secondary_cidr_blocks])
        node = Node(vpc.vpc_id, "vpc", label_of(vpc), f"{vpc.vpc_id}  {cidrs}", addresses=(vpc.cidr_block,))
        vpcs[vpc.vpc_id] = node
        region(vpc.region).children.append(node)
    for subnet in network.subnets.values():
        parent = vpcs.get(subnet.vpc_id)
        if parent is None:
            continue  # validation reports a subnet of no VPC; the map has nowhere to draw it
        key = (subnet.vpc_id, subnet.availability_zone)
        if key not in azs:
            azs[key] = Node(
                f"az:{subnet.vpc_id}:{subnet.availability_zone}",
                "availability-zone",
                subnet.availability_zone,
            )
            parent.children.append(azs[key])
        table = network.route_table_of_subnet(subnet.subnet_id)
        acl = network.network_acl_of_subnet(subnet.subnet_id)
        node = Node(
            subnet.subnet_id,
            "subnet",
            label_of(subnet),
            f"{subnet.subnet_id}  {subnet.cidr_block}",
            members=tuple(x for x in (table.id if table else "", acl.id if acl else "") if x),
            addresses=(subnet.cidr_block,),
        )
        subnets[subnet.subnet_id] = node
        azs[key].children.append(node)

    members = _members(network, subnets)
    for subnet_id, node in subnets.items():
        placed = members.get(subnet_id, [])
        if len(placed) > collapse_over and subnet_id not in expanded:
            # one counted box; no box is built for what it hides, nor are their ids listed
            # (50,000 ENIs: seconds and megabytes saved): :func:`subnets_of` says where an id is
            node.children.append(
                Node(
                    f"collapsed:{subnet_id}",
                    "collapsed",
                    f"{len(placed)} members",
                    "expand to show them",
                    count=len(placed),
                )
            )
        else:
            node.children.extend(_member_node(network, member) for member in placed)
    _place_gateways(network, vpcs, region, links)
    roots = [regions[name] for name in sorted(regions)]
    for root in roots:
        _sort(root)
    links.sort(key=lambda link: link.id)
    return Topology(roots, links)


@dataclass(frozen=True, slots=True)
class _Member:
    """What a subnet holds, before any box is built for it."""

    kind: str
    resource: Resource
    own: tuple[str, ...] = ()
    """The ENIs it stands for (an instance's in its subnet, a NAT gateway's)."""


def _members(network: Network, subnets: dict[str, Node]) -> dict[str, list[_Member]]:
    """Per subnet: its instances (with their ENIs in the same subnet), NAT gateways, and the
    other ENIs."""
    out: dict[str, list[_Member]] = {}
    shown: set[str] = set()
    enis = network.network_interfaces
    for instance in network.instances.values():
        if instance.subnet_id not in subnets:
            continue
        own = tuple(
            eni_id
            for eni_id in instance.network_interface_ids
            if (eni := enis.get(eni_id)) is not None and eni.subnet_id == instance.subnet_id
        )
        out.setdefault(instance.subnet_id, []).append(_Member("instance", instance, own))
        shown.update(own)
    for nat in network.nat_gateways.values():
        if nat.subnet_id not in subnets:
            continue
        own = tuple(e for e in (nat.network_interface_id,) if e)
        out.setdefault(nat.subnet_id, []).append(_Member("nat-gateway", nat, own))
        shown.update(own)
    for eni in enis.values():
        # an instance's, or a NAT gateway's (its network_interface_id), is drawn with it
        if eni.network_interface_id not in shown and eni.subnet_id in subnets:
            out.setdefault(eni.subnet_id, []).append(_Member("network-interface", eni))
    return out


def subnets_of(network: Network, ids: Iterable[str]) -> dict[str, str]:
    """The subnet each of ``ids`` is drawn in (instances, ENIs, NAT gateways; others left out):
    the page finds the box of a member of a collapsed subnet with it."""
    out: dict[str, str] = {}
    for resource_id in ids:
        resource = (
            network.network_interfaces.get(resource_id)
            or network.instances.get(resource_id)
            or network.nat_gateways.get(resource_id)
        )
        if resource is not None:
            out[resource_id] = resource.subnet_id
    return out


def _member_node(network: Network, member: _Member) -> Node:
    resource = member.resource
    if isinstance(resource, Instance):
        addresses = _addresses(network, member.own)
        state = "" if resource.state == "running" else f" ({resource.state})"
        return Node(
            resource.instance_id,
            "instance",
            label_of(resource),
            f"{resource.instance_id}\n{addresses[0] if addresses else ''}{state}".rstrip(),
            members=member.own,
            addresses=addresses,
        )
    if isinstance(resource, NatGateway):
        return Node(
            resource.nat_gateway_id,
            "nat-gateway",
            label_of(resource),
            f"{resource.nat_gateway_id}\n{resource.private_ip}",
            members=member.own,
            addresses=tuple(a for a in (resource.private_ip, resource.public_ip) if a),
        )
    assert isinstance(resource, NetworkInterface)
    addresses = _addresses(network, [resource.network_interface_id])
    owner = (
        resource.attachment.instance_id
        if resource.attachment and resource.attachment.instance_id
        else resource.description
    )
    sub = f"{resource.network_interface_id}\n{addresses[0] if addresses else ''}"
    return Node(
        resource.network_interface_id,
        "network-interface",
        label_of(resource) if resource.name else (owner or resource.network_interface_id),
        sub.rstrip(),
        addresses=addresses,
    )


def _addresses(network: Network, eni_ids: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for eni_id in eni_ids:
        eni = network.network_interfaces.get(eni_id)
        if eni is None:
            continue
        for private in eni.private_ip_addresses:
            out.append(private.private_ip_address)
            if private.public_ip:
                out.append(private.public_ip)
    return tuple(out)


def _place_gateways(
    network: Network, vpcs: dict[str, Node], region: Callable[[str], Node], links: list[Link]
) -> None:
    """Gateways on the edges of the VPCs they serve; peering and transit between VPCs."""
    for igw in network.internet_gateways.values():
        vpc_id = igw.attached_vpc_id
        if vpc_id in vpcs:
            assert vpc_id is not None
            vpcs[vpc_id].edge.append(
                Node(igw.internet_gateway_id, "internet-gateway", label_of(igw), igw.internet_gateway_id)
            )
            links.append(Link(f"link:internet:{igw.id}", "internet", igw.id, "internet"))
    for eigw in network.egress_only_internet_gateways.values():
        if eigw.vpc_id in vpcs:
            vpcs[eigw.vpc_id].edge.append(
                Node(eigw.id, "egress-only-internet-gateway", label_of(eigw), eigw.id)
            )
    for vgw in network.vpn_gateways.values():
        for vpc_id in vgw.vpc_ids:
            if vpc_id in vpcs:
                vpcs[vpc_id].edge.append(Node(vgw.id, "vpn-gateway", label_of(vgw), vgw.id))
                break
    for endpoint in network.vpc_endpoints.values():
        if endpoint.vpc_id in vpcs:
            service = endpoint.service_name.rsplit(".", 1)[-1]
            vpcs[endpoint.vpc_id].edge.append(
                Node(
                    endpoint.id, "vpc-endpoint", label_of(endpoint) if endpoint.name else service, endpoint.id
                )
            )
    for pcx in network.vpc_peering_connections.values():
        ends = [pcx.requester.vpc_id, pcx.accepter.vpc_id]
        home = region(pcx.requester.region)
        home.children.append(Node(pcx.id, "vpc-peering-connection", label_of(pcx), f"{pcx.id}  {pcx.status}"))
        for end in ends:
            if end in vpcs:
                links.append(Link(f"link:{pcx.id}:{end}", pcx.id, end, "peering"))
    for tgw in network.transit_gateways.values():
        home = region(tgw.region)
        home.children.append(Node(tgw.id, "transit-gateway", label_of(tgw), tgw.id))
        for vpc_id in tgw.vpc_ids:
            if vpc_id in vpcs:
                links.append(Link(f"link:{tgw.id}:{vpc_id}", tgw.id, vpc_id, "transit"))
    for vpc_node in vpcs.values():
        for gateway in vpc_node.edge:
            if gateway.kind != "internet-gateway":
                links.append(Link(f"link:{gateway.id}:{vpc_node.id}", gateway.id, vpc_node.id, "attachment"))


def _sort(node: Node) -> None:
    node.children.sort(key=Node.sort_key)
    node.edge.sort(key=lambda n: (EDGE_KINDS.index(n.kind), n.label.lower(), n.id))
    for child in node.children:
        _sort(child)
