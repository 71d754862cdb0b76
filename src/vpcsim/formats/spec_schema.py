"""The YAML network spec as pydantic models: what keys exist, their types, and their syntax.

Why pydantic: the same models give strict checking (``extra="forbid"``, no type coercion) with
every error's key path, and the JSON Schema that editors use for completion
(:func:`spec_json_schema`). The docstring under each field is its description in that schema.

These models check each value on its own (a CIDR is a CIDR, a rule reads as a rule). Everything
that needs the whole file -- names that must resolve, addresses inside their subnet -- is checked
by :mod:`vpcsim.formats.spec` and :func:`vpcsim.model.validate`.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from .spec_rules import RuleSyntaxError, parse_nacl_rule, parse_sg_rule

SPEC_VERSION = 1

# --------------------------------------------------------------------------- value types


def _fail(code: str, message: str) -> PydanticCustomError:
    """An error whose type is its AWS (or ``VPCSIM_``) code; the message is final text."""
    return PydanticCustomError(code, "{message}", {"message": message})


def _check_name(value: str) -> str:
    if not value or value != value.strip():
        raise _fail(
            "VPCSIM_SPEC_NAME",
            f"{value!r} is not a usable name: names are non-empty and have no leading or trailing spaces",
        )
    return value


def _check_cidr4(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise _fail(
            "InvalidParameterValue", f"{value!r} is not an IPv4 CIDR block; write one like 10.0.0.0/16"
        ) from None
    _check_block_text(value, str(net), str(net.network_address) != value.split("/")[0])
    return value


def _check_cidr6(value: str) -> str:
    try:
        net = ipaddress.IPv6Network(value, strict=False)
    except ValueError:
        raise _fail(
            "InvalidParameterValue",
            f"{value!r} is not an IPv6 CIDR block; write one like 2001:db8:1234:1a00::/56",
        ) from None
    host_bits = net.network_address != ipaddress.IPv6Address(value.split("/")[0])
    _check_block_text(value, str(net), host_bits, canonical_text=False)
    return value


def _check_block_text(value: str, fixed: str, host_bits: bool, *, canonical_text: bool = True) -> None:
    """A block is written with its prefix length, without host bits (and, for IPv4, as AWS prints it)."""
    if "/" not in value:
        raise _fail("InvalidParameterValue", f"{value!r} has no prefix length; write a block like {fixed}")
    if host_bits:
        raise _fail("InvalidParameterValue", f"{value!r} has host bits set; write the block as {fixed}")
    if canonical_text and value != fixed:
        raise _fail("InvalidParameterValue", f"write {value!r} as {fixed}")


def _check_cidr_any(value: str) -> str:
    return _check_cidr6(value) if ":" in value else _check_cidr4(value)


def _check_ipv4(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise _fail(
            "InvalidParameterValue", f"{value!r} is not an IPv4 address; write one like 10.0.1.10"
        ) from None
    return value


def _check_ipv6(value: str) -> str:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        raise _fail("InvalidParameterValue", f"{value!r} is not an IPv6 address") from None
    return value


def _check_account(value: str) -> str:
    if len(value) != 12 or not value.isdigit():
        raise _fail(
            "VPCSIM_SPEC_VALUE",
            f'{value!r} is not an AWS account id: write 12 digits in quotes, like "123456789012"',
        )
    return value


def _check_sg_rule(value: str) -> str:
    try:
        parse_sg_rule(value)
    except RuleSyntaxError as exc:
        raise _fail("VPCSIM_SPEC_RULE", str(exc)) from None
    return value


def _check_nacl_rule(value: str) -> str:
    try:
        parse_nacl_rule(value)
    except RuleSyntaxError as exc:
        raise _fail("VPCSIM_SPEC_RULE", str(exc)) from None
    return value


def _check_rule_number(value: int) -> int:
    if not 1 <= value <= 32766:
        raise _fail(
            "InvalidParameterValue",
            f"rule number {value} is outside 1-32766 (the `*` rules 32767/32768 are implicit)",
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]
Cidr4 = Annotated[str, AfterValidator(_check_cidr4), Field(examples=["10.0.0.0/16"])]
Cidr6 = Annotated[str, AfterValidator(_check_cidr6)]
Cidr = Annotated[str, AfterValidator(_check_cidr_any)]
IPv4 = Annotated[str, AfterValidator(_check_ipv4), Field(examples=["10.0.1.10"])]
IPv6 = Annotated[str, AfterValidator(_check_ipv6)]
Account = Annotated[str, AfterValidator(_check_account), Field(examples=["123456789012"])]
SgRuleText = Annotated[
    str, AfterValidator(_check_sg_rule), Field(examples=["tcp 22 from 0.0.0.0/0", "all from internal"])
]
NaclRuleText = Annotated[
    str, AfterValidator(_check_nacl_rule), Field(examples=["allow tcp 22 from 0.0.0.0/0"])
]
RuleNumber = Annotated[int, AfterValidator(_check_rule_number)]
Tags = dict[str, str]


def _text_or_mapping(value: Any) -> str:
    """A mapping is the long form; anything else is checked (and reported) as the short string."""
    return "mapping" if isinstance(value, dict) else "text"


def _flag_or_address(value: Any) -> str:
    return "flag" if isinstance(value, bool) else "address"


class Strict(BaseModel):
    """Unknown keys are errors and nothing is coerced: ``"1"`` is not ``1``, ``yes`` is a boolean."""

    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True, frozen=True)


# --------------------------------------------------------------------------- rules


class SgRuleSpec(Strict):
    """A security group rule with a description or a fixed rule id."""

    rule: SgRuleText
    """The rule, as in the short form: ``tcp 22 from 0.0.0.0/0``."""
    description: str | None = None
    id: str | None = None
    """The rule id (``sgr-...``); generated when absent."""


SgRuleItem = Annotated[
    Annotated[SgRuleText, Tag("text")] | Annotated[SgRuleSpec, Tag("mapping")],
    Discriminator(_text_or_mapping),
]

PublicIp = Annotated[
    Annotated[bool, Tag("flag")] | Annotated[IPv4, Tag("address")],
    Discriminator(_flag_or_address),
]


# --------------------------------------------------------------------------- global resources


class PrefixListEntrySpec(Strict):
    cidr: Cidr
    description: str | None = None


PrefixListEntryItem = Annotated[
    Annotated[Cidr, Tag("text")] | Annotated[PrefixListEntrySpec, Tag("mapping")],
    Discriminator(_text_or_mapping),
]


class PrefixListSpec(Strict):
    """A managed prefix list; rules and routes name it by its key."""

    id: str | None = None
    """``pl-...``; generated when absent."""
    prefix_list_name: str | None = None
    """The list's name when it differs from the key (the key is then its id)."""
    address_family: Literal["IPv4", "IPv6"] = "IPv4"
    entries: list[PrefixListEntryItem] = []
    """CIDR blocks, each a string or ``{cidr, description}``."""
    max_entries: Annotated[int, Field(ge=1)] | None = None
    """Defaults to the number of entries."""
    aws_managed: bool = False
    """An AWS-managed list (``com.amazonaws.<region>.s3``)."""
    account: Account | None = None
    region: str | None = None
    tags: Tags = {}


