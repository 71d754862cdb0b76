"""The resources of an AWS VPC network, as plain data.

Field names follow the EC2 API (``describe-*`` output) in snake case, so that importers,
exporters and users can map them one to one onto AWS's documentation and console. Every
resource carries the account (``owner_id``) and ``region`` it lives in.

These classes hold data only: no network semantics live here (see :mod:`vpcsim.engine`).
Mutate them through :class:`vpcsim.model.network.Network`'s methods, or call
``network.touch()`` after editing a field directly, so that indexes and compiled rules are
rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

AddressFamily = Literal["ipv4", "ipv6"]


@dataclass(kw_only=True, slots=True)
class Resource:
    """Common fields: the account and region a resource belongs to, and its tags."""

    owner_id: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @property
    def name(self) -> str | None:
        return self.tags.get("Name")


@dataclass(kw_only=True, slots=True)
class Vpc(Resource):
    vpc_id: str
    cidr_block: str
    """The primary IPv4 block."""
    secondary_cidr_blocks: list[str] = field(default_factory=list)
    ipv6_cidr_blocks: list[str] = field(default_factory=list)
    is_default: bool = False
    state: str = "available"

    @property
    def id(self) -> str:
        return self.vpc_id

    @property
    def cidr_blocks(self) -> list[str]:
        """All IPv4 blocks, primary first."""
        return [self.cidr_block, *self.secondary_cidr_blocks]


@dataclass(kw_only=True, slots=True)
class Subnet(Resource):
    subnet_id: str
    vpc_id: str
    cidr_block: str
    availability_zone: str
    ipv6_cidr_block: str | None = None
    """The subnet's IPv6 block (at most one; a /64 in the common case)."""
    map_public_ip_on_launch: bool = False
    default_for_az: bool = False
    state: str = "available"
    assign_ipv6_address_on_creation: bool = False
    """``AssignIpv6AddressOnCreation``: new ENIs get an IPv6 address."""
    ipv6_native: bool = False
    """``Ipv6Native``: an IPv6-only subnet. It has no IPv4 block (``cidr_block`` is empty), and its
    ENIs hold no IPv4 address."""

    @property
    def id(self) -> str:
        return self.subnet_id


RouteOrigin = Literal["CreateRouteTable", "CreateRoute", "EnableVgwRoutePropagation"]
RouteState = Literal["active", "blackhole"]


@dataclass(kw_only=True, slots=True)
class Route:
    """One route. Exactly one destination field and one target field are set."""

    destination_cidr_block: str | None = None
    destination_ipv6_cidr_block: str | None = None
    destination_prefix_list_id: str | None = None
    gateway_id: str | None = None
    """``local``, an internet gateway, a virtual private gateway or a gateway VPC endpoint."""
    nat_gateway_id: str | None = None
    network_interface_id: str | None = None
    instance_id: str | None = None
    vpc_peering_connection_id: str | None = None
    transit_gateway_id: str | None = None
    egress_only_internet_gateway_id: str | None = None
    origin: RouteOrigin = "CreateRoute"
    state: RouteState = "active"
    """The state as read (AWS's). The engine also derives blackholes from the target's state."""

    @property
    def destination(self) -> str:
        return (
            self.destination_cidr_block
            or self.destination_ipv6_cidr_block
            or self.destination_prefix_list_id
            or ""
        )

    @property
    def target(self) -> str:
        return (
            self.gateway_id
            or self.nat_gateway_id
            or self.network_interface_id
            or self.instance_id
            or self.vpc_peering_connection_id
            or self.transit_gateway_id
            or self.egress_only_internet_gateway_id
            or ""
        )

    @property
    def address_family(self) -> AddressFamily:
        if self.destination_ipv6_cidr_block is not None:
            return "ipv6"
        return "ipv4"


@dataclass(kw_only=True, slots=True)
class RouteTable(Resource):
    route_table_id: str
    vpc_id: str
    routes: list[Route] = field(default_factory=list)
    subnet_ids: list[str] = field(default_factory=list)
    """Explicit subnet associations."""
    main: bool = False
    gateway_ids: list[str] = field(default_factory=list)
    """Edge associations (internet or virtual private gateways): a gateway route table."""

    @property
    def id(self) -> str:
        return self.route_table_id


@dataclass(kw_only=True, slots=True)
class InternetGatewayAttachment:
    vpc_id: str
    state: str = "available"
    """AWS reports an attached internet gateway as ``available``; ``attaching``/``detaching``/
    ``detached`` are not functional."""


