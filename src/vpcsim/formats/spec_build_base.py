"""The spec builder's common ground: names -> ids, where each id and field came from, and the
addresses the file takes (see :mod:`.spec_build`).

Every family of resources (:mod:`.spec_build_network`, :mod:`.spec_build_security`,
:mod:`.spec_build_compute`) builds on this: it reports problems at key paths, resolves keys of
any kind in their scope, and allocates addresses the file leaves out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..model import ModelError, Network, Subnet
from ..model.addressing import SubnetAddresses, ip_int, ip_str
from ..model.validate import INACTIVE_NAT_STATES
from .problems import InputError, LoadProblem
from .spec_names import KINDS, derive_id, is_id_of, looks_like_id
from .spec_schema import NetworkSpec, VpcSpec
from .spec_yaml import Document, Path, format_path

GLOBAL = ""
"""The scope of resources declared at the top of the file (VPCs are scoped by their key)."""


class SpecBuilderBase:
    """One load's state: names -> ids, key paths of ids and fields, taken addresses."""

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

    def scope_of(self, account: str | None, region: str | None) -> dict[str, str]:
        return {"owner_id": account or self.net.account, "region": region or self.net.region}

    def rekey(self, collection: dict[str, Any], old: str, new: str, attribute: str) -> None:
        """Change a just-created resource's id, keeping its place in the collection."""
        if old == new:
            return
        items = [(new if k == old else k, v) for k, v in collection.items()]
        setattr(collection[old], attribute, new)
        collection.clear()
        collection.update(items)
        self.net.touch()

    def subnet_of(self, vkey: str, ref: str, path: Path) -> Subnet | None:
        subnet_id = self.resolve("subnet", vkey, ref, path)
        if subnet_id is None or subnet_id not in self.net.subnets:
            return None
        return self.net.subnets[subnet_id]