class InternetGatewaySpec(Strict):
    """An internet gateway, attached to ``vpc`` or detached when ``vpc`` is absent."""

    id: str | None = None
    vpc: str | None = None
    """The VPC it is attached to (its key or id)."""
    attachment_state: Literal["available", "attached", "attaching", "detaching", "detached"] = "available"
    """AWS reports a working attachment as ``available``."""
    account: Account | None = None
    region: str | None = None
    tags: Tags = {}


class ElasticIpSpec(Strict):
    """An Elastic IP; associate it with ``elastic_ip: <key>`` on an instance, ENI or NAT gateway."""

    id: str | None = None
    """The allocation id (``eipalloc-...``)."""
    public_ip: IPv4 | None = None
    """Allocated from the documentation pool (203.0.113.10 on) when absent."""
    association_id: str | None = None
    """``eipassoc-...``; generated when the address is associated."""
    network_interface: str | None = None
    """Associated with an interface the file does not describe, by its id (``eni-...``: a partial
    AWS dump's); an interface of the file names the address with ``elastic_ip`` instead."""
    private_ip: IPv4 | None = None
    """With ``network_interface``: the private address it is associated with."""
    instance: str | None = None
    """With ``network_interface``: the instance that interface is attached to, by its id."""
    domain: str = "vpc"
    account: Account | None = None
    region: str | None = None
    tags: Tags = {}


