"""The spec builder's compute family: Elastic IPs, NAT gateways, network interfaces and instances,
with their private and public addresses (see :mod:`.spec_build`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..model import Address, Instance, NatGateway, NetworkInterface, NetworkInterfaceAttachment, Subnet
from ..model.validate import INACTIVE_NAT_STATES
from .spec_build_base import GLOBAL, SpecBuilderBase
from .spec_names import ASSOCIATION, NAT_ELASTIC_IP, NAT_INTERFACE, PRIMARY_INTERFACE, is_id_of
from .spec_schema import InstanceSpec, NatGatewaySpec, NetworkInterfaceSpec, PrivateAddressSpec, VpcSpec
from .spec_yaml import Path, format_path


@dataclass(frozen=True, slots=True)
class _Slot:
    """One address of an ENI: where it is written and the public address it should get."""

    path: Path
    public: bool | str | None
    elastic_ip: str | None


class ComputeBuilders(SpecBuilderBase):
    """Elastic IPs, NAT gateways, network interfaces and instances."""

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
            outside = item.network_interface
            if outside is None or allocation_id not in self.net.addresses:
                continue
            if not is_id_of(outside, "eni") or (
                item.instance is not None and not is_id_of(item.instance, "i")
            ):
                self.error(
                    (*path, "network_interface"),
                    "VPCSIM_SPEC_VALUE",
                    f"{outside!r} (instance {item.instance!r}) is no interface id (eni-...) and instance id "
                    "(i-...): an interface of the file names the address with elastic_ip instead",
                )
                continue
            address = self.net.addresses[allocation_id]
            address.network_interface_id = outside
            address.private_ip_address = item.private_ip
            address.instance_id = item.instance
            address.association_id = self.association_id(allocation_id)
            self.eip_users[allocation_id] = (*path, "network_interface")

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
                outside = item.attachment.instance
                if outside is not None and not is_id_of(outside, "i"):
                    self.error(
                        (*path, "attachment", "instance"),
                        "VPCSIM_SPEC_VALUE",
                        f"{outside!r} is not an instance id (i-...): list the interface in its instance's "
                        "network_interfaces when the file describes the instance",
                    )
                    outside = None
                eni.attachment = NetworkInterfaceAttachment(
                    instance_id=outside,
                    device_index=item.attachment.device_index,
                    status=item.attachment.status,
                )
                for address in eni.private_ip_addresses if outside is not None else []:
                    if address.allocation_id in self.net.addresses:  # as AWS lists the association
                        self.net.addresses[address.allocation_id].instance_id = outside
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
        if item.ipv6_addresses:
            eni.ipv6_addresses = [str(ipaddress.IPv6Address(a)) for a in item.ipv6_addresses]
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
                    http_protocol_ipv6=item.http_protocol_ipv6,
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