@dataclass(kw_only=True, slots=True)
class InternetGateway(Resource):
    internet_gateway_id: str
    attachments: list[InternetGatewayAttachment] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.internet_gateway_id

    @property
    def attached_vpc_id(self) -> str | None:
        for attachment in self.attachments:
            if attachment.state in ("available", "attached"):
                return attachment.vpc_id
        return None


@dataclass(kw_only=True, slots=True)
class EgressOnlyInternetGateway(Resource):
    egress_only_internet_gateway_id: str
    vpc_id: str | None = None

    @property
    def id(self) -> str:
        return self.egress_only_internet_gateway_id


@dataclass(kw_only=True, slots=True)
class NatGateway(Resource):
    nat_gateway_id: str
    subnet_id: str
    vpc_id: str
    private_ip: str
    connectivity_type: Literal["public", "private"] = "public"
    allocation_id: str | None = None
    public_ip: str | None = None
    network_interface_id: str | None = None
    state: str = "available"

    @property
    def id(self) -> str:
        return self.nat_gateway_id


@dataclass(kw_only=True, slots=True)
class NetworkAclEntry:
    rule_number: int
    protocol: str
    """``-1`` for all, otherwise the protocol number as a string (``6`` tcp, ``17`` udp, ``1`` icmp)."""
    rule_action: Literal["allow", "deny"]
    egress: bool
    cidr_block: str | None = None
    ipv6_cidr_block: str | None = None
    port_range: tuple[int, int] | None = None
    icmp_type_code: tuple[int, int] | None = None
    """ICMP (type, code); -1 means any."""


@dataclass(kw_only=True, slots=True)
class NetworkAcl(Resource):
    network_acl_id: str
    vpc_id: str
    is_default: bool = False
    entries: list[NetworkAclEntry] = field(default_factory=list)
    subnet_ids: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.network_acl_id


@dataclass(kw_only=True, slots=True)
class SecurityGroupRule:
    """One rule: a protocol, a port range and exactly one peer."""

    ip_protocol: str
    """``-1`` (all), ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or a protocol number."""
    from_port: int | None = None
    """Start of the port range; for ICMP the type (-1 any). None means all."""
    to_port: int | None = None
    """End of the port range; for ICMP the code (-1 any). None means all."""
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    referenced_group_id: str | None = None
    prefix_list_id: str | None = None
    description: str | None = None
    security_group_rule_id: str | None = None

    @property
    def peer(self) -> str:
        return self.cidr_ipv4 or self.cidr_ipv6 or self.referenced_group_id or self.prefix_list_id or ""


@dataclass(kw_only=True, slots=True)
class SecurityGroup(Resource):
    group_id: str
    group_name: str
    vpc_id: str
    description: str = ""
    ingress: list[SecurityGroupRule] = field(default_factory=list)
    egress: list[SecurityGroupRule] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.group_id


@dataclass(kw_only=True, slots=True)
class PrefixListEntry:
    cidr: str
    description: str | None = None


@dataclass(kw_only=True, slots=True)
class ManagedPrefixList(Resource):
    prefix_list_id: str
    prefix_list_name: str
    address_family: Literal["IPv4", "IPv6"] = "IPv4"
    entries: list[PrefixListEntry] = field(default_factory=list)
    max_entries: int = 10
    aws_managed: bool = False
    """An AWS-managed list (S3, DynamoDB, ...): its entries may be absent from a dump."""

    @property
    def id(self) -> str:
        return self.prefix_list_id


@dataclass(kw_only=True, slots=True)
class PrivateIpAddress:
    private_ip_address: str
    primary: bool = False
    public_ip: str | None = None
    """A public IPv4: auto-assigned, or an Elastic IP's address."""
    allocation_id: str | None = None
    """The Elastic IP allocation behind ``public_ip``, when it is one."""


@dataclass(kw_only=True, slots=True)
class NetworkInterfaceAttachment:
    instance_id: str | None = None
    device_index: int = 0
    status: str = "attached"