class PeeringSideSpec(Strict):
    """A side of a peering whose VPC is not in this file (another account or region)."""

    vpc: str
    """The VPC's key in this file, or the id of a VPC outside it."""
    account: Account | None = None
    region: str | None = None
    cidr_blocks: list[Cidr4] = []
    """The side's IPv4 blocks; taken from the VPC when it is in this file."""


PeeringSide = Annotated[
    Annotated[str, Tag("text")] | Annotated[PeeringSideSpec, Tag("mapping")],
    Discriminator(_text_or_mapping),
]


class PeeringConnectionSpec(Strict):
    """A VPC peering connection between ``requester`` and ``accepter``."""

    id: str | None = None
    requester: PeeringSide
    accepter: PeeringSide
    status: Literal[
        "initiating-request",
        "pending-acceptance",
        "active",
        "deleted",
        "rejected",
        "failed",
        "expired",
        "provisioning",
        "deleting",
    ] = "active"
    account: Account | None = None
    region: str | None = None
    tags: Tags = {}


class GatewaySpec(Strict):
    """A virtual private gateway or transit gateway attached to ``vpcs``."""

    id: str | None = None
    vpcs: list[str] = []
    """Keys (or ids) of the VPCs it is attached to."""
    state: Literal["pending", "available", "deleting", "deleted"] = "available"
    account: Account | None = None
    region: str | None = None
    tags: Tags = {}


class TransitGatewayAttachmentSpec(Strict):
    """An attachment: a VPC (``vpc`` and ``subnets``), a peering with another transit gateway
    (``peer``), a VPN (``vpn``) or another ``type`` naming its ``resource``."""

    id: str | None = None
    """``tgw-attach-...``; derived from the key path when absent."""
    vpc: str | None = None
    """The attached VPC (key or id)."""
    subnets: list[str] = []
    """The VPC's subnets the gateway puts an ENI in, at most one per Availability Zone."""
    appliance_mode: bool = False
    """``ApplianceModeSupport``: both directions of a flow through this VPC use one zone's ENI."""
    security_group_referencing: bool = True
    """``SecurityGroupReferencingSupport`` of the attachment (AWS's default: enable)."""
    peer: str | None = None
    """The other transit gateway of a peering attachment (key or id)."""
    peer_account: Account | None = None
    peer_region: str | None = None
    vpn: str | None = None
    """The VPN connection (``vpn-...``) of a VPN attachment: what lies beyond it is not modelled."""
    type: (
        Literal["direct-connect-gateway", "connect", "network-function", "client-vpn", "vpn-concentrator"]
        | None
    ) = None
    """Another kind of attachment, beyond which the network is unknown."""
    resource: str | None = None
    """The resource of an attachment of another ``type``."""
    state: str = "available"
    route_table: str | None = None
    """The route table it is associated with (``null``: none). Absent: the gateway's default
    association table (when that option is on; never for a peering)."""
    propagate_to: list[str] | None = None
    """The route tables it propagates its VPC's blocks into. Absent: the default propagation
    table (when that option is on; never for a peering)."""
    peer_route_table: str | None = None
    """A peering attachment's association on the peer's side (a route table of ``peer``)."""
    tags: Tags = {}


