"""Build a :class:`~vpcsim.model.Network` from a checked :class:`NetworkSpec`.

Why a builder of its own: the spec names things (``route_table: public``), the model holds ids.
This module registers every key first (so references may point forward in the file), then
creates resources in dependency order through the model's EC2-like builder methods -- which
create AWS's implicit resources: a VPC's main route table, default network ACL and default
security group, an instance's primary ENI. It records, for every resource id and model field,
the key path that produced it, so that a problem found later (by :func:`vpcsim.model.validate`)
still points at ``file:line:column``.

Problems are collected, not raised one by one: a user fixing a file wants every dangling name at
once. Nothing half-built leaves this module: any problem raises :class:`InputError`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..model import (
    Address,
    EgressOnlyInternetGateway,
    Instance,
    InternetGatewayAttachment,
    ManagedPrefixList,
    ModelError,
    NatGateway,
    Network,
    NetworkAclEntry,
    NetworkInterface,
    NetworkInterfaceAttachment,
    PrefixListEntry,
    Route,
    RouteTable,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    UnknownResource,
    VpcEndpoint,
    VpcPeeringConnection,
    VpcPeeringSide,
    VpnGateway,
)
from ..model.addressing import SubnetAddresses, ip_int, ip_str, route_target_kind
from ..model.network import default_network_acl_entries, set_route_target
from ..model.resources import RouteOrigin
from ..model.validate import INACTIVE_NAT_STATES
from .problems import InputError, LoadProblem
from .spec_names import (
    ASSOCIATION,
    DEFAULT_NETWORK_ACL,
    KINDS,
    MAIN_ROUTE_TABLE,
    NAT_ELASTIC_IP,
    NAT_INTERFACE,
    PRIMARY_INTERFACE,
    TARGET_QUALIFIERS,
    derive_id,
    id_prefix,
    is_id_of,
    looks_like_id,
)
from .spec_rules import parse_nacl_rule, parse_sg_rule
from .spec_schema import (
    InstanceSpec,
    NatGatewaySpec,
    NetworkInterfaceSpec,
    NetworkSpec,
    PeeringSideSpec,
    PrivateAddressSpec,
    RouteSpec,
    SgRuleSpec,
    VpcSpec,
)
from .spec_yaml import Document, Path, format_path

GLOBAL = ""
"""The scope of resources declared at the top of the file (VPCs are scoped by their key)."""


def aws_default_acl_entries(ipv6: bool) -> list[NetworkAclEntry]:
    """A default network ACL as AWS makes it: allow all (rule 100, and 101 for IPv6), then `*`."""
    entries = default_network_acl_entries()
    if ipv6:
        entries += [
            NetworkAclEntry(
                rule_number=101, protocol="-1", rule_action="allow", egress=e, ipv6_cidr_block="::/0"
            )
            for e in (False, True)
        ]
        entries += star_entries_ipv6()
    return entries


def star_entries_ipv6() -> list[NetworkAclEntry]:
    """The IPv6 `*` rules (32768) of every network ACL of a VPC with IPv6 blocks."""
    return [
        NetworkAclEntry(
            rule_number=32768, protocol="-1", rule_action="deny", egress=e, ipv6_cidr_block="::/0"
        )
        for e in (False, True)
    ]


def main_table_key(vpc: VpcSpec) -> str | None:
    """The key of the VPC's main route table in the file, if it is written there (the first)."""
    return next((k for k, t in vpc.route_tables.items() if t.main), None)


def default_acl_key(vpc: VpcSpec) -> str | None:
    return next((k for k, a in vpc.network_acls.items() if a.default), None)


def default_group_key(vpc: VpcSpec) -> str | None:
    """The key of the VPC's default security group in the file, if it is written there."""
    return next((k for k, g in vpc.security_groups.items() if (g.group_name or k) == "default"), None)


@dataclass(frozen=True, slots=True)
class _Slot:
    """One address of an ENI: where it is written and the public address it should get."""

    path: Path
    public: bool | str | None
    elastic_ip: str | None


