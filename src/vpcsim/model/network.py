"""One ``Network``: every resource of an estate, with indexes, and EC2-like builder methods.

The builder methods mirror the EC2 API (``create_vpc``, ``create_subnet``, ``create_route``,
``authorize_security_group_ingress``...) and create AWS's implicit resources where AWS does: a
new VPC gets its main route table with a local route per block, its default network ACL and its
default security group. Identifiers are generated deterministically so that outputs are stable.

The network holds data only; ``version`` changes on every mutation so that derived structures
(indexes here, compiled rules in the engine) know when to rebuild. After editing a resource's
fields directly, call :meth:`Network.touch`.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from ..heap import quiet_gc
from .addressing import (
    SubnetAddresses,
    ip_int,
    ip_str,
    network_acl_of_subnet,
    route_table_of_subnet,
    route_target_field,
)
from .elb import (
    Listener,
    ListenerAction,
    LoadBalancer,
    LoadBalancerAvailabilityZone,
    TargetDescription,
    TargetGroup,
    derived_suffix,
    node_description,
)
from .elb import load_balancer_arn as _elb_arn
from .elb import target_group_arn as _tg_arn
from .resources import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Address,
    EgressOnlyInternetGateway,
    Instance,
    InternetGateway,
    InternetGatewayAttachment,
    ManagedPrefixList,
    NatGateway,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    NetworkInterfaceAttachment,
    PrefixListEntry,
    PrivateIpAddress,
    Resource,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    UnknownResource,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpcPeeringSide,
    VpnGateway,
)

R = TypeVar("R", bound=Resource)

#: Collections of a network, by resource class; the order is the order of ``show`` and exports.
COLLECTIONS: dict[type[Resource], str] = {
    Vpc: "vpcs",
    Subnet: "subnets",
    RouteTable: "route_tables",
    InternetGateway: "internet_gateways",
    EgressOnlyInternetGateway: "egress_only_internet_gateways",
    NatGateway: "nat_gateways",
    NetworkAcl: "network_acls",
    SecurityGroup: "security_groups",
    ManagedPrefixList: "prefix_lists",
    NetworkInterface: "network_interfaces",
    Instance: "instances",
    Address: "addresses",
    VpcPeeringConnection: "vpc_peering_connections",
    VpnGateway: "vpn_gateways",
    TransitGateway: "transit_gateways",
    TransitGatewayAttachment: "transit_gateway_attachments",
    TransitGatewayRouteTable: "transit_gateway_route_tables",
    VpcEndpoint: "vpc_endpoints",
    LoadBalancer: "load_balancers",
    TargetGroup: "target_groups",
    UnknownResource: "unknown_resources",
}

ID_PREFIXES: dict[type[Resource], str] = {
    Vpc: "vpc",
    Subnet: "subnet",
    RouteTable: "rtb",
    InternetGateway: "igw",
    EgressOnlyInternetGateway: "eigw",
    NatGateway: "nat",
    NetworkAcl: "acl",
    SecurityGroup: "sg",
    ManagedPrefixList: "pl",
    NetworkInterface: "eni",
    Instance: "i",
    Address: "eipalloc",
    VpcPeeringConnection: "pcx",
    VpnGateway: "vgw",
    TransitGateway: "tgw",
    TransitGatewayAttachment: "tgw-attach",
    TransitGatewayRouteTable: "tgw-rtb",
    VpcEndpoint: "vpce",
}


class ModelError(ValueError):
    """A request the model refuses, with AWS's error code where AWS has one."""

    def __init__(self, message: str, *, code: str | None = None, resource: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.resource = resource


@dataclass(frozen=True, slots=True)
class AddressOwner:
    """Who holds a private address: an ENI (of an instance, a NAT gateway, an endpoint...)."""

    vpc_id: str
    subnet_id: str
    network_interface_id: str
    private_ip: str


class Network:
    """Every resource of a network, indexed by id, by address and by Name tag."""

    def __init__(
        self, *, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION, seed: str = ""
    ) -> None:
        self.account = account
        self.region = region
        self.vpcs: dict[str, Vpc] = {}
        self.subnets: dict[str, Subnet] = {}
        self.route_tables: dict[str, RouteTable] = {}
        self.internet_gateways: dict[str, InternetGateway] = {}
        self.egress_only_internet_gateways: dict[str, EgressOnlyInternetGateway] = {}
        self.nat_gateways: dict[str, NatGateway] = {}
        self.network_acls: dict[str, NetworkAcl] = {}
        self.security_groups: dict[str, SecurityGroup] = {}
        self.prefix_lists: dict[str, ManagedPrefixList] = {}
        self.network_interfaces: dict[str, NetworkInterface] = {}
        self.instances: dict[str, Instance] = {}
        self.addresses: dict[str, Address] = {}
        self.vpc_peering_connections: dict[str, VpcPeeringConnection] = {}
        self.vpn_gateways: dict[str, VpnGateway] = {}
        self.transit_gateways: dict[str, TransitGateway] = {}
        self.transit_gateway_attachments: dict[str, TransitGatewayAttachment] = {}
        self.transit_gateway_route_tables: dict[str, TransitGatewayRouteTable] = {}
        self.vpc_endpoints: dict[str, VpcEndpoint] = {}
        self.load_balancers: dict[str, LoadBalancer] = {}
        self.target_groups: dict[str, TargetGroup] = {}
        self.unknown_resources: dict[str, UnknownResource] = {}
        self.version = 0
        self._seed = seed
        self._counter = 0
        self._public_counter = 0
        self._index_version = -1
        self._by_id: dict[str, Resource] = {}
        self._by_name: dict[str, list[str]] = {}
        self._private: dict[str, dict[int, AddressOwner]] = {}
        self._public: dict[int, AddressOwner] = {}
        self._eni_of_nat: dict[str, str] = {}
        self._enis_of_subnet: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ collections and indexes

    def touch(self) -> None:
        """Record a mutation: indexes and compiled rules are rebuilt on next use."""
        self.version += 1

    def collection(self, cls: type[R]) -> dict[str, R]:
        result: dict[str, R] = getattr(self, COLLECTIONS[cls])
        return result

    def resources(self) -> Iterator[Resource]:
        for name in COLLECTIONS.values():
            yield from getattr(self, name).values()

    def add(self, resource: R) -> R:
        """Add a resource as it is (importers and loaders); no implicit resources are created."""
        collection = self.collection(type(resource))
        if resource.id in collection:
            raise ModelError(
                f"duplicate id {resource.id}", code="InvalidParameterValue", resource=resource.id
            )
        collection[resource.id] = resource
        self.touch()
        return resource

    def _reindex(self) -> None:
        if self._index_version == self.version:
            return
        with quiet_gc():  # an index entry per resource and address (vpcsim.heap)
            self._build_index()

    def _build_index(self) -> None:
        by_id: dict[str, Resource] = {}
        by_name: dict[str, list[str]] = {}
        for resource in self.resources():
            by_id[resource.id] = resource
            if resource.name:
                by_name.setdefault(resource.name, []).append(resource.id)
        private: dict[str, dict[int, AddressOwner]] = {}
        public: dict[int, AddressOwner] = {}
        enis_of_subnet: dict[str, list[str]] = {}
        for eni in self.network_interfaces.values():
            enis_of_subnet.setdefault(eni.subnet_id, []).append(eni.network_interface_id)
            for address in eni.private_ip_addresses:
                owner = AddressOwner(
                    eni.vpc_id, eni.subnet_id, eni.network_interface_id, address.private_ip_address
                )
                private.setdefault(eni.vpc_id, {})[ip_int(address.private_ip_address)] = owner
                if address.public_ip:
                    public[ip_int(address.public_ip)] = owner
        self._eni_of_nat = {
            nat.nat_gateway_id: nat.network_interface_id
            for nat in self.nat_gateways.values()
            if nat.network_interface_id
        }
        self._by_id, self._by_name = by_id, by_name
        self._private, self._public = private, public
        self._enis_of_subnet = enis_of_subnet
        self._index_version = self.version

    def get(self, resource_id: str) -> Resource | None:
        self._reindex()
        return self._by_id.get(resource_id)

    def find_by_name(self, name: str) -> list[Resource]:
        """Resources whose Name tag is ``name``, in id order."""
        self._reindex()
        return [self._by_id[rid] for rid in sorted(self._by_name.get(name, []))]

    def owners_of_private_ip(self, address: str) -> list[AddressOwner]:
        """Every ENI holding ``address`` as a private address (one per VPC at most)."""
        self._reindex()
        ip = ip_int(address)
        return [table[ip] for _, table in sorted(self._private.items()) if ip in table]

    def owner_in_vpc(self, vpc_id: str, address: str) -> AddressOwner | None:
        self._reindex()
        return self._private.get(vpc_id, {}).get(ip_int(address))

    def owner_of_public_ip(self, address: str) -> AddressOwner | None:
        self._reindex()
        return self._public.get(ip_int(address))

    def network_interfaces_in_subnet(self, subnet_id: str) -> list[NetworkInterface]:
        self._reindex()
        return [self.network_interfaces[e] for e in self._enis_of_subnet.get(subnet_id, [])]

    # ------------------------------------------------------------------ relations

    def route_table_of_subnet(self, subnet_id: str) -> RouteTable | None:
        """The subnet's explicitly associated route table, else its VPC's main one."""
        return route_table_of_subnet(self.subnets[subnet_id], self.route_tables.values())

    def main_route_table(self, vpc_id: str) -> RouteTable | None:
        for table in self.route_tables.values():
            if table.main and table.vpc_id == vpc_id:
                return table
        return None

    def network_acl_of_subnet(self, subnet_id: str) -> NetworkAcl | None:
        """The subnet's associated network ACL, else its VPC's default one."""
        return network_acl_of_subnet(self.subnets[subnet_id], self.network_acls.values())

    def default_security_group(self, vpc_id: str) -> SecurityGroup | None:
        for group in self.security_groups.values():
            if group.vpc_id == vpc_id and group.group_name == "default":
                return group
        return None

    def group_reference_resolves(
        self, group: SecurityGroup, referenced: SecurityGroup, *, egress: bool = False
    ) -> bool:
        """Whether a rule of ``group`` that references ``referenced`` can match anything: AWS
        resolves a group reference only within the group's own VPC (a shared VPC included) or
        across an active peering whose two sides are in the same region. Across an inter-region
        peering (or to an unpeered VPC) the rule matches no address. The one statement of this
        rule: validation warns with it (``VPCSIM_SG_REFERENCE_OUT_OF_REACH``) and the engine
        compiles such a rule to match nothing. Across a transit gateway an *inbound* rule
        resolves when the gateway and both VPCs' attachments have security group referencing
        support (:meth:`transit_group_reference`)."""
        if referenced.vpc_id == group.vpc_id:
            return True
        if referenced.region != group.region:
            return False
        pcx = self._active_peering(group.vpc_id, referenced.vpc_id)
        if pcx is not None:
            return pcx.requester.region == pcx.accepter.region
        return not egress and self.transit_group_reference(group.vpc_id, referenced.vpc_id)

    def _active_peering(self, vpc_id: str, peer_vpc_id: str) -> VpcPeeringConnection | None:
        for pcx in self.vpc_peering_connections.values():
            if pcx.status == "active" and pcx.peer_of(vpc_id) == peer_vpc_id:
                return pcx
        return None

    def internet_gateway_of_vpc(self, vpc_id: str) -> InternetGateway | None:
        for igw in self.internet_gateways.values():
            if igw.attached_vpc_id == vpc_id:
                return igw
        return None

    def nat_gateway_of_eni(self, eni_id: str) -> NatGateway | None:
        self._reindex()
        for nat_id, nat_eni in self._eni_of_nat.items():
            if nat_eni == eni_id:
                return self.nat_gateways[nat_id]
        return None

    def instance_of_eni(self, eni_id: str) -> Instance | None:
        eni = self.network_interfaces[eni_id]
        if eni.attachment and eni.attachment.instance_id:
            return self.instances.get(eni.attachment.instance_id)
        return None

    def primary_network_interface(self, instance_id: str) -> NetworkInterface:
        instance = self.instances[instance_id]
        return self.network_interfaces[instance.network_interface_ids[0]]

    # ------------------------------------------------------------------ identifiers and addresses

    def new_id(self, cls: type[Resource] | str) -> str:
        """A fresh AWS-shaped id (17 hex digits), deterministic for a given network seed."""
        prefix = cls if isinstance(cls, str) else ID_PREFIXES[cls]
        while True:
            self._counter += 1
            digest = hashlib.sha256(f"{self._seed}:{prefix}:{self._counter}".encode()).hexdigest()
            candidate = f"{prefix}-{digest[:17]}"
            if not any(candidate in getattr(self, c) for c in COLLECTIONS.values()):
                return candidate

    def next_public_ip(self) -> str:
        """The next address of the simulated public pool (203.0.113.10 on, then 3.0.0.0/8)."""
        used = {a.public_ip for a in self.addresses.values()} | {
            p.public_ip
            for e in self.network_interfaces.values()
            for p in e.private_ip_addresses
            if p.public_ip
        }
        while True:
            n = self._public_counter
            self._public_counter += 1
            if n < 245:
                candidate = f"203.0.113.{10 + n}"
            else:
                candidate = ip_str(ip_int("3.0.0.10") + n - 245)
            if candidate not in used:
                return candidate

    def next_private_ip(self, subnet_id: str) -> str:
        """The lowest free address of a subnet, after the four AWS reserves at its start."""
        subnet = self.subnets[subnet_id]
        taken = {
            ip_int(p.private_ip_address)
            for e in self.network_interfaces.values()
            if e.subnet_id == subnet_id
            for p in e.private_ip_addresses
        }
        found = SubnetAddresses(subnet.cidr_block, taken).lowest()
        if found is not None:
            return ip_str(found)
        raise ModelError(
            f"subnet {subnet_id} ({subnet.cidr_block}) has no free address",
            code="InsufficientFreeAddressesInSubnet",
            resource=subnet_id,
        )

    def resolve(self, ref: str | Resource, cls: type[R]) -> R:
        """A resource of class ``cls`` by object, id or unique Name tag."""
        if isinstance(ref, cls):
            return ref
        assert isinstance(ref, str), ref
        collection = self.collection(cls)
        if ref in collection:
            return collection[ref]
        named = [r for r in self.find_by_name(ref) if isinstance(r, cls)]
        if cls is SecurityGroup and not named:
            named = [r for r in collection.values() if getattr(r, "group_name", None) == ref]
        if len(named) == 1:
            return named[0]
        kind = cls.__name__
        if not named:
            raise ModelError(
                f"no {kind} named or with id {ref!r}", code=f"Invalid{kind}ID.NotFound", resource=ref
            )
        raise ModelError(
            f"{ref!r} names several {kind}s: {', '.join(sorted(r.id for r in named))}", resource=ref
        )

    # ------------------------------------------------------------------ VPCs

    def create_vpc(
        self,
        cidr_block: str,
        *,
        name: str | None = None,
        vpc_id: str | None = None,
        region: str | None = None,
        owner_id: str | None = None,
        is_default: bool = False,
        tags: dict[str, str] | None = None,
        ipv6_cidr_block: str | None = None,
    ) -> Vpc:
        """A VPC with its main route table, default network ACL and default security group
        (``ipv6_cidr_block``: with an IPv6 block, as :meth:`associate_vpc_ipv6_cidr_block` adds it)."""
        block = str(ipaddress.IPv4Network(cidr_block, strict=False))
        common = self._common(name, region, owner_id, tags)
        vpc = self.add(
            Vpc(vpc_id=vpc_id or self.new_id(Vpc), cidr_block=block, is_default=is_default, **common)
        )
        plain = {k: v for k, v in common.items() if k != "tags"}
        self.add(
            RouteTable(
                route_table_id=self.new_id(RouteTable),
                vpc_id=vpc.vpc_id,
                main=True,
                routes=[Route(destination_cidr_block=block, gateway_id="local", origin="CreateRouteTable")],
                **plain,
            )
        )
        self.add(
            NetworkAcl(
                network_acl_id=self.new_id(NetworkAcl),
                vpc_id=vpc.vpc_id,
                is_default=True,
                entries=default_network_acl_entries(),
                **plain,
            )
        )
        default_sg = SecurityGroup(
            group_id=self.new_id(SecurityGroup),
            group_name="default",
            vpc_id=vpc.vpc_id,
            description="default VPC security group",
            egress=[SecurityGroupRule(ip_protocol="-1", cidr_ipv4="0.0.0.0/0")],
            **plain,
        )
        default_sg.ingress.append(
            SecurityGroupRule(ip_protocol="-1", referenced_group_id=default_sg.group_id)
        )
        self.add(default_sg)
        if ipv6_cidr_block is not None:
            self.associate_vpc_ipv6_cidr_block(vpc, ipv6_cidr_block)
        return vpc

    def associate_vpc_ipv6_cidr_block(self, vpc: str | Vpc, cidr_block: str) -> None:
        """Add an IPv6 block as AWS does: a local route in every route table of the VPC; the IPv6
        ``*`` rules (32768) in every network ACL, and rule 101 (allow ``::/0``) in the default ACL
        per direction whose rules are still the original ones; an outbound ``::/0`` allow-all in
        every security group whose outbound rules are still the original ones. A custom ACL gets
        no IPv6 allow, and a group whose outbound rules were changed gets nothing."""
        vpc = self.resolve(vpc, Vpc)
        block = str(ipaddress.IPv6Network(cidr_block, strict=False))
        first = not vpc.ipv6_cidr_blocks
        vpc.ipv6_cidr_blocks.append(block)
        for table in self.route_tables.values():
            if table.vpc_id == vpc.vpc_id:
                table.routes.append(
                    Route(destination_ipv6_cidr_block=block, gateway_id="local", origin="CreateRouteTable")
                )
        if first:
            for acl in self.network_acls.values():
                if acl.vpc_id == vpc.vpc_id:
                    _add_ipv6_acl_entries(acl)
            for group in self.security_groups.values():
                if group.vpc_id == vpc.vpc_id and _original_egress(group.egress):
                    group.egress.append(SecurityGroupRule(ip_protocol="-1", cidr_ipv6="::/0"))
        self.touch()

    def create_egress_only_internet_gateway(
        self, vpc: str | Vpc, *, name: str | None = None, egress_only_internet_gateway_id: str | None = None
    ) -> EgressOnlyInternetGateway:
        """An egress-only internet gateway attached to ``vpc`` (IPv6 only, outbound-initiated only)."""
        vpc = self.resolve(vpc, Vpc)
        return self.add(
            EgressOnlyInternetGateway(
                egress_only_internet_gateway_id=egress_only_internet_gateway_id
                or self.new_id(EgressOnlyInternetGateway),
                vpc_id=vpc.vpc_id,
                **self._common(name, vpc.region, vpc.owner_id, None),
            )
        )

    def next_ipv6_address(self, subnet_id: str) -> str:
        """The lowest free IPv6 address of a subnet's IPv6 block, after the four AWS reserves."""
        subnet = self.subnets[subnet_id]
        if not subnet.ipv6_cidr_block:
            raise ModelError(
                f"subnet {subnet_id} has no IPv6 block", code="InvalidParameterValue", resource=subnet_id
            )
        taken = {
            ip_int(a)
            for e in self.network_interfaces.values()
            if e.subnet_id == subnet_id
            for a in e.ipv6_addresses
        }
        found = SubnetAddresses(subnet.ipv6_cidr_block, taken).lowest()
        if found is None:  # pragma: no cover - a /64 does not fill up
            raise ModelError(
                f"subnet {subnet_id} has no free IPv6 address",
                code="InsufficientFreeAddressesInSubnet",
                resource=subnet_id,
            )
        return ip_str(found)

    def assign_ipv6_addresses(
        self, eni: str | NetworkInterface, addresses: Iterable[str] = (), *, count: int = 0
    ) -> None:
        """Give an ENI IPv6 addresses: the ones named, then ``count`` free ones of its subnet."""
        eni = self.resolve(eni, NetworkInterface)
        for address in addresses:
            eni.ipv6_addresses.append(str(ipaddress.IPv6Address(address)))
        for _ in range(count):
            eni.ipv6_addresses.append(self.next_ipv6_address(eni.subnet_id))
        self.touch()

    def associate_vpc_cidr_block(self, vpc: str | Vpc, cidr_block: str) -> None:
        """Add a secondary block; every route table of the VPC gets its local route."""
        vpc = self.resolve(vpc, Vpc)
        block = str(ipaddress.IPv4Network(cidr_block, strict=False))
        vpc.secondary_cidr_blocks.append(block)
        for table in self.route_tables.values():
            if table.vpc_id == vpc.vpc_id:
                table.routes.append(
                    Route(destination_cidr_block=block, gateway_id="local", origin="CreateRouteTable")
                )
        self.touch()

    def create_default_vpc(self, *, region: str | None = None, availability_zones: int = 3) -> Vpc:
        """The default VPC of a region, exactly as AWS builds it.

        172.31.0.0/16; one /20 default subnet per availability zone (172.31.0.0/20,
        172.31.16.0/20, ...) with ``MapPublicIpOnLaunch``; an internet gateway attached; the main
        route table with ``172.31.0.0/16 -> local`` and ``0.0.0.0/0 -> igw``; the default
        security group and network ACL.
        """
        region = region or self.region
        vpc = self.create_vpc("172.31.0.0/16", region=region, is_default=True)
        igw = self.create_internet_gateway(region=region)
        self.attach_internet_gateway(igw, vpc)
        main = self.main_route_table(vpc.vpc_id)
        assert main is not None
        self.create_route(main, "0.0.0.0/0", igw.internet_gateway_id)
        letters = "abcdefghijklmnop"
        for index in range(availability_zones):
            self.create_subnet(
                vpc,
                f"172.31.{16 * index}.0/20",
                availability_zone=f"{region}{letters[index]}",
                map_public_ip_on_launch=True,
                default_for_az=True,
            )
        return vpc

    # ------------------------------------------------------------------ subnets and route tables

    def create_subnet(
        self,
        vpc: str | Vpc,
        cidr_block: str,
        *,
        availability_zone: str | None = None,
        name: str | None = None,
        subnet_id: str | None = None,
        map_public_ip_on_launch: bool = False,
        default_for_az: bool = False,
        tags: dict[str, str] | None = None,
        ipv6_cidr_block: str | None = None,
        assign_ipv6_address_on_creation: bool | None = None,
    ) -> Subnet:
        """A subnet; ``ipv6_cidr_block`` makes it dual-stack, and (unless told otherwise) new ENIs
        in it get an IPv6 address."""
        vpc = self.resolve(vpc, Vpc)
        v6 = str(ipaddress.IPv6Network(ipv6_cidr_block, strict=False)) if ipv6_cidr_block else None
        return self.add(
            Subnet(
                subnet_id=subnet_id or self.new_id(Subnet),
                vpc_id=vpc.vpc_id,
                cidr_block=str(ipaddress.IPv4Network(cidr_block, strict=False)),
                availability_zone=availability_zone or f"{vpc.region}a",
                map_public_ip_on_launch=map_public_ip_on_launch,
                default_for_az=default_for_az,
                ipv6_cidr_block=v6,
                assign_ipv6_address_on_creation=(
                    v6 is not None
                    if assign_ipv6_address_on_creation is None
                    else assign_ipv6_address_on_creation
                ),
                **self._common(name, vpc.region, vpc.owner_id, tags),
            )
        )

    def create_route_table(
        self, vpc: str | Vpc, *, name: str | None = None, route_table_id: str | None = None
    ) -> RouteTable:
        """A custom route table with one local route per VPC block (IPv6 blocks included)."""
        vpc = self.resolve(vpc, Vpc)
        return self.add(
            RouteTable(
                route_table_id=route_table_id or self.new_id(RouteTable),
                vpc_id=vpc.vpc_id,
                routes=[
                    Route(destination_cidr_block=block, gateway_id="local", origin="CreateRouteTable")
                    for block in vpc.cidr_blocks
                ]
                + [
                    Route(destination_ipv6_cidr_block=block, gateway_id="local", origin="CreateRouteTable")
                    for block in vpc.ipv6_cidr_blocks
                ],
                **self._common(name, vpc.region, vpc.owner_id, None),
            )
        )

    def associate_route_table(self, route_table: str | RouteTable, subnet: str | Subnet) -> None:
        """Associate a subnet explicitly (replacing any earlier explicit association)."""
        table = self.resolve(route_table, RouteTable)
        subnet = self.resolve(subnet, Subnet)
        for other in self.route_tables.values():
            if subnet.subnet_id in other.subnet_ids:
                other.subnet_ids.remove(subnet.subnet_id)
        table.subnet_ids.append(subnet.subnet_id)
        self.touch()

    def replace_main_route_table(self, vpc: str | Vpc, route_table: str | RouteTable) -> None:
        vpc = self.resolve(vpc, Vpc)
        table = self.resolve(route_table, RouteTable)
        for other in self.route_tables.values():
            if other.vpc_id == vpc.vpc_id:
                other.main = other is table
        self.touch()

    def create_route(
        self,
        route_table: str | RouteTable,
        destination: str,
        target: str,
        *,
        origin: Literal["CreateRoute", "EnableVgwRoutePropagation"] = "CreateRoute",
    ) -> Route:
        """Add a route. ``destination`` is a CIDR or a prefix-list id; ``target`` an id or ``local``.

        Routes to an instance are stored with its primary ENI as AWS does.
        """
        table = self.resolve(route_table, RouteTable)
        route = Route(origin=origin)
        if destination.startswith("pl-"):
            route.destination_prefix_list_id = destination
        elif ":" in destination:
            route.destination_ipv6_cidr_block = str(ipaddress.IPv6Network(destination, strict=False))
        else:
            route.destination_cidr_block = str(ipaddress.IPv4Network(destination, strict=False))
        set_route_target(route, target)
        if route.instance_id and route.instance_id in self.instances:
            enis = self.instances[route.instance_id].network_interface_ids
            if len(enis) != 1:
                raise ModelError(
                    f"instance {route.instance_id} has {len(enis)} network interfaces; a route may target "
                    "an instance only if it has exactly one",
                    code="InvalidInstanceID",
                    resource=route.instance_id,
                )
            route.network_interface_id = enis[0]
        for existing in table.routes:
            if existing.destination == route.destination and existing.origin != "EnableVgwRoutePropagation":
                if origin == "EnableVgwRoutePropagation":
                    break
                raise ModelError(
                    f"route table {table.route_table_id} already has a route for {route.destination}",
                    code="RouteAlreadyExists",
                    resource=table.route_table_id,
                )
        table.routes.append(route)
        self.touch()
        return route

    def delete_route(self, route_table: str | RouteTable, destination: str) -> None:
        table = self.resolve(route_table, RouteTable)
        before = len(table.routes)
        table.routes = [
            r for r in table.routes if not (r.destination == destination and r.gateway_id != "local")
        ]
        if len(table.routes) == before:
            raise ModelError(
                f"route table {table.route_table_id} has no deletable route for {destination}",
                code="InvalidRoute.NotFound",
                resource=table.route_table_id,
            )
        self.touch()

    # ------------------------------------------------------------------ gateways

    def create_internet_gateway(
        self, *, name: str | None = None, region: str | None = None, internet_gateway_id: str | None = None
    ) -> InternetGateway:
        return self.add(
            InternetGateway(
                internet_gateway_id=internet_gateway_id or self.new_id(InternetGateway),
                **self._common(name, region, None, None),
            )
        )

    def attach_internet_gateway(self, igw: str | InternetGateway, vpc: str | Vpc) -> None:
        igw = self.resolve(igw, InternetGateway)
        vpc = self.resolve(vpc, Vpc)
        if igw.attached_vpc_id:
            raise ModelError(
                f"{igw.internet_gateway_id} is already attached to {igw.attached_vpc_id}",
                code="Resource.AlreadyAssociated",
                resource=igw.internet_gateway_id,
            )
        other = self.internet_gateway_of_vpc(vpc.vpc_id)
        if other is not None:
            raise ModelError(
                f"{vpc.vpc_id} already has internet gateway {other.internet_gateway_id} attached",
                code="Resource.AlreadyAssociated",
                resource=vpc.vpc_id,
            )
        igw.attachments = [InternetGatewayAttachment(vpc_id=vpc.vpc_id)]
        self.touch()

    def detach_internet_gateway(self, igw: str | InternetGateway) -> None:
        igw = self.resolve(igw, InternetGateway)
        igw.attachments = []
        self.touch()

    def create_nat_gateway(
        self,
        subnet: str | Subnet,
        *,
        connectivity_type: Literal["public", "private"] = "public",
        allocation: str | Address | None = None,
        name: str | None = None,
        private_ip: str | None = None,
        nat_gateway_id: str | None = None,
    ) -> NatGateway:
        """A NAT gateway and its requester-managed ENI; a public one gets an Elastic IP."""
        subnet = self.resolve(subnet, Subnet)
        nat_id = nat_gateway_id or self.new_id(NatGateway)
        address: Address | None = None
        if connectivity_type == "public":
            address = self.resolve(allocation, Address) if allocation is not None else self.allocate_address()
        eni = self.create_network_interface(
            subnet,
            private_ip=private_ip,
            groups=[],
            interface_type="nat_gateway",
            description=f"Interface for NAT Gateway {nat_id}",
            source_dest_check=False,
        )
        eni.status = "in-use"  # as AWS lists a NAT gateway's interface
        if address is not None:
            eni.private_ip_addresses[0].public_ip = address.public_ip
            eni.private_ip_addresses[0].allocation_id = address.allocation_id
            address.network_interface_id = eni.network_interface_id
            address.private_ip_address = eni.private_ip_address
            address.association_id = self.new_id("eipassoc")
        return self.add(
            NatGateway(
                nat_gateway_id=nat_id,
                subnet_id=subnet.subnet_id,
                vpc_id=subnet.vpc_id,
                private_ip=eni.private_ip_address,
                connectivity_type=connectivity_type,
                allocation_id=address.allocation_id if address else None,
                public_ip=address.public_ip if address else None,
                network_interface_id=eni.network_interface_id,
                **self._common(name, subnet.region, subnet.owner_id, None),
            )
        )

    def delete_nat_gateway(self, nat: str | NatGateway) -> None:
        """Mark a NAT gateway deleted: routes to it become blackholes, as in AWS."""
        nat = self.resolve(nat, NatGateway)
        nat.state = "deleted"
        self.touch()

    def create_vpc_peering_connection(
        self, requester: str | Vpc, accepter: str | Vpc, *, accept: bool = True, name: str | None = None
    ) -> VpcPeeringConnection:
        req = self.resolve(requester, Vpc)
        acc = self.resolve(accepter, Vpc)
        return self.add(
            VpcPeeringConnection(
                vpc_peering_connection_id=self.new_id(VpcPeeringConnection),
                requester=VpcPeeringSide(
                    vpc_id=req.vpc_id, owner_id=req.owner_id, region=req.region, cidr_blocks=req.cidr_blocks
                ),
                accepter=VpcPeeringSide(
                    vpc_id=acc.vpc_id, owner_id=acc.owner_id, region=acc.region, cidr_blocks=acc.cidr_blocks
                ),
                status="active" if accept else "pending-acceptance",
                **self._common(name, req.region, req.owner_id, None),
            )
        )

    def accept_vpc_peering_connection(self, pcx: str | VpcPeeringConnection) -> None:
        self.resolve(pcx, VpcPeeringConnection).status = "active"
        self.touch()

    def create_vpn_gateway(self, vpc: str | Vpc | None = None, *, name: str | None = None) -> VpnGateway:
        vgw = self.add(
            VpnGateway(vpn_gateway_id=self.new_id(VpnGateway), **self._common(name, None, None, None))
        )
        if vpc is not None:
            vgw.vpc_ids.append(self.resolve(vpc, Vpc).vpc_id)
        return vgw

    def create_managed_prefix_list(
        self,
        name: str,
        cidrs: Iterable[str],
        *,
        max_entries: int | None = None,
        prefix_list_id: str | None = None,
    ) -> ManagedPrefixList:
        entries = [PrefixListEntry(cidr=str(ipaddress.IPv4Network(c, strict=False))) for c in cidrs]
        return self.add(
            ManagedPrefixList(
                prefix_list_id=prefix_list_id or self.new_id(ManagedPrefixList),
                prefix_list_name=name,
                entries=entries,
                max_entries=max_entries or max(len(entries), 1),
                **self._common(name, None, None, None),
            )
        )

    # ------------------------------------------------------------------ network ACLs

    def create_network_acl(self, vpc: str | Vpc, *, name: str | None = None) -> NetworkAcl:
        """A custom network ACL: only the ``*`` rules, so it denies everything until rules are added."""
        vpc = self.resolve(vpc, Vpc)
        created = self.add(
            NetworkAcl(
                network_acl_id=self.new_id(NetworkAcl),
                vpc_id=vpc.vpc_id,
                entries=[
                    NetworkAclEntry(
                        rule_number=32767,
                        protocol="-1",
                        rule_action="deny",
                        egress=False,
                        cidr_block="0.0.0.0/0",
                    ),
                    NetworkAclEntry(
                        rule_number=32767,
                        protocol="-1",
                        rule_action="deny",
                        egress=True,
                        cidr_block="0.0.0.0/0",
                    ),
                ],
                **self._common(name, vpc.region, vpc.owner_id, None),
            )
        )
        if vpc.ipv6_cidr_blocks:
            created.entries += _ipv6_star_entries()
        return created

    def replace_network_acl_association(self, subnet: str | Subnet, acl: str | NetworkAcl) -> None:
        subnet = self.resolve(subnet, Subnet)
        acl = self.resolve(acl, NetworkAcl)
        for other in self.network_acls.values():
            if subnet.subnet_id in other.subnet_ids:
                other.subnet_ids.remove(subnet.subnet_id)
        acl.subnet_ids.append(subnet.subnet_id)
        self.touch()

    def create_network_acl_entry(
        self,
        acl: str | NetworkAcl,
        rule_number: int,
        *,
        egress: bool,
        rule_action: Literal["allow", "deny"],
        protocol: str | int = "-1",
        cidr_block: str = "0.0.0.0/0",
        port_range: tuple[int, int] | None = None,
        icmp_type_code: tuple[int, int] | None = None,
    ) -> NetworkAclEntry:
        acl = self.resolve(acl, NetworkAcl)
        if not 1 <= rule_number <= 32766:
            raise ModelError(
                f"rule number {rule_number} is outside 1-32766", code="InvalidParameterValue", resource=acl.id
            )
        for entry in acl.entries:
            if entry.rule_number == rule_number and entry.egress == egress:
                raise ModelError(
                    f"{acl.id} already has {'an outbound' if egress else 'an inbound'} rule {rule_number}",
                    code="NetworkAclEntryAlreadyExists",
                    resource=acl.id,
                )
        six = ":" in cidr_block
        entry = NetworkAclEntry(
            rule_number=rule_number,
            protocol=protocol_number_string(protocol),
            rule_action=rule_action,
            egress=egress,
            cidr_block=None if six else str(ipaddress.IPv4Network(cidr_block, strict=False)),
            ipv6_cidr_block=str(ipaddress.IPv6Network(cidr_block, strict=False)) if six else None,
            port_range=port_range,
            icmp_type_code=icmp_type_code,
        )
        acl.entries.append(entry)
        self.touch()
        return entry

    def delete_network_acl_entry(self, acl: str | NetworkAcl, rule_number: int, *, egress: bool) -> None:
        acl = self.resolve(acl, NetworkAcl)
        acl.entries = [e for e in acl.entries if not (e.rule_number == rule_number and e.egress == egress)]
        self.touch()

    # ------------------------------------------------------------------ security groups

    def create_security_group(
        self,
        vpc: str | Vpc,
        group_name: str,
        *,
        description: str = "",
        name: str | None = None,
        group_id: str | None = None,
    ) -> SecurityGroup:
        """A new group: no inbound rules, one outbound rule allowing all to 0.0.0.0/0 (and one to
        ::/0 in a VPC with IPv6)."""
        vpc = self.resolve(vpc, Vpc)
        egress = [SecurityGroupRule(ip_protocol="-1", cidr_ipv4="0.0.0.0/0")]
        if vpc.ipv6_cidr_blocks:
            egress.append(SecurityGroupRule(ip_protocol="-1", cidr_ipv6="::/0"))
        return self.add(
            SecurityGroup(
                group_id=group_id or self.new_id(SecurityGroup),
                group_name=group_name,
                vpc_id=vpc.vpc_id,
                description=description or group_name,
                egress=egress,
                **self._common(name, vpc.region, vpc.owner_id, None),
            )
        )

    def authorize_security_group_ingress(self, group: str | SecurityGroup, **rule: Any) -> SecurityGroupRule:
        """Add an inbound rule: ``ip_protocol``, ``from_port``/``to_port`` (or ``port``), and one peer
        (``cidr_ipv4``, ``referenced_group_id`` -- an id or name --, or ``prefix_list_id``)."""
        return self._authorize(group, rule, egress=False)

    def authorize_security_group_egress(self, group: str | SecurityGroup, **rule: Any) -> SecurityGroupRule:
        return self._authorize(group, rule, egress=True)

    def revoke_security_group_egress(
        self, group: str | SecurityGroup, rule: SecurityGroupRule | None = None
    ) -> None:
        """Remove one outbound rule, or every outbound rule when ``rule`` is None."""
        sg = self.resolve(group, SecurityGroup)
        sg.egress = [] if rule is None else [r for r in sg.egress if r is not rule]
        self.touch()

    def revoke_security_group_ingress(
        self, group: str | SecurityGroup, rule: SecurityGroupRule | None = None
    ) -> None:
        sg = self.resolve(group, SecurityGroup)
        sg.ingress = [] if rule is None else [r for r in sg.ingress if r is not rule]
        self.touch()

    def _authorize(
        self, group: str | SecurityGroup, rule: dict[str, Any], *, egress: bool
    ) -> SecurityGroupRule:
        sg = self.resolve(group, SecurityGroup)
        rule = dict(rule)
        if "port" in rule:
            port = rule.pop("port")
            rule["from_port"] = rule["to_port"] = port
        rule.setdefault("ip_protocol", "-1")
        rule["ip_protocol"] = protocol_name(rule["ip_protocol"])
        ref = rule.get("referenced_group_id")
        if ref is not None and not str(ref).startswith("sg-"):
            rule["referenced_group_id"] = self.resolve(ref, SecurityGroup).group_id
        if ref is not None and isinstance(ref, SecurityGroup):
            rule["referenced_group_id"] = ref.group_id
        new = SecurityGroupRule(**rule)
        if not new.peer:
            raise ModelError(
                "a security group rule needs a peer", code="MissingParameter", resource=sg.group_id
            )
        new.security_group_rule_id = new.security_group_rule_id or self.new_id("sgr")
        (sg.egress if egress else sg.ingress).append(new)
        self.touch()
        return new

    # ------------------------------------------------------------------ interfaces and instances

    def create_network_interface(
        self,
        subnet: str | Subnet,
        *,
        private_ip: str | None = None,
        secondary_private_ips: Iterable[str] = (),
        groups: Iterable[str | SecurityGroup] | None = None,
        source_dest_check: bool = True,
        interface_type: str = "interface",
        description: str = "",
        name: str | None = None,
        network_interface_id: str | None = None,
        ipv6_addresses: Iterable[str] | None = None,
    ) -> NetworkInterface:
        """An ENI; with no groups given it gets its VPC's default security group, as in AWS.
        ``ipv6_addresses``: its IPv6 addresses; left None, one free address when the subnet
        assigns IPv6 addresses on creation."""
        subnet = self.resolve(subnet, Subnet)
        if groups is None:
            default = self.default_security_group(subnet.vpc_id)
            group_ids = [default.group_id] if default else []
        else:
            group_ids = [self.resolve(g, SecurityGroup).group_id for g in groups]
        eni = NetworkInterface(
            network_interface_id=network_interface_id or self.new_id(NetworkInterface),
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            groups=group_ids,
            source_dest_check=source_dest_check,
            interface_type=interface_type,
            description=description,
            availability_zone=subnet.availability_zone,
            status="available",
            **self._common(name, subnet.region, subnet.owner_id, None),
        )
        primary = private_ip or self.next_private_ip(subnet.subnet_id)
        eni.private_ip_addresses.append(PrivateIpAddress(private_ip_address=primary, primary=True))
        self.add(eni)
        for address in secondary_private_ips:
            eni.private_ip_addresses.append(PrivateIpAddress(private_ip_address=address))
        if ipv6_addresses is not None:
            eni.ipv6_addresses = [str(ipaddress.IPv6Address(a)) for a in ipv6_addresses]
        elif (
            subnet.assign_ipv6_address_on_creation
            and subnet.ipv6_cidr_block
            and interface_type == "interface"
        ):
            eni.ipv6_addresses = [self.next_ipv6_address(subnet.subnet_id)]
        self.touch()
        return eni

    def run_instance(
        self,
        subnet: str | Subnet,
        *,
        name: str | None = None,
        private_ip: str | None = None,
        groups: Iterable[str | SecurityGroup] | None = None,
        associate_public_ip_address: bool | None = None,
        instance_id: str | None = None,
        source_dest_check: bool = True,
        tags: dict[str, str] | None = None,
        ipv6_addresses: Iterable[str] | None = None,
    ) -> Instance:
        """Launch an instance with one ENI.

        It gets a public IPv4 when ``associate_public_ip_address`` is true or, left None, when
        the subnet maps public addresses on launch.
        """
        subnet = self.resolve(subnet, Subnet)
        instance = Instance(
            instance_id=instance_id or self.new_id(Instance),
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            **self._common(name, subnet.region, subnet.owner_id, tags),
        )
        eni = self.create_network_interface(
            subnet,
            private_ip=private_ip,
            groups=groups,
            source_dest_check=source_dest_check,
            description="Primary network interface",
            ipv6_addresses=ipv6_addresses,
        )
        public = (
            subnet.map_public_ip_on_launch
            if associate_public_ip_address is None
            else associate_public_ip_address
        )
        if public:
            eni.private_ip_addresses[0].public_ip = self.next_public_ip()
        self.add(instance)
        self.attach_network_interface(eni, instance, device_index=0)
        return instance

    def attach_network_interface(
        self, eni: str | NetworkInterface, instance: str | Instance, *, device_index: int | None = None
    ) -> None:
        eni = self.resolve(eni, NetworkInterface)
        instance = self.resolve(instance, Instance)
        index = len(instance.network_interface_ids) if device_index is None else device_index
        eni.attachment = NetworkInterfaceAttachment(instance_id=instance.instance_id, device_index=index)
        eni.status = "in-use"
        instance.network_interface_ids.insert(index, eni.network_interface_id)
        self.touch()

    def stop_instance(self, instance: str | Instance) -> None:
        """Stop: the instance neither sends nor receives, and loses an auto-assigned public IPv4."""
        instance = self.resolve(instance, Instance)
        instance.state = "stopped"
        for eni_id in instance.network_interface_ids:
            for address in self.network_interfaces[eni_id].private_ip_addresses:
                if address.public_ip and not address.allocation_id:
                    address.public_ip = None
        self.touch()

    def start_instance(self, instance: str | Instance) -> None:
        self.resolve(instance, Instance).state = "running"
        self.touch()

    def allocate_address(self, *, public_ip: str | None = None, name: str | None = None) -> Address:
        return self.add(
            Address(
                allocation_id=self.new_id(Address),
                public_ip=public_ip or self.next_public_ip(),
                **self._common(name, None, None, None),
            )
        )

    def associate_address(
        self,
        address: str | Address,
        target: str | Instance | NetworkInterface,
        *,
        private_ip: str | None = None,
    ) -> None:
        """Associate an Elastic IP with an instance (its primary ENI) or an ENI; it replaces any
        auto-assigned public IPv4 of that private address."""
        eip = self.resolve(address, Address)
        if isinstance(target, Instance) or (isinstance(target, str) and target.startswith("i-")):
            instance = self.resolve(target, Instance)
            eni = self.primary_network_interface(instance.instance_id)
        else:
            eni = self.resolve(target, NetworkInterface)
        private = private_ip or eni.private_ip_address
        target_slot = next((s for s in eni.private_ip_addresses if s.private_ip_address == private), None)
        if target_slot is None:
            raise ModelError(
                f"{eni.id} has no private address {private}", code="InvalidParameterValue", resource=eni.id
            )
        # As in a VPC-only account: an associated Elastic IP moves (reassociation is automatic), and an
        # Elastic IP already on the target address is disassociated; neither address keeps a stale copy.
        for other in self.network_interfaces.values():
            for slot in other.private_ip_addresses:
                if slot.allocation_id == eip.allocation_id:
                    slot.public_ip = slot.allocation_id = None
        displaced = self.addresses.get(target_slot.allocation_id or "")
        if displaced is not None:
            displaced.network_interface_id = displaced.private_ip_address = displaced.instance_id = None
            displaced.association_id = None
        target_slot.public_ip = eip.public_ip
        target_slot.allocation_id = eip.allocation_id
        eip.network_interface_id = eni.network_interface_id
        eip.private_ip_address = private
        eip.instance_id = eni.attachment.instance_id if eni.attachment else None
        eip.association_id = self.new_id("eipassoc")
        self.touch()

    # ------------------------------------------------------------------ transit gateways

    def create_transit_gateway(
        self,
        *,
        name: str | None = None,
        region: str | None = None,
        owner_id: str | None = None,
        transit_gateway_id: str | None = None,
        default_route_table_association: bool = True,
        default_route_table_propagation: bool = True,
    ) -> TransitGateway:
        """A transit gateway; with either default option enabled AWS creates its default route
        table (associations and propagations of new attachments go there)."""
        tgw = self.add(
            TransitGateway(
                transit_gateway_id=transit_gateway_id or self.new_id(TransitGateway),
                default_route_table_association=default_route_table_association,
                default_route_table_propagation=default_route_table_propagation,
                **self._common(name, region, owner_id, None),
            )
        )
        if default_route_table_association or default_route_table_propagation:
            table = self.create_transit_gateway_route_table(tgw)
            table.default_association_route_table = default_route_table_association
            table.default_propagation_route_table = default_route_table_propagation
            if default_route_table_association:
                tgw.association_default_route_table_id = table.transit_gateway_route_table_id
            if default_route_table_propagation:
                tgw.propagation_default_route_table_id = table.transit_gateway_route_table_id
        return tgw

    def transit_group_reference(self, vpc_a: str, vpc_b: str) -> bool:
        """Whether a transit gateway with ``SecurityGroupReferencingSupport`` joins the two VPCs
        through available attachments that support it too (inbound rules only, same region)."""
        return any(not missing for missing in self.transit_reference_gaps(vpc_a, vpc_b).values())

    def transit_reference_gaps(self, vpc_a: str, vpc_b: str) -> dict[str, tuple[str, ...]]:
        """Per transit gateway joining the two VPCs through available VPC attachments, the
        resources whose ``SecurityGroupReferencingSupport`` is off: the gateway itself (default
        off) and either VPC's attachment (default on). A gateway with nothing missing resolves
        group references between the two VPCs (:meth:`transit_group_reference`); an empty dict:
        no transit gateway joins them."""
        by_gateway: dict[str, dict[str, TransitGatewayAttachment]] = {}
        for attachment in self.transit_gateway_attachments.values():
            if (
                attachment.resource_type == "vpc"
                and attachment.state == "available"
                and attachment.resource_id in (vpc_a, vpc_b)
            ):
                by_gateway.setdefault(attachment.transit_gateway_id, {})[attachment.resource_id] = attachment
        gaps: dict[str, tuple[str, ...]] = {}
        for tgw_id, attachments in sorted(by_gateway.items()):
            tgw = self.transit_gateways.get(tgw_id)
            if tgw is None or set(attachments) != {vpc_a, vpc_b}:
                continue
            missing = [] if tgw.security_group_referencing_support else [tgw_id]
            missing += sorted(
                a.transit_gateway_attachment_id
                for a in attachments.values()
                if not a.security_group_referencing_support
            )
            gaps[tgw_id] = tuple(missing)
        return gaps

    def group_reference_transit_gaps(
        self, group: SecurityGroup, referenced: SecurityGroup, *, egress: bool = False
    ) -> tuple[str, ...]:
        """What keeps a rule of ``group`` referencing ``referenced`` from resolving across a
        transit gateway: the gateway and/or attachments without ``SecurityGroupReferencingSupport``
        (those of the joining gateway that lacks fewest). Empty when the reference resolves, or
        when enabling the option would not make it resolve: an outbound rule, another region, a
        peering between the VPCs (which decides alone: :meth:`group_reference_resolves`), no
        transit gateway joining them."""
        if egress or referenced.vpc_id == group.vpc_id or referenced.region != group.region:
            return ()
        if self._active_peering(group.vpc_id, referenced.vpc_id) is not None:
            return ()
        gaps = self.transit_reference_gaps(group.vpc_id, referenced.vpc_id)
        if not gaps or any(not missing for missing in gaps.values()):
            return ()
        return min(gaps.values(), key=len)

    def create_transit_gateway_route_table(
        self, transit_gateway: str | TransitGateway, *, name: str | None = None
    ) -> TransitGatewayRouteTable:
        tgw = self.resolve(transit_gateway, TransitGateway)
        return self.add(
            TransitGatewayRouteTable(
                transit_gateway_route_table_id=self.new_id(TransitGatewayRouteTable),
                transit_gateway_id=tgw.transit_gateway_id,
                **self._common(name, tgw.region, tgw.owner_id, None),
            )
        )

    def create_transit_gateway_vpc_attachment(
        self,
        transit_gateway: str | TransitGateway,
        vpc: str | Vpc,
        subnets: Iterable[str | Subnet],
        *,
        name: str | None = None,
        appliance_mode_support: bool = False,
    ) -> TransitGatewayAttachment:
        """Attach a VPC through one subnet per zone: the gateway puts an ENI (one address of the
        subnet) in each, and the default options associate and propagate the attachment."""
        tgw = self.resolve(transit_gateway, TransitGateway)
        vpc = self.resolve(vpc, Vpc)
        chosen = [self.resolve(s, Subnet) for s in subnets]
        zones: dict[str, str] = {}
        for subnet in chosen:
            if subnet.vpc_id != vpc.vpc_id:
                raise ModelError(
                    f"subnet {subnet.subnet_id} is not in {vpc.vpc_id}",
                    code="InvalidParameterValue",
                    resource=subnet.subnet_id,
                )
            if subnet.availability_zone in zones:
                raise ModelError(
                    f"subnets {zones[subnet.availability_zone]} and {subnet.subnet_id} are in the same "
                    f"Availability Zone {subnet.availability_zone}: an attachment takes one subnet per zone",
                    code="DuplicateSubnetsInSameZone",
                    resource=subnet.subnet_id,
                )
            zones[subnet.availability_zone] = subnet.subnet_id
        if not chosen:
            raise ModelError(
                "a VPC attachment needs at least one subnet", code="MissingParameter", resource=vpc.vpc_id
            )
        attachment = self.add(
            TransitGatewayAttachment(
                transit_gateway_attachment_id=self.new_id(TransitGatewayAttachment),
                transit_gateway_id=tgw.transit_gateway_id,
                resource_type="vpc",
                resource_id=vpc.vpc_id,
                subnet_ids=[s.subnet_id for s in chosen],
                appliance_mode_support=appliance_mode_support,
                **self._common(name, tgw.region, vpc.owner_id, None),
            )
        )
        for subnet in chosen:
            self.create_network_interface(
                subnet,
                groups=[],
                interface_type="transit_gateway",
                description=f"Network Interface for Transit Gateway Attachment "
                f"{attachment.transit_gateway_attachment_id}",
                source_dest_check=False,
            )
        self._default_association(tgw, attachment)
        return attachment

    def create_transit_gateway_peering_attachment(
        self,
        transit_gateway: str | TransitGateway,
        peer_transit_gateway: str | TransitGateway,
        *,
        name: str | None = None,
        accept: bool = True,
    ) -> TransitGatewayAttachment:
        """Peer two transit gateways (any regions or accounts). Peering attachments are never
        associated or propagated by default: each side needs static routes to it."""
        tgw = self.resolve(transit_gateway, TransitGateway)
        peer = self.resolve(peer_transit_gateway, TransitGateway)
        return self.add(
            TransitGatewayAttachment(
                transit_gateway_attachment_id=self.new_id(TransitGatewayAttachment),
                transit_gateway_id=tgw.transit_gateway_id,
                resource_type="peering",
                resource_id=peer.transit_gateway_id,
                peer_transit_gateway_id=peer.transit_gateway_id,
                peer_region=peer.region,
                peer_owner_id=peer.owner_id,
                state="available" if accept else "pendingAcceptance",
                **self._common(name, tgw.region, tgw.owner_id, None),
            )
        )

    def create_transit_gateway_vpn_attachment(
        self, transit_gateway: str | TransitGateway, vpn_connection_id: str, *, name: str | None = None
    ) -> TransitGatewayAttachment:
        """A VPN attachment: what lies beyond it is not modelled."""
        tgw = self.resolve(transit_gateway, TransitGateway)
        attachment = self.add(
            TransitGatewayAttachment(
                transit_gateway_attachment_id=self.new_id(TransitGatewayAttachment),
                transit_gateway_id=tgw.transit_gateway_id,
                resource_type="vpn",
                resource_id=vpn_connection_id,
                **self._common(name, tgw.region, tgw.owner_id, None),
            )
        )
        self._default_association(tgw, attachment)
        return attachment

    def _default_association(self, tgw: TransitGateway, attachment: TransitGatewayAttachment) -> None:
        attachment_id = attachment.transit_gateway_attachment_id
        if tgw.default_route_table_association and tgw.association_default_route_table_id:
            table = self.transit_gateway_route_tables.get(tgw.association_default_route_table_id)
            if table is not None:
                table.associations.append(attachment_id)
        if tgw.default_route_table_propagation and tgw.propagation_default_route_table_id:
            table = self.transit_gateway_route_tables.get(tgw.propagation_default_route_table_id)
            if table is not None:
                table.propagations.append(attachment_id)
        self.touch()

    def associate_transit_gateway_route_table(
        self, route_table: str | TransitGatewayRouteTable, attachment: str | TransitGatewayAttachment
    ) -> None:
        """Associate an attachment with a table (it must not be associated already, as in AWS)."""
        table = self.resolve(route_table, TransitGatewayRouteTable)
        found = self.resolve(attachment, TransitGatewayAttachment)
        attachment_id = found.transit_gateway_attachment_id
        for other in self.transit_gateway_route_tables.values():
            if other.transit_gateway_id == table.transit_gateway_id and attachment_id in other.associations:
                raise ModelError(
                    f"{attachment_id} is already associated with {other.transit_gateway_route_table_id}",
                    code="Resource.AlreadyAssociated",
                    resource=attachment_id,
                )
        table.associations.append(attachment_id)
        self.touch()

    def modify_transit_gateway(
        self, transit_gateway: str | TransitGateway, *, security_group_referencing_support: bool | None = None
    ) -> None:
        """``ModifyTransitGateway``'s options vpcsim models (None: left as it is)."""
        tgw = self.resolve(transit_gateway, TransitGateway)
        if security_group_referencing_support is not None:
            tgw.security_group_referencing_support = security_group_referencing_support
        self.touch()

    def modify_transit_gateway_vpc_attachment(
        self,
        attachment: str | TransitGatewayAttachment,
        *,
        security_group_referencing_support: bool | None = None,
        appliance_mode_support: bool | None = None,
    ) -> None:
        """``ModifyTransitGatewayVpcAttachment``'s options vpcsim models (None: left as it is)."""
        found = self.resolve(attachment, TransitGatewayAttachment)
        if found.resource_type != "vpc":
            raise ModelError(
                f"{found.transit_gateway_attachment_id} is not a VPC attachment",
                code="InvalidTransitGatewayAttachmentID.NotFound",
                resource=found.transit_gateway_attachment_id,
            )
        if security_group_referencing_support is not None:
            found.security_group_referencing_support = security_group_referencing_support
        if appliance_mode_support is not None:
            found.appliance_mode_support = appliance_mode_support
        self.touch()

    def disassociate_transit_gateway_route_table(
        self, route_table: str | TransitGatewayRouteTable, attachment: str | TransitGatewayAttachment
    ) -> None:
        table = self.resolve(route_table, TransitGatewayRouteTable)
        attachment_id = self.resolve(attachment, TransitGatewayAttachment).transit_gateway_attachment_id
        table.associations = [a for a in table.associations if a != attachment_id]
        self.touch()

    def enable_transit_gateway_route_table_propagation(
        self, route_table: str | TransitGatewayRouteTable, attachment: str | TransitGatewayAttachment
    ) -> None:
        table = self.resolve(route_table, TransitGatewayRouteTable)
        attachment_id = self.resolve(attachment, TransitGatewayAttachment).transit_gateway_attachment_id
        if attachment_id not in table.propagations:
            table.propagations.append(attachment_id)
        self.touch()

    def disable_transit_gateway_route_table_propagation(
        self, route_table: str | TransitGatewayRouteTable, attachment: str | TransitGatewayAttachment
    ) -> None:
        table = self.resolve(route_table, TransitGatewayRouteTable)
        attachment_id = self.resolve(attachment, TransitGatewayAttachment).transit_gateway_attachment_id
        table.propagations = [a for a in table.propagations if a != attachment_id]
        self.touch()

    def create_transit_gateway_route(
        self,
        route_table: str | TransitGatewayRouteTable,
        destination: str,
        attachment: str | TransitGatewayAttachment | None = None,
        *,
        blackhole: bool = False,
    ) -> TransitGatewayRoute:
        """A static route to an attachment, or a blackhole (``attachment`` None, ``blackhole``)."""
        table = self.resolve(route_table, TransitGatewayRouteTable)
        if (attachment is None) == (not blackhole):
            raise ModelError(
                "a transit gateway route names an attachment or is a blackhole (not both)",
                code="InvalidParameterCombination",
                resource=table.transit_gateway_route_table_id,
            )
        route = TransitGatewayRoute(blackhole=blackhole, state="blackhole" if blackhole else "active")
        if destination.startswith("pl-"):
            route.prefix_list_id = destination
        else:
            route.destination_cidr_block = str(ipaddress.IPv4Network(destination, strict=False))
        if attachment is not None:
            route.transit_gateway_attachment_id = self.resolve(
                attachment, TransitGatewayAttachment
            ).transit_gateway_attachment_id
        for existing in table.routes:
            if existing.type == "static" and existing.destination == route.destination:
                raise ModelError(
                    f"{table.transit_gateway_route_table_id} already has a static route for {route.destination}",
                    code="RouteAlreadyExists",
                    resource=table.transit_gateway_route_table_id,
                )
        table.routes.append(route)
        self.touch()
        return route

    def create_vpc_endpoint(
        self,
        vpc: str | Vpc,
        service_name: str,
        *,
        vpc_endpoint_type: Literal["Gateway", "Interface", "GatewayLoadBalancer"] = "Gateway",
        route_tables: Iterable[str | RouteTable] = (),
        subnets: Iterable[str | Subnet] = (),
        groups: Iterable[str | SecurityGroup] | None = None,
        prefix_list_id: str | None = None,
        name: str | None = None,
    ) -> VpcEndpoint:
        """A gateway endpoint (a route ``prefix list -> vpce-`` in each chosen route table), an
        interface endpoint (an ENI in each chosen subnet, with the groups given, else the VPC's
        default group) or a Gateway Load Balancer endpoint (one subnet, an ENI without groups;
        routes point at it)."""
        vpc = self.resolve(vpc, Vpc)
        endpoint = self.add(
            VpcEndpoint(
                vpc_endpoint_id=self.new_id(VpcEndpoint),
                vpc_id=vpc.vpc_id,
                service_name=service_name,
                vpc_endpoint_type=vpc_endpoint_type,
                prefix_list_id=prefix_list_id,
                **self._common(name, vpc.region, vpc.owner_id, None),
            )
        )
        if vpc_endpoint_type == "Gateway":
            if prefix_list_id is None:
                raise ModelError(
                    "a gateway endpoint needs its service's prefix list",
                    code="MissingParameter",
                    resource=vpc.vpc_id,
                )
            for ref in route_tables:
                table = self.resolve(ref, RouteTable)
                endpoint.route_table_ids.append(table.route_table_id)
                self.create_route(table, prefix_list_id, endpoint.vpc_endpoint_id)
            return endpoint
        gwlb = vpc_endpoint_type == "GatewayLoadBalancer"
        chosen = [self.resolve(subnet_ref, Subnet) for subnet_ref in subnets]
        if gwlb and len(chosen) != 1:
            raise ModelError(
                "a Gateway Load Balancer endpoint takes exactly one subnet",
                code="InvalidParameterValue",
                resource=endpoint.vpc_endpoint_id,
            )
        group_list = [] if gwlb else (list(groups) if groups is not None else None)
        for subnet in chosen:
            eni = self.create_network_interface(
                subnet,
                groups=group_list,
                interface_type="gateway_load_balancer_endpoint" if gwlb else "vpc_endpoint",
                description=f"VPC Endpoint Interface {endpoint.vpc_endpoint_id}",
                source_dest_check=not gwlb,
            )
            endpoint.subnet_ids.append(subnet.subnet_id)
            endpoint.network_interface_ids.append(eni.network_interface_id)
            endpoint.group_ids = list(eni.groups)
        self.touch()
        return endpoint

    # ------------------------------------------------------------------ helpers

    def _common(
        self, name: str | None, region: str | None, owner_id: str | None, tags: dict[str, str] | None
    ) -> dict[str, Any]:
        all_tags = dict(tags or {})
        if name is not None:
            all_tags["Name"] = name
        return {"region": region or self.region, "owner_id": owner_id or self.account, "tags": all_tags}

    # ------------------------------------------------------------------ Elastic Load Balancing

    def create_load_balancer(
        self,
        name: str,
        subnets: Iterable[str | Subnet],
        *,
        load_balancer_type: Literal["application", "network", "gateway", "classic"] = "application",
        scheme: Literal["internet-facing", "internal"] = "internet-facing",
        security_groups: Iterable[str | SecurityGroup] | None = None,
        cross_zone: bool | None = None,
        load_balancer_arn: str | None = None,
        tags: dict[str, str] | None = None,
        nodes: Mapping[str, tuple[str | None, str | None]] | None = None,
        create_nodes: bool = True,
    ) -> LoadBalancer:
        """A load balancer with one node per subnet: an ENI AWS manages, with the description AWS
        writes (``ELB app/<name>/<id>``), the load balancer's security groups and, when
        internet-facing, a public address held by AWS. An ALB or CLB given no group gets its VPC's
        default group, as in AWS; an NLB given none has none (and can never get one).
        ``nodes``: subnet id -> (private address, public address) of its node, where given;
        ``create_nodes=False`` makes no node (they are added as ENIs of their own)."""
        chosen = [self.resolve(s, Subnet) for s in subnets]
        if not chosen:
            raise ModelError(f"load balancer {name} needs at least one subnet", code="ValidationError")
        vpc_id = chosen[0].vpc_id
        if security_groups is None:
            default = self.default_security_group(vpc_id)
            group_ids = (
                [default.group_id]
                if default is not None and load_balancer_type in ("application", "classic")
                else []
            )
        else:
            group_ids = [self.resolve(g, SecurityGroup).group_id for g in security_groups]
        first = chosen[0]
        suffix = derived_suffix(self._seed, "elb", name)
        arn = load_balancer_arn or _elb_arn(first.region, first.owner_id, load_balancer_type, name, suffix)
        lb = LoadBalancer(
            load_balancer_arn=arn,
            load_balancer_name=name,
            type=load_balancer_type,
            scheme=scheme,
            vpc_id=vpc_id,
            availability_zones=[
                LoadBalancerAvailabilityZone(zone_name=s.availability_zone, subnet_id=s.subnet_id)
                for s in chosen
            ],
            security_groups=group_ids,
            cross_zone=cross_zone,
            **self._common(None, first.region, first.owner_id, tags),
        )
        self.add(lb)
        interface_type = {"network": "network_load_balancer", "gateway": "gateway_load_balancer"}.get(
            load_balancer_type, "interface"
        )
        for subnet in chosen if create_nodes else []:
            private, public = (nodes or {}).get(subnet.subnet_id, (None, None))
            eni = self.create_network_interface(
                subnet,
                private_ip=private,
                groups=group_ids,
                interface_type=interface_type,
                description=node_description(lb),
            )
            eni.status = "in-use"
            if scheme == "internet-facing":
                eni.private_ip_addresses[0].public_ip = public or self.next_public_ip()
        self.touch()
        return lb

    def find_load_balancer(self, ref: str | LoadBalancer) -> LoadBalancer:
        """A load balancer by object, ARN or name."""
        if isinstance(ref, LoadBalancer):
            return ref
        found = self.load_balancers.get(ref) or next(
            (lb for lb in self.load_balancers.values() if lb.load_balancer_name == ref), None
        )
        if found is None:
            raise ModelError(f"load balancer {ref} not found", code="LoadBalancerNotFound", resource=ref)
        return found

    def load_balancer_named(self, ref: str) -> LoadBalancer | None:
        """The load balancer whose ARN or name is ``ref`` (None when there is none)."""
        found = self.load_balancers.get(ref.strip())
        if found is not None:
            return found
        named = [lb for lb in self.load_balancers.values() if lb.load_balancer_name == ref.strip()]
        if len(named) > 1:
            raise ModelError(
                f"{ref!r} names several load balancers ({', '.join(sorted(lb.load_balancer_arn for lb in named))})",
                code="VPCSIM_AMBIGUOUS",
            )
        return named[0] if named else None

    def load_balancer_nodes(self, load_balancer: LoadBalancer) -> list[NetworkInterface]:
        """The node ENIs of a load balancer (described ``ELB <app|net>/<name>/<id>``), by zone."""
        description = node_description(load_balancer)
        nodes = [
            e
            for e in self.network_interfaces.values()
            if e.description == description and e.vpc_id == load_balancer.vpc_id
        ]
        return sorted(
            nodes,
            key=lambda e: (
                self.subnets[e.subnet_id].availability_zone if e.subnet_id in self.subnets else "",
                e.network_interface_id,
            ),
        )

    def find_target_group(self, ref: str | TargetGroup) -> TargetGroup:
        """A target group by object, ARN or name."""
        if isinstance(ref, TargetGroup):
            return ref
        found = self.target_groups.get(ref) or next(
            (tg for tg in self.target_groups.values() if tg.target_group_name == ref), None
        )
        if found is None:
            raise ModelError(f"target group {ref} not found", code="TargetGroupNotFound", resource=ref)
        return found

    def create_target_group(
        self,
        name: str,
        *,
        vpc: str | Vpc | None = None,
        protocol: str | None = None,
        port: int | None = None,
        target_type: Literal["instance", "ip", "lambda", "alb"] = "instance",
        preserve_client_ip: bool | None = None,
        target_group_arn: str | None = None,
    ) -> TargetGroup:
        """A target group (``CreateTargetGroup``); register targets with :meth:`register_targets`."""
        vpc_obj = self.resolve(vpc, Vpc) if vpc is not None else None
        suffix = derived_suffix(self._seed, "tg", name)
        region = vpc_obj.region if vpc_obj is not None else self.region
        owner = vpc_obj.owner_id if vpc_obj is not None else self.account
        return self.add(
            TargetGroup(
                target_group_arn=target_group_arn or _tg_arn(region, owner, name, suffix),
                target_group_name=name,
                protocol=protocol,
                port=port,
                vpc_id=vpc_obj.vpc_id if vpc_obj is not None else None,
                target_type=target_type,
                preserve_client_ip=preserve_client_ip,
                **self._common(None, region, owner, None),
            )
        )

    def register_targets(
        self, target_group: str | TargetGroup, targets: Iterable[str | tuple[str, int | None]]
    ) -> None:
        """Register targets (an instance id or an IP address, with an optional port overriding
        the group's); the zone is the instance's or the subnet's holding the address."""
        tg = self.find_target_group(target_group)
        for target in targets:
            target_id, port = (target, None) if isinstance(target, str) else target
            zone: str | None = None
            if target_id in self.instances:
                zone = self.subnets[self.instances[target_id].subnet_id].availability_zone
            elif tg.vpc_id is not None:
                owner = self.owner_in_vpc(tg.vpc_id, target_id) if "." in target_id else None
                if owner is not None:
                    zone = self.subnets[owner.subnet_id].availability_zone
            tg.targets.append(TargetDescription(id=target_id, port=port, availability_zone=zone))
        self.touch()

    def create_listener(
        self,
        load_balancer: str | LoadBalancer,
        *,
        port: int,
        protocol: str,
        target_groups: Iterable[str | TargetGroup] = (),
        action_type: str = "forward",
        instance_port: int | None = None,
        instance_protocol: str | None = None,
    ) -> Listener:
        """A listener forwarding to target groups (ELBv2) or, on a Classic Load Balancer, to the
        registered instances on ``instance_port``."""
        lb = self.find_load_balancer(load_balancer)
        arns = [self.find_target_group(t).target_group_arn for t in target_groups]
        listener_arn = lb.load_balancer_arn.replace(":loadbalancer/", ":listener/") + f"/{port}"
        listener = Listener(
            listener_arn=listener_arn,
            port=port,
            protocol=protocol,
            default_actions=[ListenerAction(type=action_type, target_group_arns=arns, order=1)]
            if lb.type != "classic"
            else [],
            instance_port=instance_port if lb.type == "classic" else None,
            instance_protocol=instance_protocol if lb.type == "classic" else None,
        )
        lb.listeners.append(listener)
        for arn in arns:
            tg = self.target_groups[arn]
            if lb.load_balancer_arn not in tg.load_balancer_arns:
                tg.load_balancer_arns.append(lb.load_balancer_arn)
        self.touch()
        return listener

    def register_instances_with_load_balancer(
        self, load_balancer: str | LoadBalancer, instances: Iterable[str | Instance]
    ) -> None:
        """Classic Load Balancer: register instances on the load balancer itself."""
        lb = self.find_load_balancer(load_balancer)
        for instance in instances:
            instance_id = self.resolve(instance, Instance).instance_id
            if instance_id not in lb.instances:
                lb.instances.append(instance_id)
        self.touch()


def _ipv6_star_entries() -> list[NetworkAclEntry]:
    """The IPv6 ``*`` rules (32768) of every network ACL of a VPC with IPv6."""
    return [
        NetworkAclEntry(
            rule_number=32768, protocol="-1", rule_action="deny", egress=e, ipv6_cidr_block="::/0"
        )
        for e in (False, True)
    ]


def _add_ipv6_acl_entries(acl: NetworkAcl) -> None:
    """What a network ACL gets when its VPC gets its first IPv6 block: the ``*`` rules; the
    default ACL also rule 101 allowing all of ``::/0``, per direction whose rules are unmodified."""
    if acl.is_default:
        for egress in (False, True):
            mine = sorted(
                (e.rule_number, e.rule_action, e.protocol, e.cidr_block)
                for e in acl.entries
                if e.egress == egress
            )
            if mine == [(100, "allow", "-1", "0.0.0.0/0"), (32767, "deny", "-1", "0.0.0.0/0")]:
                acl.entries.append(
                    NetworkAclEntry(
                        rule_number=101,
                        protocol="-1",
                        rule_action="allow",
                        egress=egress,
                        ipv6_cidr_block="::/0",
                    )
                )
    if not any(e.rule_number == 32768 for e in acl.entries):
        acl.entries += _ipv6_star_entries()


def _original_egress(rules: list[SecurityGroupRule]) -> bool:
    """A group's outbound rules as AWS created them (allow all to 0.0.0.0/0, nothing else)."""
    return len(rules) == 1 and rules[0].ip_protocol == "-1" and rules[0].cidr_ipv4 == "0.0.0.0/0"


def default_network_acl_entries() -> list[NetworkAclEntry]:
    """A default ACL: rule 100 allows all both ways, then the ``*`` rule denies."""
    return [
        NetworkAclEntry(
            rule_number=100, protocol="-1", rule_action="allow", egress=False, cidr_block="0.0.0.0/0"
        ),
        NetworkAclEntry(
            rule_number=100, protocol="-1", rule_action="allow", egress=True, cidr_block="0.0.0.0/0"
        ),
        NetworkAclEntry(
            rule_number=32767, protocol="-1", rule_action="deny", egress=False, cidr_block="0.0.0.0/0"
        ),
        NetworkAclEntry(
            rule_number=32767, protocol="-1", rule_action="deny", egress=True, cidr_block="0.0.0.0/0"
        ),
    ]


PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1, "-1": -1}
PROTOCOL_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", -1: "-1"}