class TransitGatewayRouteSpec(Strict):
    """A transit gateway route other than an active static one."""

    target: str
    """An attachment (key or id), or ``blackhole``."""
    type: Literal["static", "propagated"] = "static"
    """``propagated``: a route a VPN, Direct Connect gateway or Connect attachment learned by BGP
    (a VPC's propagated routes come from ``propagate_to``)."""
    state: str = "active"


TransitGatewayRouteTarget = Annotated[
    Annotated[str, Tag("text")] | Annotated[TransitGatewayRouteSpec, Tag("mapping")],
    Discriminator(_text_or_mapping),
]


class TransitGatewayRouteTableSpec(Strict):
    id: str | None = None
    """``tgw-rtb-...``; derived from the key path when absent."""
    default_association: bool = False
    """The gateway's default association route table."""
    default_propagation: bool = False
    """The gateway's default propagation route table."""
    routes: dict[str, TransitGatewayRouteTarget] = {}
    """Destination (CIDR, or a prefix list's key) -> attachment (key or id) or ``blackhole``."""
    state: str = "available"
    tags: Tags = {}


class TransitGatewaySpec(GatewaySpec):
    """A transit gateway: its attachments and route tables. With either default option on and no
    route table marked default, AWS's default route table is created (key ``default``).
    ``vpcs`` (from :class:`GatewaySpec`) lists VPCs attached without described attachments:
    beyond the gateway, their traffic is unknown."""

    state: Literal["pending", "available", "modifying", "deleting", "deleted"] = "available"  # type: ignore[assignment]
    """botocore's ``TransitGatewayState`` (a virtual private gateway has no ``modifying``)."""
    default_route_table_association: bool = True
    default_route_table_propagation: bool = True
    amazon_side_asn: int = 64512
    security_group_referencing_support: bool = False
    """Inbound rules may reference groups of other VPCs attached (with the attachment's option)."""
    attachments: dict[Name, TransitGatewayAttachmentSpec] = {}
    route_tables: dict[Name, TransitGatewayRouteTableSpec] = {}


class UnknownResourceSpec(Strict):
    """A resource referenced but not described (written by ``dump_spec`` for imported networks)."""

    type: str
    """The AWS resource type (``nat-gateway``, ``security-group``...)."""
    reason: str
    referenced_by: list[str] = []
    account: Account | None = None
    region: str | None = None
    tags: Tags = {}


# --------------------------------------------------------------------------- VPC resources


class SubnetSpec(Strict):
    id: str | None = None
    cidr: Cidr4
    """An IPv4 block inside one of the VPC's blocks, /16 to /28."""
    az: str | None = None
    """The availability zone: ``us-east-1b``, or just its letter ``b``; default ``<region>a``."""
    ipv6_cidr: Cidr6 | None = None
    """The subnet's IPv6 block, inside one of the VPC's IPv6 blocks (a /64 in the common case)."""
    assign_ipv6_address_on_creation: bool = False
    """New network interfaces get an IPv6 address (AWS's ``AssignIpv6AddressOnCreation``)."""
    map_public_ip_on_launch: bool | None = None
    """Instances launched here get a public IPv4; default: on in default subnets, off elsewhere."""
    default_for_az: bool = False
    route_table: str | None = None
    """Its explicitly associated route table; the VPC's main route table when absent."""
    network_acl: str | None = None
    """Its network ACL; the VPC's default ACL when absent."""
    state: Literal["pending", "available", "unavailable", "failed", "failed-insufficient-capacity"] = (
        "available"
    )
    tags: Tags = {}


class RouteSpec(Strict):
    """A route with a state or origin other than the defaults."""

    target: str
    """``local``, a gateway, NAT gateway, ENI, instance, peering... by key, ``kind:key`` or id."""
    state: Literal["active", "blackhole"] = "active"
    """``blackhole`` is AWS's state for a route whose target is gone; a route to an id that is not
    in the file is allowed only in this state."""
    origin: Literal["CreateRouteTable", "CreateRoute", "EnableVgwRoutePropagation"] | None = None