@dataclass(kw_only=True, slots=True)
class NetworkInterface(Resource):
    network_interface_id: str
    subnet_id: str
    vpc_id: str
    private_ip_addresses: list[PrivateIpAddress] = field(default_factory=list)
    ipv6_addresses: list[str] = field(default_factory=list)
    """Its IPv6 addresses (global unicast: what the internet sees; no NAT, no public pair)."""
    ipv6_prefixes: list[str] = field(default_factory=list)
    """Delegated IPv6 prefixes (``Ipv6Prefixes``): every address in them is the ENI's own."""
    groups: list[str] = field(default_factory=list)
    source_dest_check: bool = True
    attachment: NetworkInterfaceAttachment | None = None
    interface_type: str = "interface"
    """``interface`` (an instance's), ``nat_gateway``, ``vpc_endpoint``, ``network_load_balancer``..."""
    description: str = ""
    availability_zone: str | None = None
    status: str = "in-use"

    @property
    def id(self) -> str:
        return self.network_interface_id

    @property
    def private_ip_address(self) -> str:
        """The primary private IPv4 address."""
        for address in self.private_ip_addresses:
            if address.primary:
                return address.private_ip_address
        return self.private_ip_addresses[0].private_ip_address

    @property
    def public_ip(self) -> str | None:
        """The public IPv4 of the primary private address, if any."""
        for address in self.private_ip_addresses:
            if address.primary:
                return address.public_ip
        return None


@dataclass(kw_only=True, slots=True)
class Instance(Resource):
    instance_id: str
    subnet_id: str
    vpc_id: str
    network_interface_ids: list[str] = field(default_factory=list)
    """ENIs in device-index order: the first is the primary (eth0)."""
    state: str = "running"
    instance_type: str = "t3.micro"
    image_id: str | None = None
    http_protocol_ipv6: bool = False
    """``MetadataOptions.HttpProtocolIpv6``: the metadata service answers at ``fd00:ec2::254``."""

    @property
    def id(self) -> str:
        return self.instance_id


@dataclass(kw_only=True, slots=True)
class Address(Resource):
    """An Elastic IP."""

    allocation_id: str
    public_ip: str
    association_id: str | None = None
    network_interface_id: str | None = None
    private_ip_address: str | None = None
    instance_id: str | None = None
    domain: str = "vpc"

    @property
    def id(self) -> str:
        return self.allocation_id


@dataclass(kw_only=True, slots=True)
class VpcPeeringSide:
    vpc_id: str
    owner_id: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    cidr_blocks: list[str] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class VpcPeeringConnection(Resource):
    vpc_peering_connection_id: str
    requester: VpcPeeringSide
    accepter: VpcPeeringSide
    status: str = "active"
    """``pending-acceptance``, ``active``, ``rejected``, ``deleted``, ..."""

    @property
    def id(self) -> str:
        return self.vpc_peering_connection_id

    def peer_of(self, vpc_id: str) -> str | None:
        if self.requester.vpc_id == vpc_id:
            return self.accepter.vpc_id
        if self.accepter.vpc_id == vpc_id:
            return self.requester.vpc_id
        return None


@dataclass(kw_only=True, slots=True)
class VpnGateway(Resource):
    """A virtual private gateway: what lies behind it (VPN, Direct Connect) is not modelled."""

    vpn_gateway_id: str
    vpc_ids: list[str] = field(default_factory=list)
    state: str = "available"

    @property
    def id(self) -> str:
        return self.vpn_gateway_id


@dataclass(kw_only=True, slots=True)
class TransitGateway(Resource):
    """A transit gateway: a regional router between its attachments
    (:class:`TransitGatewayAttachment`), which route through its route tables
    (:class:`TransitGatewayRouteTable`).

    A transit gateway described by no attachment (an input that names only the VPCs it is
    attached to, ``vpc_ids``) is a route target beyond which the network is unknown."""

    transit_gateway_id: str
    state: str = "available"
    vpc_ids: list[str] = field(default_factory=list)
    """VPCs attached to it when the input describes no attachment (their routing is unknown)."""
    default_route_table_association: bool = True
    """``Options.DefaultRouteTableAssociation``: new attachments are associated with
    ``association_default_route_table_id``."""
    default_route_table_propagation: bool = True
    """``Options.DefaultRouteTablePropagation``: new attachments propagate into
    ``propagation_default_route_table_id``."""
    association_default_route_table_id: str | None = None
    propagation_default_route_table_id: str | None = None
    amazon_side_asn: int = 64512
    security_group_referencing_support: bool = False
    """``Options.SecurityGroupReferencingSupport`` (default disable): with it, an inbound rule may
    reference a group of another VPC attached to the gateway."""

    @property
    def id(self) -> str:
        return self.transit_gateway_id