class SpecBuilder:
    """One load: names -> ids, then resources in dependency order, then where each came from."""

    def __init__(self, spec: NetworkSpec, document: Document, seed: str, network: Network) -> None:
        self.spec = spec
        self.doc = document
        self.seed = seed
        self.net = network
        self.problems: list[LoadProblem] = []
        self.names: dict[tuple[str, str], dict[str, str]] = {}
        """(scope, kind) -> key -> id."""
        self.id_paths: dict[str, Path] = {}
        """Every id the file declares (or derives) -> the key path of its resource."""
        self.id_kinds: dict[str, str] = {}
        self.where: dict[str, Path] = {}
        """Resource id -> the key path to point at for problems about it."""
        self.fields: dict[tuple[str, str], Path] = {}
        """(resource id, model field) -> key path; see :meth:`locate`."""
        self.vpc_ids: dict[str, str] = {}
        self.taken: dict[str, set[int]] = {}
        """VPC id -> private addresses in use or written somewhere in the file."""
        self.pools: dict[str, SubnetAddresses] = {}
        """Subnet id -> its allocator, on the VPC's taken addresses."""
        self.public_reserved: set[str] = set()
        self.eip_users: dict[str, Path] = {}

    # ------------------------------------------------------------------ reporting

    def error(self, path: Sequence[object], code: str, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, code, message, key=key))

    @contextmanager
    def model_errors(self, path: Path) -> Iterator[None]:
        """A refusal of the model's builder is a problem at ``path`` (the checks before it should
        have caught it; a half-built network must not go on)."""
        try:
            yield
        except ModelError as exc:
            self.error(path, exc.code or "VPCSIM_SPEC_VALUE", str(exc))
            raise InputError(self.problems) from None

    def record(self, resource_id: str, path: Path, **fields: Path) -> None:
        self.where.setdefault(resource_id, path)
        for name, field_path in fields.items():
            self.fields[(resource_id, name)] = field_path

    def record_field(self, resource_id: str, field: str, path: Path) -> None:
        self.fields[(resource_id, field)] = path

    def locate(self, resource_id: str, field: str) -> Path | None:
        """The key path behind a model field: ``routes[2].nat_gateway_id`` falls back to
        ``routes[2]``, then ``routes``, then the resource's own entry."""
        while True:
            found = self.fields.get((resource_id, field))
            if found is not None:
                return found
            if not field:
                return self.where.get(resource_id)
            cut = max(field.rfind("."), field.rfind("["))
            field = field[:cut] if cut > 0 else ""

    # ------------------------------------------------------------------ ids and names

    def derive(self, prefix: str, path: Sequence[object]) -> str:
        return derive_id(prefix, self.seed, format_path(path))

    def declare(self, kind: str, scope: str, key: str, explicit: str | None, path: Path) -> str:
        """Register a resource's key and id; an id-shaped key is the resource's id."""
        info = KINDS[kind]
        key_is_id = looks_like_id(key, info.prefix)
        if explicit is not None and not is_id_of(explicit, info.prefix):
            self.error(
                (*path, "id"),
                "VPCSIM_SPEC_ID",
                f"{explicit!r} is not a {info.label} id; it starts with {info.prefix}- "
                f"(like {derive_id(info.prefix, 'example', '')})",
            )
        if key_is_id and explicit is not None and explicit != key:
            self.error(
                (*path, "id"),
                "VPCSIM_SPEC_ID",
                f"the key {key!r} is an id, and id says {explicit!r}; keep one",
            )
        resource_id = key if key_is_id else (explicit or self.derive(info.prefix, path))
        if resource_id in self.id_paths:
            first = format_path(self.id_paths[resource_id])
            self.error(
                (*path, "id") if explicit else path,
                "InvalidParameterValue",
                f"id {resource_id} is already used by {first}; ids are unique",
                key=explicit is None,
            )
        self.id_paths[resource_id] = path
        self.id_kinds[resource_id] = kind
        self.names.setdefault((scope, kind), {})[key] = resource_id
        return resource_id

    def name_tags(self, kind: str, key: str, tags: dict[str, str], path: Path) -> dict[str, str]:
        """The key is the Name tag (unless it is an id)."""
        result = dict(tags)
        if looks_like_id(key, KINDS[kind].prefix):
            return result
        if "Name" in tags and tags["Name"] != key:
            self.error(
                (*path, "tags", "Name"),
                "VPCSIM_SPEC_NAME",
                f"the key {key!r} is this resource's Name tag; remove tags.Name "
                "(or key the resource by its id to give it another Name)",
            )
        result["Name"] = key
        return {"Name": key, **{k: v for k, v in result.items() if k != "Name"}}

    def lookup(self, kind: str, scope: str, ref: str) -> str | None:
        """A key of ``kind`` in ``scope``, or an id the file declares, of that kind."""
        found = self.names.get((scope, kind), {}).get(ref)
        if found is not None:
            return found
        if self.id_kinds.get(ref) == kind:
            return ref
        return None

    def resolve(
        self, kind: str, scope: str, ref: str, path: Sequence[object], *, unknown_ok: bool = False
    ) -> str | None:
        """Like :meth:`lookup`; a miss is a problem that says where to define the name."""
        found = self.lookup(kind, scope, ref)
        if found is not None:
            return found
        if unknown_ok and ref in self.spec.unknown_resources:
            return ref
        info = KINDS[kind]
        where = f"vpcs.{scope}.{info.section}" if info.scoped else info.section
        self.error(
            path,
            info.not_found,
            f"no {info.label} {ref!r} here; define it under {where}, or fix the name",
        )
        return None

    # ------------------------------------------------------------------ the build

    def build(self) -> None:
        self.register()
        self.reserve_addresses()
        if any(p.code in ("VPCSIM_SPEC_ID", "InvalidParameterValue") for p in self.problems):
            raise InputError(self.problems)  # ids are broken: nothing can be built on them
        self.build_prefix_lists()
        for key, vpc in self.spec.vpcs.items():
            self.build_vpc(key, vpc)
        self.build_internet_gateways()
        self.build_vpn_and_transit_gateways()
        self.build_elastic_ips()
        for key, vpc in self.spec.vpcs.items():
            self.build_vpc_contents(key, vpc)
        for key, vpc in self.spec.vpcs.items():
            self.build_nat_gateways(key, vpc)
        for key, vpc in self.spec.vpcs.items():
            self.build_interfaces(key, vpc)
        for key, vpc in self.spec.vpcs.items():
            self.build_instances(key, vpc)
            self.interface_states(key, vpc)
        self.build_peering_connections()
        for key, vpc in self.spec.vpcs.items():
            self.build_security_group_rules(key, vpc)
            self.build_routes(key, vpc)
            self.build_endpoints(key, vpc)
        self.build_unknown_resources()
        if self.problems:
            raise InputError(self.problems)

    # ------------------------------------------------------------------ phase 1: every key

    def register(self) -> None:
        spec = self.spec
        for kind, section in (
            ("prefix_list", spec.prefix_lists),
            ("internet_gateway", spec.internet_gateways),
            ("elastic_ip", spec.elastic_ips),
            ("peering_connection", spec.peering_connections),
            ("vpn_gateway", spec.vpn_gateways),
            ("transit_gateway", spec.transit_gateways),
        ):
            for key, item in section.items():
                self.declare(kind, GLOBAL, key, item.id, (KINDS[kind].section, key))
        lists = self.names.setdefault((GLOBAL, "prefix_list"), {})
        for key, item in spec.prefix_lists.items():
            if item.prefix_list_name is not None:
                lists.setdefault(item.prefix_list_name, lists[key])
        for key in spec.unknown_resources:
            self.id_paths[key] = ("unknown_resources", key)
            self.id_kinds[key] = "unknown"
        for vkey, vpc in spec.vpcs.items():
            vpath: Path = ("vpcs", vkey)
            self.vpc_ids[vkey] = self.declare("vpc", GLOBAL, vkey, vpc.id, vpath)
            sections: tuple[tuple[str, dict[str, Any]], ...] = (
                ("subnet", vpc.subnets),
                ("route_table", vpc.route_tables),
                ("network_acl", vpc.network_acls),
                ("security_group", vpc.security_groups),
                ("nat_gateway", vpc.nat_gateways),
                ("network_interface", vpc.network_interfaces),
                ("instance", vpc.instances),
                ("endpoint", vpc.endpoints),
                ("egress_only_internet_gateway", vpc.egress_only_internet_gateways),
            )
            for kind, section in sections:
                for key, item in section.items():
                    self.declare(kind, vkey, key, item.id, (*vpath, KINDS[kind].section, key))
            self.check_single(vkey, vpc)
            self.register_group_names(vkey, vpc)
            for ikey, instance in vpc.instances.items():
                if instance.inline_eth0 and instance.network_interface_id is not None:
                    self.claim_id(
                        "network_interface", instance.network_interface_id, (*vpath, "instances", ikey)
                    )
            for nkey, nat in vpc.nat_gateways.items():
                if nat.network_interface_id is not None and nat.state not in INACTIVE_NAT_STATES:
                    self.claim_id(
                        "network_interface", nat.network_interface_id, (*vpath, "nat_gateways", nkey)
                    )

    def register_group_names(self, vkey: str, vpc: VpcSpec) -> None:
        """Groups are found by group name too (a group keyed by its id); ``default`` always exists."""
        names = self.names.setdefault((vkey, "security_group"), {})
        for key, group in vpc.security_groups.items():
            if group.group_name is not None:
                names.setdefault(group.group_name, names[key])
        if "default" not in names:
            default_id = self.derive("sg", ("vpcs", vkey, "security_groups", "default"))
            names["default"] = default_id
            self.id_paths[default_id] = ("vpcs", vkey)
            self.id_kinds[default_id] = "security_group"

    def claim_id(self, kind: str, resource_id: str, path: Path) -> None:
        """An id written in a field (an instance's eth0, a NAT gateway's ENI)."""
        field_path = (*path, "network_interface_id")
        if not is_id_of(resource_id, KINDS[kind].prefix):
            self.error(
                field_path, "VPCSIM_SPEC_ID", f"{resource_id!r} is not a network interface id (eni-...)"
            )
        elif resource_id in self.id_paths:
            self.error(
                field_path,
                "InvalidParameterValue",
                f"id {resource_id} is already used by {format_path(self.id_paths[resource_id])}",
            )
        self.id_paths[resource_id] = path
        self.id_kinds[resource_id] = "network_interface"

    def check_single(self, vkey: str, vpc: VpcSpec) -> None:
        """At most one main route table and one default network ACL per VPC."""
        for section, flag, what in (
            ("route_tables", "main", "main route table"),
            ("network_acls", "default", "default network ACL"),
        ):
            marked = [key for key, item in getattr(vpc, section).items() if getattr(item, flag)]
            for extra in marked[1:]:
                self.error(
                    ("vpcs", vkey, section, extra, flag),
                    "VPCSIM_SPEC_VALUE",
                    f"a VPC has one {what}; {marked[0]!r} is already `{flag}: true`",
                )

    def reserve_addresses(self) -> None:
        """Addresses written in the file are taken before any is allocated, so that an
        allocated one never collides with one written further down."""
        for vkey, vpc in self.spec.vpcs.items():
            vpc_id = self.vpc_ids[vkey]
            taken = self.taken.setdefault(vpc_id, set())
            holders: list[Any] = [*vpc.network_interfaces.values(), *vpc.instances.values()]
            for item in [*holders, *vpc.nat_gateways.values()]:
                if item.private_ip is not None:
                    taken.add(ip_int(item.private_ip))
            for item in holders:
                if isinstance(item.public_ip, str):
                    self.public_reserved.add(item.public_ip)
                for slot in item.secondary_private_ips:
                    if isinstance(slot, str):
                        taken.add(ip_int(slot))
                    else:
                        taken.add(ip_int(slot.address))
                        if slot.public_ip is not None:
                            self.public_reserved.add(slot.public_ip)
        for eip in self.spec.elastic_ips.values():
            if eip.public_ip is not None:
                self.public_reserved.add(eip.public_ip)

    def next_public_ip(self) -> str:
        while True:
            candidate = self.net.next_public_ip()
            if candidate not in self.public_reserved:
                self.public_reserved.add(candidate)
                return candidate

    def next_private_ip(self, subnet: Subnet, path: Path) -> str | None:
        """The subnet's lowest address that is neither reserved by AWS nor taken."""
        pool = self.pools.get(subnet.subnet_id)
        if pool is None:
            pool = SubnetAddresses(subnet.cidr_block, self.taken.setdefault(subnet.vpc_id, set()))
            self.pools[subnet.subnet_id] = pool
        found = pool.allocate()
        if found is not None:
            return ip_str(found)
        self.error(
            path,
            "InsufficientFreeAddressesInSubnet",
            f"subnet {subnet.cidr_block} has no free address left; write private_ip or use a larger subnet",
        )
        return None

    # ------------------------------------------------------------------ top-level resources

    def scope_of(self, account: str | None, region: str | None) -> dict[str, str]:
        return {"owner_id": account or self.net.account, "region": region or self.net.region}

    def build_prefix_lists(self) -> None:
        for key, item in self.spec.prefix_lists.items():
            path: Path = ("prefix_lists", key)
            pl_id = self.names[(GLOBAL, "prefix_list")][key]
            entries = [
                PrefixListEntry(cidr=e)
                if isinstance(e, str)
                else PrefixListEntry(cidr=e.cidr, description=e.description)
                for e in item.entries
            ]
            with self.model_errors(path):
                self.net.add(
                    ManagedPrefixList(
                        prefix_list_id=pl_id,
                        prefix_list_name=item.prefix_list_name or key,
                        address_family=item.address_family,
                        entries=entries,
                        max_entries=item.max_entries or max(len(entries), 1),
                        aws_managed=item.aws_managed,
                        tags=dict(item.tags),
                        **self.scope_of(item.account, item.region),
                    )
                )
            self.record(pl_id, path)
            for index in range(len(item.entries)):
                self.record_field(pl_id, f"entries[{index}]", (*path, "entries", index))

    def build_internet_gateways(self) -> None:
        attached: dict[str, str] = {}
        for key, item in self.spec.internet_gateways.items():
            path: Path = ("internet_gateways", key)
            igw_id = self.names[(GLOBAL, "internet_gateway")][key]
            with self.model_errors(path):
                igw = self.net.create_internet_gateway(region=item.region, internet_gateway_id=igw_id)
            igw.owner_id = item.account or self.net.account
            igw.tags = self.name_tags("internet_gateway", key, item.tags, path)
            self.record(igw_id, path, attachments=(*path, "vpc"))
            if item.vpc is None:
                continue
            vpc_id = self.resolve("vpc", GLOBAL, item.vpc, (*path, "vpc"))
            if vpc_id is None:
                continue
            if item.attachment_state in ("available", "attached") and vpc_id in attached:
                self.error(
                    (*path, "vpc"),
                    "Resource.AlreadyAssociated",
                    f"VPC {item.vpc!r} already has internet gateway {attached[vpc_id]!r} attached; "
                    "a VPC has at most one",
                )
                continue
            if item.attachment_state in ("available", "attached"):
                attached[vpc_id] = key
            igw.attachments = [InternetGatewayAttachment(vpc_id=vpc_id, state=item.attachment_state)]
            self.record_field(igw_id, "attachments[0]", (*path, "vpc"))
        self.net.touch()

    def build_vpn_and_transit_gateways(self) -> None:
        for kind, section in (
            ("vpn_gateway", self.spec.vpn_gateways),
            ("transit_gateway", self.spec.transit_gateways),
        ):
            for key, item in section.items():
                path: Path = (KINDS[kind].section, key)
                gateway_id = self.names[(GLOBAL, kind)][key]
                vpc_ids = []
                for index, ref in enumerate(item.vpcs):
                    vpc_id = self.resolve("vpc", GLOBAL, ref, (*path, "vpcs", index))
                    if vpc_id is not None:
                        vpc_ids.append(vpc_id)
                        self.record_field(gateway_id, f"vpc_ids[{len(vpc_ids) - 1}]", (*path, "vpcs", index))
                common: dict[str, Any] = {
                    "state": item.state,
                    "vpc_ids": vpc_ids,
                    "tags": self.name_tags(kind, key, item.tags, path),
                    **self.scope_of(item.account, item.region),
                }
                with self.model_errors(path):
                    if kind == "vpn_gateway":
                        self.net.add(VpnGateway(vpn_gateway_id=gateway_id, **common))
                    else:
                        self.net.add(TransitGateway(transit_gateway_id=gateway_id, **common))
                self.record(gateway_id, path, vpc_ids=(*path, "vpcs"))

    def build_elastic_ips(self) -> None:
        for key, item in self.spec.elastic_ips.items():
            path: Path = ("elastic_ips", key)
            allocation_id = self.names[(GLOBAL, "elastic_ip")][key]
            with self.model_errors(path):
                self.net.add(
                    Address(
                        allocation_id=allocation_id,
                        public_ip=item.public_ip or self.next_public_ip(),
                        domain=item.domain,
                        tags=self.name_tags("elastic_ip", key, item.tags, path),
                        **self.scope_of(item.account, item.region),
                    )
                )
            self.record(allocation_id, path, public_ip=(*path, "public_ip"))

    def build_peering_connections(self) -> None:
        for key, item in self.spec.peering_connections.items():
            path: Path = ("peering_connections", key)
            pcx_id = self.names[(GLOBAL, "peering_connection")][key]
            sides = []
            for role in ("requester", "accepter"):
                side = self.peering_side(getattr(item, role), (*path, role))
                if side is not None:
                    sides.append(side)
                self.record_field(pcx_id, role, (*path, role))
            if len(sides) != 2:
                continue
            requester, accepter = sides
            with self.model_errors(path):
                self.net.add(
                    VpcPeeringConnection(
                        vpc_peering_connection_id=pcx_id,
                        requester=requester,
                        accepter=accepter,
                        status=item.status,
                        tags=self.name_tags("peering_connection", key, item.tags, path),
                        owner_id=item.account or requester.owner_id,
                        region=item.region or requester.region,
                    )
                )
            self.record(pcx_id, path)

    def peering_side(self, side: str | PeeringSideSpec, path: Path) -> VpcPeeringSide | None:
        ref = side if isinstance(side, str) else side.vpc
        vpc_id = self.lookup("vpc", GLOBAL, ref)
        if vpc_id is not None and vpc_id in self.net.vpcs:
            vpc = self.net.vpcs[vpc_id]
            if isinstance(side, str):
                return VpcPeeringSide(
                    vpc_id=vpc_id, owner_id=vpc.owner_id, region=vpc.region, cidr_blocks=vpc.cidr_blocks
                )
            return VpcPeeringSide(
                vpc_id=vpc_id,
                owner_id=side.account or vpc.owner_id,
                region=side.region or vpc.region,
                cidr_blocks=list(side.cidr_blocks) or vpc.cidr_blocks,
            )
        if isinstance(side, PeeringSideSpec) and is_id_of(ref, "vpc"):
            return VpcPeeringSide(
                vpc_id=ref,
                owner_id=side.account or self.net.account,
                region=side.region or self.net.region,
                cidr_blocks=list(side.cidr_blocks),
            )
        self.error(
            path if isinstance(side, str) else (*path, "vpc"),
            "InvalidVpcID.NotFound",
            f"no VPC {ref!r} in this file; name one of its VPCs, or describe a VPC outside it as "
            "{vpc: vpc-..., account: ..., region: ..., cidr_blocks: [...]}",
        )
        return None

    def build_unknown_resources(self) -> None:
        for key, item in self.spec.unknown_resources.items():
            path: Path = ("unknown_resources", key)
            with self.model_errors(path):
                self.net.add(
                    UnknownResource(
                        resource_id=key,
                        resource_type=item.type,
                        reason=item.reason,
                        referenced_by=list(item.referenced_by),
                        tags=dict(item.tags),
                        **self.scope_of(item.account, item.region),
                    )
                )
            self.record(key, path)

    # ------------------------------------------------------------------ VPCs

    def build_vpc(self, vkey: str, spec: VpcSpec) -> None:
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        with self.model_errors(path):
            vpc = self.net.create_vpc(
                spec.cidr,
                vpc_id=vpc_id,
                region=spec.region,
                owner_id=spec.account,
                is_default=spec.default,
                tags=self.name_tags("vpc", vkey, spec.tags, path),
            )
            for block in spec.secondary_cidrs:
                self.net.associate_vpc_cidr_block(vpc, block)
        vpc.state = spec.state
        vpc.ipv6_cidr_blocks = [str(ipaddress.IPv6Network(b)) for b in spec.ipv6_cidrs]
        if vpc.ipv6_cidr_blocks:
            for acl in self.net.network_acls.values():
                if acl.vpc_id == vpc_id and acl.is_default:
                    acl.entries = aws_default_acl_entries(True)
            main = self.net.main_route_table(vpc_id)
            assert main is not None
            self.add_ipv6_local_routes(main, vpc.ipv6_cidr_blocks)
        self.record(vpc_id, path, cidr_block=(*path, "cidr"), is_default=(*path, "default"))
        for index in range(len(spec.secondary_cidrs)):
            self.record_field(vpc_id, f"secondary_cidr_blocks[{index}]", (*path, "secondary_cidrs", index))
        for index in range(len(spec.ipv6_cidrs)):
            self.record_field(vpc_id, f"ipv6_cidr_blocks[{index}]", (*path, "ipv6_cidrs", index))
        self.adopt_implicit(vkey, spec, vpc_id)

    def adopt_implicit(self, vkey: str, spec: VpcSpec, vpc_id: str) -> None:
        """Give the VPC's main route table, default ACL and default group their ids and names."""
        path: Path = ("vpcs", vkey)
        main = self.net.main_route_table(vpc_id)
        acl = next(a for a in self.net.network_acls.values() if a.vpc_id == vpc_id and a.is_default)
        group = self.net.default_security_group(vpc_id)
        assert main is not None and group is not None
        main_key = main_table_key(spec)
        if main_key is not None:
            new_id = self.names[(vkey, "route_table")][main_key]
            main.tags = self.name_tags(
                "route_table", main_key, spec.route_tables[main_key].tags, (*path, "route_tables", main_key)
            )
            self.record(new_id, (*path, "route_tables", main_key))
        else:
            new_id = self.derive("rtb", (*path, MAIN_ROUTE_TABLE))
            self.record(new_id, path)
        self.rekey(self.net.route_tables, main.route_table_id, new_id, "route_table_id")
        acl_key = default_acl_key(spec)
        if acl_key is not None:
            new_id = self.names[(vkey, "network_acl")][acl_key]
            acl.tags = self.name_tags(
                "network_acl", acl_key, spec.network_acls[acl_key].tags, (*path, "network_acls", acl_key)
            )
            self.record(new_id, (*path, "network_acls", acl_key))
        else:
            new_id = self.derive("acl", (*path, DEFAULT_NETWORK_ACL))
            self.record(new_id, path)
        self.rekey(self.net.network_acls, acl.network_acl_id, new_id, "network_acl_id")
        default_key = default_group_key(spec)
        default = spec.security_groups[default_key] if default_key is not None else None
        group_path: Path = (*path, "security_groups", default_key or "default")
        new_id = self.names[(vkey, "security_group")]["default"]
        old_id = group.group_id
        self.rekey(self.net.security_groups, old_id, new_id, "group_id")
        for rule in group.ingress:
            if rule.referenced_group_id == old_id:
                rule.referenced_group_id = new_id
        self.record(new_id, group_path if default is not None else path)
        if default is not None:
            group.tags = dict(default.tags)
            if default.description is not None:
                group.description = default.description

    def rekey(self, collection: dict[str, Any], old: str, new: str, attribute: str) -> None:
        """Change a just-created resource's id, keeping its place in the collection."""
        if old == new:
            return
        items = [(new if k == old else k, v) for k, v in collection.items()]
        setattr(collection[old], attribute, new)
        collection.clear()
        collection.update(items)
        self.net.touch()

    def build_vpc_contents(self, vkey: str, spec: VpcSpec) -> None:
        """Subnets, route tables, network ACLs, groups (without rules), egress-only gateways."""
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        vpc = self.net.vpcs[vpc_id]
        for key, item in spec.subnets.items():
            spath: Path = (*path, "subnets", key)
            subnet_id = self.names[(vkey, "subnet")][key]
            az = item.az or f"{vpc.region}a"
            if len(az) == 1 and az.isalpha():
                az = f"{vpc.region}{az}"
            with self.model_errors(spath):
                subnet = self.net.create_subnet(
                    vpc_id,
                    item.cidr,
                    availability_zone=az,
                    subnet_id=subnet_id,
                    map_public_ip_on_launch=(
                        item.default_for_az
                        if item.map_public_ip_on_launch is None
                        else item.map_public_ip_on_launch
                    ),
                    default_for_az=item.default_for_az,
                    tags=self.name_tags("subnet", key, item.tags, spath),
                )
            subnet.state = item.state
            if item.ipv6_cidr is not None:
                subnet.ipv6_cidr_block = str(ipaddress.IPv6Network(item.ipv6_cidr))
            self.record(
                subnet_id,
                spath,
                cidr_block=(*spath, "cidr"),
                availability_zone=(*spath, "az"),
                ipv6_cidr_block=(*spath, "ipv6_cidr"),
                vpc_id=spath,
            )
        for key, table in spec.route_tables.items():
            if key == main_table_key(spec):
                continue  # the VPC's own, adopted with the VPC
            tpath: Path = (*path, "route_tables", key)
            table_id = self.names[(vkey, "route_table")][key]
            with self.model_errors(tpath):
                created = self.net.create_route_table(vpc_id, route_table_id=table_id)
            created.tags = self.name_tags("route_table", key, table.tags, tpath)
            self.add_ipv6_local_routes(created, vpc.ipv6_cidr_blocks)
            self.record(table_id, tpath)
        for key, acl in spec.network_acls.items():
            apath: Path = (*path, "network_acls", key)
            acl_id = self.names[(vkey, "network_acl")][key]
            if key != default_acl_key(spec):
                with self.model_errors(apath):
                    created_acl = self.net.create_network_acl(vpc_id)
                self.rekey(self.net.network_acls, created_acl.network_acl_id, acl_id, "network_acl_id")
                if vpc.ipv6_cidr_blocks:
                    created_acl.entries += star_entries_ipv6()
                created_acl.tags = self.name_tags("network_acl", key, acl.tags, apath)
                self.record(acl_id, apath)
            self.build_acl_entries(acl_id, acl.ingress, acl.egress, apath)
        for key, group in spec.security_groups.items():
            if (group.group_name or key) == "default":
                continue  # the VPC's own, adopted with the VPC
            gpath: Path = (*path, "security_groups", key)
            group_id = self.names[(vkey, "security_group")][key]
            with self.model_errors(gpath):
                created_group = self.net.create_security_group(
                    vpc_id,
                    group.group_name or key,
                    description=group.description or "",
                    group_id=group_id,
                )
            created_group.tags = dict(group.tags)
            if group.description is not None:
                created_group.description = group.description
            self.record(group_id, gpath)
        for key, eigw in spec.egress_only_internet_gateways.items():
            epath: Path = (*path, "egress_only_internet_gateways", key)
            eigw_id = self.names[(vkey, "egress_only_internet_gateway")][key]
            with self.model_errors(epath):
                self.net.add(
                    EgressOnlyInternetGateway(
                        egress_only_internet_gateway_id=eigw_id,
                        vpc_id=vpc_id,
                        owner_id=vpc.owner_id,
                        region=vpc.region,
                        tags=self.name_tags("egress_only_internet_gateway", key, eigw.tags, epath),
                    )
                )
            self.record(eigw_id, epath)
        self.associate_subnets(vkey, spec)

    def build_acl_entries(
        self,
        acl_id: str,
        ingress: dict[int, str] | None,
        egress: dict[int, str] | None,
        path: Path,
    ) -> None:
        acl = self.net.network_acls[acl_id]
        if ingress is None and egress is None:
            return
        kept = []
        for entry in acl.entries:
            given = egress if entry.egress else ingress
            if entry.rule_number >= 32767 or given is None:
                kept.append(entry)
        acl.entries = kept
        for direction, rules in (("ingress", ingress), ("egress", egress)):
            if rules is None:
                continue
            for number, text in rules.items():
                rpath: Path = (*path, direction, number)
                parts = parse_nacl_rule(text)
                wanted = "from" if direction == "ingress" else "to"
                if parts.direction != wanted:
                    self.error(
                        rpath,
                        "VPCSIM_SPEC_RULE",
                        f"{direction} rules read '... {wanted} <cidr>' ({text!r}); "
                        f"write {wanted!r}, or move the rule to {'egress' if wanted == 'from' else 'ingress'}",
                    )
                    continue
                six = ":" in parts.cidr
                acl.entries.append(
                    NetworkAclEntry(
                        rule_number=number,
                        protocol=parts.protocol,
                        rule_action=parts.rule_action,
                        egress=direction == "egress",
                        cidr_block=None if six else parts.cidr,
                        ipv6_cidr_block=parts.cidr if six else None,
                        port_range=parts.port_range,
                        icmp_type_code=parts.icmp_type_code,
                    )
                )
                self.record_field(acl_id, f"entries[{len(acl.entries) - 1}]", rpath)
        self.net.touch()

    def associate_subnets(self, vkey: str, spec: VpcSpec) -> None:
        for key, item in spec.subnets.items():
            spath: Path = ("vpcs", vkey, "subnets", key)
            subnet_id = self.names[(vkey, "subnet")][key]
            if item.route_table is not None:
                table_id = self.resolve("route_table", vkey, item.route_table, (*spath, "route_table"))
                if table_id is not None and table_id in self.net.route_tables:
                    self.net.associate_route_table(table_id, subnet_id)
                    index = self.net.route_tables[table_id].subnet_ids.index(subnet_id)
                    self.record_field(table_id, f"subnet_ids[{index}]", (*spath, "route_table"))
            if item.network_acl is not None:
                acl_id = self.resolve("network_acl", vkey, item.network_acl, (*spath, "network_acl"))
                if acl_id is not None and acl_id in self.net.network_acls:
                    self.net.replace_network_acl_association(subnet_id, acl_id)
                    index = self.net.network_acls[acl_id].subnet_ids.index(subnet_id)
                    self.record_field(acl_id, f"subnet_ids[{index}]", (*spath, "network_acl"))

    # ------------------------------------------------------------------ NAT gateways, ENIs, instances

    def subnet_of(self, vkey: str, ref: str, path: Path) -> Subnet | None:
        subnet_id = self.resolve("subnet", vkey, ref, path)
        if subnet_id is None or subnet_id not in self.net.subnets:
            return None
        return self.net.subnets[subnet_id]

    def elastic_ip_of(self, ref: str, user: Path, field: Path) -> str | None:
        allocation_id = self.resolve("elastic_ip", GLOBAL, ref, field)
        if allocation_id is None:
            return None
        if allocation_id in self.eip_users:
            self.error(
                field,
                "Resource.AlreadyAssociated",
                f"Elastic IP {ref!r} is already associated with {format_path(self.eip_users[allocation_id])}; "
                "an Elastic IP has one association",
            )
            return None
        self.eip_users[allocation_id] = user
        return allocation_id

    def association_id(self, allocation_id: str) -> str:
        path = self.id_paths.get(allocation_id, ("elastic_ips", allocation_id))
        for key, item in self.spec.elastic_ips.items():
            if self.names[(GLOBAL, "elastic_ip")][key] == allocation_id and item.association_id:
                return item.association_id
        return self.derive("eipassoc", (*path, ASSOCIATION))

    def build_nat_gateways(self, vkey: str, spec: VpcSpec) -> None:
        for key, item in spec.nat_gateways.items():
            path: Path = ("vpcs", vkey, "nat_gateways", key)
            subnet = self.subnet_of(vkey, item.subnet, (*path, "subnet"))
            if subnet is None:
                continue
            if item.connectivity_type == "private" and item.elastic_ip is not None:
                self.error(
                    (*path, "elastic_ip"),
                    "InvalidParameterCombination",
                    "a private NAT gateway has no Elastic IP; remove elastic_ip or make it public",
                )
                continue
            active = item.state not in INACTIVE_NAT_STATES
            allocation: str | None = None
            if item.connectivity_type == "public":
                allocation = self.nat_elastic_ip(item.elastic_ip, path, subnet, active=active)
                if allocation is None:
                    continue
            private_ip = item.private_ip or self.next_private_ip(subnet, path)
            if private_ip is None:
                continue
            self.nat_gateway(vkey, key, item, subnet, allocation, private_ip, active=active)

    def nat_elastic_ip(self, ref: str | None, path: Path, subnet: Subnet, *, active: bool) -> str | None:
        """A public NAT gateway's Elastic IP: the one written, else one allocated for it."""
        if ref is not None:
            if active:
                return self.elastic_ip_of(ref, path, (*path, "elastic_ip"))
            # a deleted gateway still names its address, which is no longer associated
            return self.resolve("elastic_ip", GLOBAL, ref, (*path, "elastic_ip"))
        allocation = self.derive("eipalloc", (*path, NAT_ELASTIC_IP))
        with self.model_errors(path):
            self.net.add(
                Address(
                    allocation_id=allocation,
                    public_ip=self.next_public_ip(),
                    owner_id=subnet.owner_id,
                    region=subnet.region,
                )
            )
        self.id_paths[allocation] = (*path, NAT_ELASTIC_IP)
        self.record(allocation, path)
        return allocation

    def nat_gateway(
        self,
        vkey: str,
        key: str,
        item: NatGatewaySpec,
        subnet: Subnet,
        allocation: str | None,
        private_ip: str,
        *,
        active: bool,
    ) -> None:
        """An active NAT gateway comes with its ENI and its Elastic IP's association (the model's
        builder makes both); a deleted one, as AWS shows it, with neither."""
        path: Path = ("vpcs", vkey, "nat_gateways", key)
        nat_id = self.names[(vkey, "nat_gateway")][key]
        eni_id = item.network_interface_id or self.derive("eni", (*path, NAT_INTERFACE))
        with self.model_errors(path):
            if active:
                nat = self.net.create_nat_gateway(
                    subnet,
                    connectivity_type=item.connectivity_type,
                    allocation=allocation,
                    private_ip=private_ip,
                    nat_gateway_id=nat_id,
                )
            else:
                address = self.net.addresses.get(allocation or "")
                nat = self.net.add(
                    NatGateway(
                        nat_gateway_id=nat_id,
                        subnet_id=subnet.subnet_id,
                        vpc_id=subnet.vpc_id,
                        private_ip=private_ip,
                        connectivity_type=item.connectivity_type,
                        allocation_id=allocation,
                        public_ip=address.public_ip if address is not None else None,
                        network_interface_id=eni_id,
                        owner_id=subnet.owner_id,
                        region=subnet.region,
                    )
                )
        nat.state = item.state
        nat.tags = self.name_tags("nat_gateway", key, item.tags, path)
        self.record(
            nat_id,
            path,
            subnet_id=(*path, "subnet"),
            private_ip=(*path, "private_ip"),
            allocation_id=(*path, "elastic_ip"),
            public_ip=(*path, "elastic_ip"),
            network_interface_id=(*path, "network_interface_id"),
        )
        if not active:
            return
        assert nat.network_interface_id is not None
        self.rekey(self.net.network_interfaces, nat.network_interface_id, eni_id, "network_interface_id")
        nat.network_interface_id = eni_id
        self.record(eni_id, path, private_ip_addresses=(*path, "private_ip"))
        if allocation is not None:
            eip = self.net.addresses[allocation]
            eip.network_interface_id = eni_id
            eip.association_id = self.association_id(allocation)
            self.record_field(allocation, "network_interface_id", (*path, "elastic_ip"))

    def interface(
        self,
        vkey: str,
        path: Path,
        eni_id: str,
        spec: NetworkInterfaceSpec | InstanceSpec,
        subnet: Subnet,
        *,
        description: str,
        interface_type: str = "interface",
        tags: dict[str, str] | None = None,
    ) -> NetworkInterface | None:
        """Create an ENI (not attached) with its addresses; public addresses come later."""
        groups: list[str] | None = None
        if spec.security_groups is not None:
            groups = []
            for index, ref in enumerate(spec.security_groups):
                group_id = self.resolve(
                    "security_group", vkey, ref, (*path, "security_groups", index), unknown_ok=True
                )
                if group_id is not None:
                    groups.append(group_id)
        private_ip = spec.private_ip or self.next_private_ip(subnet, path)
        if private_ip is None or (groups is not None and len(groups) != len(spec.security_groups or [])):
            return None
        secondary = [s if isinstance(s, str) else s.address for s in spec.secondary_private_ips]
        source_dest_check = True if spec.source_dest_check is None else spec.source_dest_check
        with self.model_errors(path):
            if groups is not None and any(g not in self.net.security_groups for g in groups):
                # a group that stands for an unknown resource: the model's builder cannot resolve it
                eni = self.net.create_network_interface(
                    subnet,
                    private_ip=private_ip,
                    secondary_private_ips=secondary,
                    groups=[],
                    source_dest_check=source_dest_check,
                    interface_type=interface_type,
                    description=description,
                    network_interface_id=eni_id,
                )
                eni.groups = list(groups)
            else:
                eni = self.net.create_network_interface(
                    subnet,
                    private_ip=private_ip,
                    secondary_private_ips=secondary,
                    groups=groups,
                    source_dest_check=source_dest_check,
                    interface_type=interface_type,
                    description=description,
                    network_interface_id=eni_id,
                )
        eni.tags = dict(tags or {})
        self.record(
            eni_id,
            path,
            subnet_id=(*path, "subnet"),
            groups=(*path, "security_groups"),
            source_dest_check=(*path, "source_dest_check"),
            private_ip_addresses=path,
        )
        self.record_field(eni_id, "private_ip_addresses[0]", (*path, "private_ip"))
        for index in range(len(spec.security_groups or [])):
            self.record_field(eni_id, f"groups[{index}]", (*path, "security_groups", index))
        for index in range(len(secondary)):
            self.record_field(
                eni_id, f"private_ip_addresses[{index + 1}]", (*path, "secondary_private_ips", index)
            )
        return eni

    def slots_of(
        self, path: Path, spec: NetworkInterfaceSpec | InstanceSpec, default_public: bool
    ) -> list[_Slot]:
        """The ENI's addresses, primary first, with the public address each should get."""
        written: list[tuple[Path, bool | str | None, str | None]] = [(path, spec.public_ip, spec.elastic_ip)]
        for index, item in enumerate(spec.secondary_private_ips):
            slot_path: Path = (*path, "secondary_private_ips", index)
            if isinstance(item, PrivateAddressSpec):
                written.append((slot_path, item.public_ip, item.elastic_ip))
            else:
                written.append((slot_path, None, None))
        slots = []
        for index, (slot_path, public, elastic_ip) in enumerate(written):
            if elastic_ip is not None and public is not None:
                self.error(
                    (*slot_path, "public_ip"),
                    "InvalidParameterCombination",
                    "give an address either public_ip or elastic_ip, not both",
                )
                elastic_ip = None
            if index == 0 and public is None and elastic_ip is None:
                public = default_public
            slots.append(_Slot(slot_path, public, elastic_ip))
        return slots

    def assign_public(self, eni: NetworkInterface, slots: list[_Slot]) -> None:
        """Auto-assigned public addresses, then Elastic IP associations (which replace them)."""
        for slot, address in zip(slots, eni.private_ip_addresses, strict=False):
            if slot.elastic_ip is not None:
                eip_field: Path = (*slot.path, "elastic_ip")
                allocation = self.elastic_ip_of(slot.elastic_ip, slot.path, eip_field)
                if allocation is None:
                    continue
                with self.model_errors(eip_field):
                    self.net.associate_address(
                        allocation, eni.network_interface_id, private_ip=address.private_ip_address
                    )
                self.net.addresses[allocation].association_id = self.association_id(allocation)
                self.record(allocation, self.id_paths.get(allocation, eip_field))
                self.record_field(allocation, "network_interface_id", eip_field)
                self.record_field(allocation, "private_ip_address", eip_field)
            elif slot.public is True:
                address.public_ip = self.next_public_ip()
            elif isinstance(slot.public, str):
                address.public_ip = slot.public
        self.net.touch()

    def build_interfaces(self, vkey: str, spec: VpcSpec) -> None:
        for key, item in spec.network_interfaces.items():
            path: Path = ("vpcs", vkey, "network_interfaces", key)
            eni_id = self.names[(vkey, "network_interface")][key]
            subnet = self.subnet_of(vkey, item.subnet, (*path, "subnet"))
            if subnet is None:
                continue
            eni = self.interface(
                vkey,
                path,
                eni_id,
                item,
                subnet,
                description=item.description,
                interface_type=item.type,
                tags=self.name_tags("network_interface", key, item.tags, path),
            )
            if eni is None:
                continue
            eni.ipv6_addresses = [str(ipaddress.IPv6Address(a)) for a in item.ipv6_addresses]
            self.assign_public(eni, self.slots_of(path, item, False))
            if item.attachment is not None:
                eni.attachment = NetworkInterfaceAttachment(
                    device_index=item.attachment.device_index, status=item.attachment.status
                )
                eni.status = "in-use"
                self.record_field(eni_id, "attachment", (*path, "attachment"))

    def interface_states(self, vkey: str, spec: VpcSpec) -> None:
        """Statuses written in the file, once instances have attached their interfaces."""
        for key, item in spec.network_interfaces.items():
            eni = self.net.network_interfaces.get(self.names[(vkey, "network_interface")][key])
            if eni is not None and item.status is not None:
                eni.status = item.status
                self.record_field(
                    eni.network_interface_id, "status", ("vpcs", vkey, "network_interfaces", key, "status")
                )

    def build_instances(self, vkey: str, spec: VpcSpec) -> None:
        attached: dict[str, Path] = {
            self.names[(vkey, "network_interface")][key]: (
                "vpcs",
                vkey,
                "network_interfaces",
                key,
                "attachment",
            )
            for key, item in spec.network_interfaces.items()
            if item.attachment is not None
        }
        for key, item in spec.instances.items():
            path: Path = ("vpcs", vkey, "instances", key)
            subnet: Subnet | None = None
            if item.subnet is not None:
                subnet = self.subnet_of(vkey, item.subnet, (*path, "subnet"))
                if subnet is None:
                    continue
            enis: list[str] = []
            if item.inline_eth0:
                if subnet is None:
                    self.error(
                        (*path, "subnet"),
                        "VPCSIM_SPEC_MISSING_KEY",
                        "missing required key 'subnet' (the subnet of the instance's eth0); or write "
                        "`inline_eth0: false` and list every interface, eth0 first, in network_interfaces",
                    )
                    continue
                eth0 = self.inline_interface(vkey, path, item, subnet)
                if eth0 is None:
                    continue
                enis.append(eth0)
            elif not self.no_inline_keys(path, item):
                continue
            instance_id = self.names[(vkey, "instance")][key]
            listed = self.listed_interfaces(vkey, instance_id, path, item, attached, first=len(enis))
            if listed is None:
                continue
            enis += listed
            if subnet is None:
                if not enis:
                    self.error(
                        (*path, "subnet"),
                        "VPCSIM_SPEC_MISSING_KEY",
                        "an instance without network interfaces needs `subnet`",
                    )
                    continue
                subnet = self.net.subnets[self.net.network_interfaces[enis[0]].subnet_id]
            self.launch(instance_id, key, item, path, subnet, enis)

    def inline_interface(self, vkey: str, path: Path, item: InstanceSpec, subnet: Subnet) -> str | None:
        """Create eth0 from the instance's own keys, with its public address (AWS's launch)."""
        eni_id = item.network_interface_id or self.derive("eni", (*path, PRIMARY_INTERFACE))
        eni = self.interface(vkey, path, eni_id, item, subnet, description="Primary network interface")
        if eni is None:
            return None
        running = item.state in ("running", "pending")
        self.assign_public(eni, self.slots_of(path, item, running and subnet.map_public_ip_on_launch))
        return eni_id

    def no_inline_keys(self, path: Path, item: InstanceSpec) -> bool:
        """With ``inline_eth0: false`` the keys that describe eth0 inline are mistakes."""
        inline = [
            name
            for name in (
                "private_ip",
                "public_ip",
                "elastic_ip",
                "security_groups",
                "source_dest_check",
                "network_interface_id",
            )
            if getattr(item, name) is not None
        ] + (["secondary_private_ips"] if item.secondary_private_ips else [])
        for name in inline:
            self.error(
                (*path, name),
                "VPCSIM_SPEC_INSTANCE",
                f"{name} describes an inline eth0, but this instance has `inline_eth0: false`: "
                "set it on its first network interface instead",
                key=True,
            )
        return not inline

    def listed_interfaces(
        self,
        vkey: str,
        instance_id: str,
        path: Path,
        item: InstanceSpec,
        attached: dict[str, Path],
        *,
        first: int,
    ) -> list[str] | None:
        """The ENIs of ``network_interfaces``, each attached once; None if one is wrong."""
        enis: list[str] = []
        ok = True
        for index, ref in enumerate(item.network_interfaces):
            ref_path: Path = (*path, "network_interfaces", index)
            eni_id = self.resolve("network_interface", vkey, ref, ref_path)
            if eni_id is None or eni_id not in self.net.network_interfaces:
                ok = False
                continue
            if eni_id in attached:
                self.error(
                    ref_path,
                    "InvalidNetworkInterface.InUse",
                    f"network interface {ref!r} is already attached by {format_path(attached[eni_id])}",
                )
                ok = False
                continue
            attached[eni_id] = ref_path
            enis.append(eni_id)
            self.record_field(instance_id, f"network_interface_ids[{first + index}]", ref_path)
        return enis if ok else None

    def launch(
        self, instance_id: str, key: str, item: InstanceSpec, path: Path, subnet: Subnet, enis: list[str]
    ) -> None:
        """The instance itself, its interfaces attached in order (eth0 first)."""
        with self.model_errors(path):
            instance = self.net.add(
                Instance(
                    instance_id=instance_id,
                    subnet_id=subnet.subnet_id,
                    vpc_id=subnet.vpc_id,
                    state=item.state,
                    instance_type=item.instance_type,
                    image_id=item.image_id,
                    owner_id=subnet.owner_id,
                    region=subnet.region,
                    tags=self.name_tags("instance", key, item.tags, path),
                )
            )
            for index, eni_id in enumerate(enis):
                self.net.attach_network_interface(eni_id, instance, device_index=index)
                for address in self.net.network_interfaces[eni_id].private_ip_addresses:
                    if address.allocation_id in self.net.addresses:
                        self.net.addresses[address.allocation_id].instance_id = instance_id
        self.record(instance_id, path, subnet_id=(*path, "subnet"), network_interface_ids=path)

    # ------------------------------------------------------------------ rules and routes

    def peer(self, vkey: str, text: str, path: Path) -> dict[str, str] | None:
        """A security group rule's peer: a CIDR, a group or a prefix list."""
        if "/" in text:
            try:
                net: ipaddress.IPv4Network | ipaddress.IPv6Network | None = ipaddress.ip_network(
                    text, strict=False
                )
            except ValueError:
                net = None  # a name: VPC/group
            if net is not None:
                if net.network_address != ipaddress.ip_address(text.split("/")[0]):
                    self.error(path, "InvalidParameterValue", f"write the block {text!r} as {net}")
                    return None
                return {"cidr_ipv6": str(net)} if net.version == 6 else {"cidr_ipv4": str(net)}
        try:
            ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            self.error(
                path, "InvalidParameterValue", f"a rule names a block: write {text}/32 for one address"
            )
            return None
        if text.startswith("sg:"):
            found = self.lookup("security_group", vkey, text[3:])
            return {"referenced_group_id": found} if found else self.no_peer(vkey, text, path)
        if text.startswith("pl:"):
            found = self.lookup("prefix_list", GLOBAL, text[3:])
            return {"prefix_list_id": found} if found else self.no_peer(vkey, text, path)
        group = self.lookup("security_group", vkey, text)
        plist = self.lookup("prefix_list", GLOBAL, text)
        if group is not None and plist is not None:
            self.error(
                path,
                "VPCSIM_SPEC_AMBIGUOUS",
                f"{text!r} names both a security group and a prefix list; write sg:{text} or pl:{text}",
            )
            return None
        if group is not None:
            return {"referenced_group_id": group}
        if plist is not None:
            return {"prefix_list_id": plist}
        if text in self.spec.unknown_resources:
            return {"prefix_list_id": text} if text.startswith("pl-") else {"referenced_group_id": text}
        kind = self.id_kinds.get(text)
        if kind == "security_group":
            return {"referenced_group_id": text}
        if "/" in text:
            other, name = text.split("/", 1)
            if other in self.spec.vpcs:
                found = self.lookup("security_group", other, name)
                if found is not None:
                    return {"referenced_group_id": found}
        return self.no_peer(vkey, text, path)

    def no_peer(self, vkey: str, text: str, path: Path) -> dict[str, str] | None:
        self.error(
            path,
            "InvalidGroup.NotFound",
            f"{text!r} is neither a CIDR, nor a security group of VPC {vkey!r}, nor a prefix list; "
            "define it (under security_groups or prefix_lists), write VPC/group for a group of another "
            "VPC, or fix the name",
        )
        return None

    def build_security_group_rules(self, vkey: str, spec: VpcSpec) -> None:
        for key, group in spec.security_groups.items():
            gpath: Path = ("vpcs", vkey, "security_groups", key)
            group_id = self.names[(vkey, "security_group")][key]
            model = self.net.security_groups[group_id]
            for direction in ("ingress", "egress"):
                items = getattr(group, direction)
                if items is None:
                    continue
                wanted = "from" if direction == "ingress" else "to"
                rules = []
                for index, item in enumerate(items):
                    rpath: Path = (*gpath, direction, index)
                    text = item.rule if isinstance(item, SgRuleSpec) else item
                    parts = parse_sg_rule(text)
                    if parts.direction != wanted:
                        self.error(
                            rpath,
                            "VPCSIM_SPEC_RULE",
                            f"{direction} rules read '... {wanted} <peer>' ({text!r}); write {wanted!r}, "
                            f"or move the rule to {'egress' if wanted == 'from' else 'ingress'}",
                        )
                        continue
                    peer = self.peer(vkey, parts.peer, rpath)
                    if peer is None:
                        continue
                    # no id unless written: the engine then cites the rule as "sg-... ingress[0]"
                    rule_id = item.id if isinstance(item, SgRuleSpec) else None
                    rules.append(
                        SecurityGroupRule(
                            ip_protocol=parts.ip_protocol,
                            from_port=parts.from_port,
                            to_port=parts.to_port,
                            cidr_ipv4=peer.get("cidr_ipv4"),
                            cidr_ipv6=peer.get("cidr_ipv6"),
                            referenced_group_id=peer.get("referenced_group_id"),
                            prefix_list_id=peer.get("prefix_list_id"),
                            description=item.description if isinstance(item, SgRuleSpec) else None,
                            security_group_rule_id=rule_id,
                        )
                    )
                    self.record_field(group_id, f"{direction}[{len(rules) - 1}]", rpath)
                setattr(model, direction, rules)
        self.net.touch()

    def destination(self, vkey: str, text: str, path: Path) -> dict[str, str] | None:
        if text.startswith("pl-") and text in self.spec.unknown_resources:
            return {"destination_prefix_list_id": text}
        plist = self.lookup("prefix_list", GLOBAL, text[3:] if text.startswith("pl:") else text)
        if plist is not None:
            return {"destination_prefix_list_id": plist}
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            self.error(
                path,
                "InvalidParameterValue",
                f"route destination {text!r} is neither a CIDR block nor a prefix list of this file; "
                "write a block like 10.1.0.0/16, or define the prefix list",
                key=True,
            )
            return None
        if "/" not in text or net.network_address != ipaddress.ip_address(text.split("/")[0]):
            self.error(path, "InvalidParameterValue", f"write the destination {text!r} as {net}", key=True)
            return None
        if net.version == 6:
            return {"destination_ipv6_cidr_block": str(net)}
        return {"destination_cidr_block": str(net)}

    def target(self, vkey: str, text: str, path: Path, *, blackhole: bool) -> str | None:
        """A route target: ``local``, a key (of any target kind), ``kind:key``, or an id."""
        if text == "local":
            return "local"
        matches = []
        for qualifier, kind in TARGET_QUALIFIERS.items():
            scope = vkey if KINDS[kind].scoped else GLOBAL
            found = self.names.get((scope, kind), {}).get(text)
            if found is not None:
                matches.append((qualifier, found))
        if len(matches) == 1:
            return matches[0][1]
        if len(matches) > 1:
            options = ", ".join(f"{q}:{text}" for q, _ in matches)
            self.error(
                path,
                "VPCSIM_SPEC_AMBIGUOUS",
                f"route target {text!r} names several things; write one of {options}",
            )
            return None
        qualifier, _, rest = text.partition(":")
        if rest and qualifier in TARGET_QUALIFIERS:
            kind = TARGET_QUALIFIERS[qualifier]
            return self.resolve(kind, vkey if KINDS[kind].scoped else GLOBAL, rest, path)
        is_target_id = id_prefix(text) is not None and route_target_kind(text) is not None
        if is_target_id and (text in self.id_kinds or blackhole):
            return text
        self.error(
            path,
            "VPCSIM_DANGLING_REFERENCE",
            f"route target {text!r} names nothing in VPC {vkey!r}: no internet gateway, NAT gateway, "
            "network interface, instance, peering connection, VPN or transit gateway, endpoint or "
            "egress-only gateway has that key; define it, write `local`, or use an id "
            "(a route to an id that is gone needs `state: blackhole`)",
        )
        return None

    @staticmethod
    def add_ipv6_local_routes(table: RouteTable, blocks: list[str]) -> None:
        """The model's builder knows IPv4 blocks only; AWS gives each IPv6 block a local route too."""
        for block in blocks:
            table.routes.append(
                Route(destination_ipv6_cidr_block=block, gateway_id="local", origin="CreateRouteTable")
            )

    def build_routes(self, vkey: str, spec: VpcSpec) -> None:
        for key, table in spec.route_tables.items():
            tpath: Path = ("vpcs", vkey, "route_tables", key)
            table_id = self.names[(vkey, "route_table")][key]
            model = self.net.route_tables[table_id]
            for index, ref in enumerate(table.edge_associations):
                epath: Path = (*tpath, "edge_associations", index)
                gateway = self.lookup("internet_gateway", GLOBAL, ref) or self.lookup(
                    "vpn_gateway", GLOBAL, ref
                )
                if gateway is None:
                    self.error(
                        epath,
                        "InvalidGatewayID.NotFound",
                        f"no internet gateway or virtual private gateway {ref!r}; define it, or fix the name",
                    )
                    continue
                model.gateway_ids.append(gateway)
                self.record_field(table_id, f"gateway_ids[{len(model.gateway_ids) - 1}]", epath)
            sections: tuple[tuple[str, RouteOrigin], ...] = (
                ("routes", "CreateRoute"),
                ("propagated_routes", "EnableVgwRoutePropagation"),
            )
            for section, origin in sections:
                for destination, value in getattr(table, section).items():
                    self.add_route(vkey, model, (*tpath, section, destination), destination, value, origin)
        self.net.touch()

    def add_route(
        self,
        vkey: str,
        table: RouteTable,
        path: Path,
        destination: str,
        value: str | RouteSpec,
        origin: RouteOrigin,
    ) -> None:
        spec = value if isinstance(value, RouteSpec) else RouteSpec(target=value)
        dest = self.destination(vkey, destination, path)
        target = self.target(vkey, spec.target, path, blackhole=spec.state == "blackhole")
        if dest is None or target is None:
            return
        route = Route(
            destination_cidr_block=dest.get("destination_cidr_block"),
            destination_ipv6_cidr_block=dest.get("destination_ipv6_cidr_block"),
            destination_prefix_list_id=dest.get("destination_prefix_list_id"),
            origin=spec.origin or origin,
            state=spec.state,
        )
        set_route_target(route, target)
        if route.instance_id and route.instance_id in self.net.instances:
            enis = self.net.instances[route.instance_id].network_interface_ids
            if len(enis) != 1:
                self.error(
                    path,
                    "InvalidInstanceID",
                    f"instance {spec.target!r} has {len(enis)} network interfaces; a route may target an "
                    "instance only if it has exactly one -- target one of its ENIs instead",
                )
                return
            route.network_interface_id = enis[0]
        existing = [
            (i, r)
            for i, r in enumerate(table.routes)
            if r.destination == route.destination
            and (r.origin == "EnableVgwRoutePropagation") == (origin == "EnableVgwRoutePropagation")
        ]
        if existing and existing[0][1].gateway_id == "local" and existing[0][1].origin == "CreateRouteTable":
            index, local = existing[0]
            if target != "local":
                # the local route's target replaced by an appliance (middlebox routing)
                local.gateway_id = None
                set_route_target(local, target)
                local.network_interface_id = route.network_interface_id or local.network_interface_id
                local.state = route.state
                if spec.origin is not None:
                    local.origin = spec.origin
            self.record_field(table.route_table_id, f"routes[{index}]", path)
            return
        if existing:
            self.error(
                path, "RouteAlreadyExists", f"another route of this table already goes to {route.destination}"
            )
            return
        table.routes.append(route)
        self.record_field(table.route_table_id, f"routes[{len(table.routes) - 1}]", path)

    def build_endpoints(self, vkey: str, spec: VpcSpec) -> None:
        vpc = self.net.vpcs[self.vpc_ids[vkey]]
        for key, item in spec.endpoints.items():
            path: Path = ("vpcs", vkey, "endpoints", key)
            endpoint_id = self.names[(vkey, "endpoint")][key]
            tables = []
            for index, ref in enumerate(item.route_tables):
                found = self.resolve("route_table", vkey, ref, (*path, "route_tables", index))
                if found is not None:
                    tables.append(found)
            prefix_list = None
            if item.prefix_list is not None:
                prefix_list = self.resolve(
                    "prefix_list", GLOBAL, item.prefix_list, (*path, "prefix_list"), unknown_ok=True
                )
            with self.model_errors(path):
                self.net.add(
                    VpcEndpoint(
                        vpc_endpoint_id=endpoint_id,
                        vpc_id=vpc.vpc_id,
                        service_name=item.service_name,
                        vpc_endpoint_type=item.type,
                        route_table_ids=tables,
                        prefix_list_id=prefix_list,
                        state=item.state,
                        owner_id=vpc.owner_id,
                        region=vpc.region,
                        tags=self.name_tags("endpoint", key, item.tags, path),
                    )
                )
            self.record(
                endpoint_id,
                path,
                route_table_ids=(*path, "route_tables"),
                prefix_list_id=(*path, "prefix_list"),
            )
            if item.type != "Gateway" or prefix_list is None:
                continue
            for index, table_id in enumerate(tables):
                table = self.net.route_tables.get(table_id)
                if table is None:
                    continue
                same = [r for r in table.routes if r.destination_prefix_list_id == prefix_list]
                if same and same[0].gateway_id != endpoint_id:
                    self.error(
                        (*path, "route_tables", index),
                        "RouteAlreadyExists",
                        f"route table {item.route_tables[index]!r} already routes {item.prefix_list} elsewhere; "
                        "remove that route (the endpoint adds its own)",
                    )
                elif not same:
                    table.routes.append(Route(destination_prefix_list_id=prefix_list, gateway_id=endpoint_id))
        self.net.touch()