RouteTarget = Annotated[
    Annotated[str, Tag("text")] | Annotated[RouteSpec, Tag("mapping")],
    Discriminator(_text_or_mapping),
]


class RouteTableSpec(Strict):
    id: str | None = None
    main: bool = False
    """The VPC's main route table (the one AWS created with the VPC)."""
    routes: dict[str, RouteTarget] = {}
    """Destination (CIDR, or a prefix list's key) -> target. Local routes are implicit."""
    propagated_routes: dict[str, RouteTarget] = {}
    """Routes propagated by a virtual private gateway (origin ``EnableVgwRoutePropagation``)."""
    edge_associations: list[str] = []
    """Internet or virtual private gateways whose incoming traffic this table routes."""
    tags: Tags = {}


class NetworkAclSpec(Strict):
    id: str | None = None
    default: bool = False
    """The VPC's default network ACL (the one AWS created with the VPC)."""
    ingress: dict[RuleNumber, NaclRuleText] | None = None
    """Inbound rules by number: ``100: allow tcp 22 from 0.0.0.0/0``. When absent: AWS's default
    (the default ACL allows all, rule 100; a custom ACL has no rules). The `*` rule is implicit."""
    egress: dict[RuleNumber, NaclRuleText] | None = None
    """Outbound rules by number: ``100: allow tcp 1024-65535 to 0.0.0.0/0``."""
    tags: Tags = {}


class SecurityGroupSpec(Strict):
    id: str | None = None
    group_name: str | None = None
    """The group's name when it differs from the key (the key is then its id)."""
    description: str | None = None
    """Default: the group name (``default VPC security group`` for ``default``)."""
    ingress: list[SgRuleItem] | None = None
    """Inbound rules: ``tcp 22 from 0.0.0.0/0``. When absent: none (the ``default`` group: all
    traffic from itself)."""
    egress: list[SgRuleItem] | None = None
    """Outbound rules: ``tcp 443 to 0.0.0.0/0``. When absent: all traffic to 0.0.0.0/0."""
    tags: Tags = {}


class PrivateAddressSpec(Strict):
    address: IPv4
    public_ip: IPv4 | None = None
    """An auto-assigned public IPv4 for this address."""
    elastic_ip: str | None = None
    """An Elastic IP (its key or id) associated with this address."""


PrivateAddressItem = Annotated[
    Annotated[IPv4, Tag("text")] | Annotated[PrivateAddressSpec, Tag("mapping")],
    Discriminator(_text_or_mapping),
]


class NatGatewaySpec(Strict):
    id: str | None = None
    subnet: str
    connectivity_type: Literal["public", "private"] = "public"
    elastic_ip: str | None = None
    """A public NAT gateway's Elastic IP (key or id); one is allocated when absent."""
    private_ip: IPv4 | None = None
    """Default: the subnet's first free address."""
    network_interface_id: str | None = None
    """The id of its requester-managed ENI; generated when absent."""
    state: Literal["pending", "failed", "available", "deleting", "deleted"] = "available"
    """``deleted``: routes to it are blackholes."""
    tags: Tags = {}


class AttachmentSpec(Strict):
    """An ENI's attachment to something that is not an instance of the file (a load balancer,
    a transit gateway attachment: AWS attaches their ENIs itself)."""

    device_index: Annotated[int, Field(ge=0)] = 1
    status: Literal["attaching", "attached", "detaching", "detached"] = "attached"
    instance: str | None = None
    """An instance the file does not describe, by its id (``i-...``): a partial AWS dump's."""