TransitGatewayAttachmentType = Literal[
    "vpc",
    "vpn",
    "vpn-concentrator",
    "direct-connect-gateway",
    "connect",
    "peering",
    "network-function",
    "client-vpn",
    "tgw-peering",
]


@dataclass(kw_only=True, slots=True)
class TransitGatewayAttachment(Resource):
    """An attachment of a transit gateway (``tgw-attach-``): a VPC (one subnet per zone, where
    the gateway puts an ENI), a peering with another transit gateway, a VPN, a Direct Connect
    gateway... Only ``available`` attachments forward."""

    transit_gateway_attachment_id: str
    transit_gateway_id: str
    resource_type: TransitGatewayAttachmentType = "vpc"
    resource_id: str = ""
    """The VPC (``vpc-``), VPN connection (``vpn-``), Direct Connect gateway...; for a peering,
    the peer transit gateway."""
    state: str = "available"
    subnet_ids: list[str] = field(default_factory=list)
    """A VPC attachment's subnets, at most one per Availability Zone."""
    appliance_mode_support: bool = False
    """``Options.ApplianceModeSupport`` of a VPC attachment."""
    security_group_referencing_support: bool = True
    """``Options.SecurityGroupReferencingSupport`` of a VPC attachment (default enable)."""
    peer_transit_gateway_id: str | None = None
    """A peering attachment's other transit gateway (the accepter's, seen from the requester)."""
    peer_region: str | None = None
    peer_owner_id: str | None = None

    @property
    def id(self) -> str:
        return self.transit_gateway_attachment_id

    def transit_gateway_ids(self) -> tuple[str, ...]:
        """The transit gateways the attachment belongs to (two for a peering)."""
        if self.peer_transit_gateway_id:
            return (self.transit_gateway_id, self.peer_transit_gateway_id)
        return (self.transit_gateway_id,)


@dataclass(kw_only=True, slots=True)
class TransitGatewayRoute:
    """A route of a transit gateway route table: static (or blackhole), or propagated as read
    (BGP routes of a VPN; a VPC's propagated routes are derived from its attachment)."""

    destination_cidr_block: str | None = None
    prefix_list_id: str | None = None
    transit_gateway_attachment_id: str | None = None
    blackhole: bool = False
    type: Literal["static", "propagated"] = "static"
    state: str = "active"
    """``active``, ``blackhole``, ``pending``, ``deleting``, ``deleted``."""

    @property
    def destination(self) -> str:
        return self.destination_cidr_block or self.prefix_list_id or ""


@dataclass(kw_only=True, slots=True)
class TransitGatewayRouteTable(Resource):
    """A transit gateway route table (``tgw-rtb-``): it routes every packet that arrives from an
    attachment associated with it; attachments propagate their routes into it."""

    transit_gateway_route_table_id: str
    transit_gateway_id: str
    routes: list[TransitGatewayRoute] = field(default_factory=list)
    associations: list[str] = field(default_factory=list)
    """Attachments associated with the table (an attachment is associated with one table)."""
    propagations: list[str] = field(default_factory=list)
    """Attachments that propagate their routes into the table."""
    default_association_route_table: bool = False
    default_propagation_route_table: bool = False
    state: str = "available"

    @property
    def id(self) -> str:
        return self.transit_gateway_route_table_id


@dataclass(kw_only=True, slots=True)
class VpcEndpoint(Resource):
    vpc_endpoint_id: str
    vpc_id: str
    service_name: str
    vpc_endpoint_type: Literal["Gateway", "Interface", "GatewayLoadBalancer"] = "Gateway"
    route_table_ids: list[str] = field(default_factory=list)
    prefix_list_id: str | None = None
    state: str = "available"
    subnet_ids: list[str] = field(default_factory=list)
    """An interface endpoint's subnets (one ENI each, at most one per zone)."""
    group_ids: list[str] = field(default_factory=list)
    """An interface endpoint's security groups (``Groups``)."""
    network_interface_ids: list[str] = field(default_factory=list)
    """An interface endpoint's ENIs."""

    @property
    def id(self) -> str:
        return self.vpc_endpoint_id


@dataclass(kw_only=True, slots=True)
class UnknownResource(Resource):
    """A component that the input references but does not describe.

    Importers create these (never the user's own spec) so that a trace crossing one answers
    ``unknown`` instead of guessing.
    """

    resource_id: str
    resource_type: str
    reason: str
    referenced_by: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.resource_id