def protocol_number(protocol: str | int) -> int:
    """``tcp`` -> 6, ``"17"`` -> 17, ``-1``/``all`` -> -1."""
    if isinstance(protocol, int):
        return protocol
    text = protocol.strip().lower()
    if text in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[text]
    try:
        value = int(text)
    except ValueError:
        names = ", ".join(sorted(PROTOCOL_NUMBERS))
        raise ValueError(f"unknown protocol {protocol!r}: use {names} or a number 0-255") from None
    if not -1 <= value <= 255:
        raise ValueError(f"protocol {protocol!r} is not -1 or 0-255")
    return value


def protocol_name(protocol: str | int) -> str:
    """The security-group spelling: ``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``-1`` or a number."""
    number = protocol_number(protocol)
    return PROTOCOL_NAMES.get(number, str(number))


def protocol_number_string(protocol: str | int) -> str:
    """The network-ACL spelling: ``-1`` or a number as a string."""
    return str(protocol_number(protocol))


def set_route_target(route: Route, target: str) -> None:
    """Put ``target`` into the route field that AWS uses for its kind."""
    field_name = route_target_field(target)
    if field_name is None:
        raise ModelError(f"unknown route target {target!r}", code="InvalidParameterValue", resource=target)
    setattr(route, field_name, target)