class NetworkInterfaceSpec(Strict):
    id: str | None = None
    subnet: str
    private_ip: IPv4 | None = None
    """The primary private IPv4; default: the subnet's first free address."""
    secondary_private_ips: list[PrivateAddressItem] = []
    """Addresses, each a string or ``{address, public_ip, elastic_ip}``."""
    public_ip: PublicIp | None = None
    """A public IPv4 for the primary address: an address, ``true`` (allocate one) or ``false``."""
    elastic_ip: str | None = None
    """An Elastic IP (key or id) for the primary address."""
    security_groups: list[str] | None = None
    """Group keys (or ids); default: the VPC's default group."""
    source_dest_check: bool = True
    type: str = "interface"
    """The interface type: ``interface``, ``nat_gateway``, ``vpc_endpoint``..."""
    description: str = ""
    ipv6_addresses: list[IPv6] = []
    attachment: AttachmentSpec | None = None
    """Attached to a service rather than to an instance (instances list their ENIs themselves)."""
    status: Literal["available", "attaching", "in-use", "detaching", "associated"] | None = None
    """Default: ``in-use`` when attached, else ``available``."""
    tags: Tags = {}


class InstanceSpec(Strict):
    """An instance. Its primary ENI (eth0) is described inline (``subnet``, ``private_ip``...);
    or, with ``inline_eth0: false``, ``network_interfaces`` lists all its ENIs, eth0 first."""

    id: str | None = None
    subnet: str | None = None
    """eth0's subnet (required with an inline eth0); else the instance's, default eth0's."""
    inline_eth0: bool = True
    """false: no eth0 is described inline; ``network_interfaces`` lists every ENI, eth0 first
    (possibly none, as for an imported instance whose interfaces were not in the data)."""
    private_ip: IPv4 | None = None
    """eth0's primary private IPv4; default: the subnet's first free address."""
    secondary_private_ips: list[PrivateAddressItem] = []
    public_ip: PublicIp | None = None
    """eth0's public IPv4: an address, ``true`` or ``false``; default: the subnet's
    ``map_public_ip_on_launch`` (none when the instance is not running)."""
    elastic_ip: str | None = None
    security_groups: list[str] | None = None
    """Group keys (or ids); default: the VPC's default group."""
    source_dest_check: bool | None = None
    """Default true; a NAT instance or appliance turns it off."""
    network_interface_id: str | None = None
    """The id of eth0; generated when absent."""
    network_interfaces: list[str] = []
    """More ENIs (keys of the VPC's ``network_interfaces``), attached as eth1, eth2... (eth0 on
    with ``inline_eth0: false``)."""
    state: Literal["pending", "running", "shutting-down", "terminated", "stopping", "stopped"] = "running"
    instance_type: str = "t3.micro"
    image_id: str | None = None
    ipv6_addresses: list[IPv6] = []
    """eth0's IPv6 addresses (inline eth0 only)."""
    http_protocol_ipv6: bool = False
    """The metadata service also answers over IPv6 (``fd00:ec2::254``)."""
    tags: Tags = {}


class EndpointSpec(Strict):
    id: str | None = None
    service_name: str
    """``com.amazonaws.us-east-1.s3``."""
    type: Literal["Gateway", "Interface", "GatewayLoadBalancer"] = "Gateway"
    route_tables: list[str] = []
    """A gateway endpoint's route tables: each gets ``<prefix list> -> endpoint``."""
    subnets: list[str] = []
    """An interface endpoint's subnets (one ENI each, at most one per zone)."""
    security_groups: list[str] = []
    """An interface endpoint's security groups (default: the VPC's default group)."""
    network_interfaces: list[str] = []
    """An interface endpoint's ENIs (keys or ids of ``network_interfaces``), when the file lists them."""
    prefix_list: str | None = None
    """The service's prefix list (key or id)."""
    state: str = "available"
    tags: Tags = {}


class EgressOnlyInternetGatewaySpec(Strict):
    id: str | None = None
    tags: Tags = {}


class TargetSpec(Strict):
    """A registered target: an instance (key or id), an IP address, or an ALB (name or ARN)."""

    id: str
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """Overrides the group's port."""
    availability_zone: str | None = None
    """Default: the zone of the instance or of the subnet holding the address."""
    health: str | None = None
    """``TargetHealth.State`` as read (a note: reachability ignores health)."""


class TargetGroupSpec(Strict):
    """An ELBv2 target group (keyed by its name)."""

    arn: str | None = None
    """Default: derived from the name and the file's seed."""
    protocol: str | None = None
    """HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, QUIC, TCP_QUIC, GENEVE; none for Lambda targets."""
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    target_type: Literal["instance", "ip", "lambda", "alb"] = "instance"
    targets: list[str | TargetSpec] = []
    """Each an instance key or id, an IP address, an ALB's name or ARN, or ``{id, port, ...}``."""
    preserve_client_ip: bool | None = None
    """The attribute ``preserve_client_ip.enabled`` (NLB); default: AWS's per target type."""
    cross_zone: bool | None = None
    """The attribute ``load_balancing.cross_zone.enabled``; default: the load balancer's."""
    attributes_missing: bool = False
    """True: the group's attributes are not known (an AWS input without
    ``describe-target-group-attributes``): a trace through a Network Load Balancer says that
    vpcsim assumed AWS's default client IP preservation (``MISSING_TARGET_GROUP_ATTRIBUTES``)."""
    health_check_port: str = "traffic-port"
    health_check_protocol: str | None = None
    vpc_id: str | None = None
    """Only for a group at the top of the file: the id of its VPC, which the file does not hold."""
    load_balancer_arns: list[str] = []
    """Load balancers that use the group other than by a listener of the file (a partial AWS
    dump's: the load balancer or its listeners absent), by ARN."""
    tags: Tags = {}


class RuleConditionSpec(Strict):
    """A listener rule's condition: ``source-ip`` (``values``: client CIDR blocks) filters by
    the client's address; every other field (``path-pattern``, ``host-header``,
    ``http-header``, ``http-request-method``, ``query-string``) looks inside the request and is
    kept as written: some request of any client may match it."""

    field: str
    values: list[str] = []


class ListenerRuleSpec(Strict):
    """An Application Load Balancer listener rule other than the default one (the listener's
    own ``forward``/``action``)."""

    priority: Annotated[int, Field(ge=1, le=50000)]
    conditions: list[RuleConditionSpec] = []
    forward: list[str] = []
    """Target groups (names or ARNs) of its forward action (several: a ``ForwardConfig``)."""
    action: str = "forward"
    """The action's type: forward, redirect, fixed-response..."""
    arn: str | None = None
    """Default: the listener's ARN as ``listener-rule/...`` with the priority."""


class ListenerSpec(Strict):
    port: Annotated[int, Field(ge=1, le=65535)]
    protocol: str
    """ALB: HTTP, HTTPS; NLB: TCP, TLS, UDP, TCP_UDP, QUIC, TCP_QUIC; GWLB: GENEVE; Classic:
    HTTP, HTTPS, TCP, SSL."""
    forward: list[str] = []
    """Target groups (names or ARNs) of its forward action."""
    action: str = "forward"
    """The default action's type: forward, redirect, fixed-response..."""
    instance_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """Classic only: the port the instances receive on."""
    instance_protocol: str | None = None
    """Classic only."""
    arn: str | None = None
    rules: list[ListenerRuleSpec] = []
    """Application Load Balancer only: rules by priority (``describe-rules``)."""


class LoadBalancerAddressSpec(Strict):
    """A node's address as ``describe-load-balancers`` lists it (an NLB's Elastic IP or chosen
    private address)."""

    ip_address: IPv4 | None = None
    allocation_id: str | None = None
    private_ipv4_address: IPv4 | None = None


class LoadBalancerSpec(Strict):
    """A load balancer (keyed by its name); one node per subnet, as AWS makes them."""

    arn: str | None = None
    """Default: derived from the name and the file's seed."""
    type: Literal["application", "network", "gateway", "classic"] = "application"
    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    subnets: list[str]
    """One subnet per zone (keys or ids): each holds a node."""
    security_groups: list[str] | None = None
    """Group keys (or ids); default: the VPC's default group for ALB and Classic, none for NLB."""
    listeners: list[ListenerSpec] = []
    instances: list[str] = []
    """Classic only: the registered instances (keys or ids)."""
    cross_zone: bool | None = None
    """``load_balancing.cross_zone.enabled``; default: on for ALB and Classic, off for NLB."""
    state: Literal["active", "provisioning", "active_impaired", "failed"] = "active"
    dns_name: str | None = None
    ip_address_type: str = "ipv4"
    addresses: dict[str, list[LoadBalancerAddressSpec]] = {}
    """Per subnet (key or id): the addresses ``describe-load-balancers`` lists for its node."""
    create_nodes: bool = True
    """false: the nodes are listed under ``network_interfaces`` (description ``ELB <app|net>/<name>/<id>``),
    as a dump writes them; true: one node is made per subnet."""
    tags: Tags = {}


class VpcSpec(Strict):
    id: str | None = None
    cidr: Cidr4
    """The primary IPv4 block, /16 to /28."""
    secondary_cidrs: list[Cidr4] = []
    ipv6_cidrs: list[Cidr6] = []
    default: bool = False
    """The region's default VPC."""
    state: Literal["pending", "available", "deleting"] = "available"
    account: Account | None = None
    """Default: the file's ``account``."""
    region: str | None = None
    """Default: the file's ``region``."""
    tags: Tags = {}
    subnets: dict[Name, SubnetSpec] = {}
    route_tables: dict[Name, RouteTableSpec] = {}
    network_acls: dict[Name, NetworkAclSpec] = {}
    security_groups: dict[Name, SecurityGroupSpec] = {}
    """Keyed by group name; ``default`` is the VPC's default group."""
    nat_gateways: dict[Name, NatGatewaySpec] = {}
    network_interfaces: dict[Name, NetworkInterfaceSpec] = {}
    """ENIs other than instances' inline eth0."""
    instances: dict[Name, InstanceSpec] = {}
    endpoints: dict[Name, EndpointSpec] = {}
    egress_only_internet_gateways: dict[Name, EgressOnlyInternetGatewaySpec] = {}
    target_groups: dict[Name, TargetGroupSpec] = {}
    """Elastic Load Balancing target groups, keyed by name."""
    load_balancers: dict[Name, LoadBalancerSpec] = {}
    """Load balancers, keyed by name."""


class NetworkSpec(Strict):
    """A vpcsim network: VPCs and what they hold, and the resources that live outside VPCs."""

    version: Literal[1] = 1
    """The spec format version."""
    account: Account | None = None
    """The default AWS account of every resource (``123456789012``)."""
    region: str | None = None
    """The default region of every resource (``us-east-1``)."""
    seed: str | None = None
    """Seed of generated ids; default: the file name (without extension), else the content."""
    prefix_lists: dict[Name, PrefixListSpec] = {}
    vpcs: dict[Name, VpcSpec] = {}
    internet_gateways: dict[Name, InternetGatewaySpec] = {}
    elastic_ips: dict[Name, ElasticIpSpec] = {}
    peering_connections: dict[Name, PeeringConnectionSpec] = {}
    vpn_gateways: dict[Name, GatewaySpec] = {}
    transit_gateways: dict[Name, TransitGatewaySpec] = {}
    unknown_resources: dict[Name, UnknownResourceSpec] = {}
    """Keyed by id: components the source referenced but did not describe."""
    target_groups: dict[Name, TargetGroupSpec] = {}
    """Target groups of VPCs the file does not hold (``vpc_id``); the others are under their VPC."""


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of the spec (draft 2020-12), for editors (``vpcsim schema``)."""
    schema = NetworkSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "vpcsim network spec"
    return {"$schema": schema.pop("$schema"), "title": schema.pop("title"), **schema}
