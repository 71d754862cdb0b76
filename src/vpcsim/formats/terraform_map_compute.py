"""Terraform -> model: network interfaces, instances, Elastic IPs and NAT gateways.

Addresses AWS assigns at apply (an instance's private IP, an auto-assigned public IPv4, an
Elastic IP's address, a NAT gateway's private IP) are truly unknown in a plan. So that the plan
can still be traced, each gets a deterministic stand-in *after* every known address has been
placed (the lowest free address of its subnet; the next address of the simulated public pool),
is tagged ``vpcsim:unknown_address=<attribute>`` and reported in a warning. docs/terraform.md
says what that means for traces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..model import (
    Address,
    Instance,
    ModelError,
    NatGateway,
    NetworkInterface,
    NetworkInterfaceAttachment,
    PrivateIpAddress,
    Resource,
    Subnet,
)
from .terraform_base import TfBase
from .terraform_doc import TfResource, is_unknown

STAND_IN = "0.0.0.0"
"""Held by an address slot until the assignment pass gives it its stand-in address."""


@dataclass(slots=True)
class PendingAddress:
    res: TfResource
    holder: Resource
    """What gets the ``vpcsim:unknown_address`` tag (an ENI, an Elastic IP)."""
    attribute: str
    subnet_id: str | None
    """None for a public address."""
    apply: Callable[[str], None]


class ComputeMaps(TfBase):
    """ENIs, instances, Elastic IPs (and their associations) and NAT gateways."""

    def init_compute(self) -> None:
        self.pending: list[PendingAddress] = []
        self.eip_links: list[tuple[TfResource, str, str | None, str | None, str | None]] = []
        """(resource, allocation id, instance id, ENI id, private IP) to associate."""
        self.eni_attachments: list[tuple[TfResource, str, str, int | None]] = []
        """(resource, ENI id, instance id, device index) to attach once instances exist."""
        self.nat_links: list[tuple[TfResource, NatGateway, NetworkInterface, str | None]] = []

    # ------------------------------------------------------------------ helpers

    def subnet_of(self, res: TfResource, attr: str = "subnet_id") -> Subnet | None:
        subnet_id = self.ident(res, attr, required=True)
        if subnet_id is None:
            return None
        subnet = self.network.subnets.get(subnet_id)
        if subnet is None:
            self.warn(
                res, "VPCSIM_TF_NOT_IN_INPUT", f"subnet {subnet_id} is not in the input: left out", attr
            )
        return subnet

    def groups_of(self, res: TfResource, attr: str, subnet: Subnet) -> list[str]:
        """Security groups of an ENI: as given, else (not configured) the VPC's default group,
        as AWS does for an interface launched without groups."""
        groups = self.idents(res, attr)
        if groups is None:
            if self.refs.expression(res, attr) is not None:
                self.warn(
                    res,
                    "VPCSIM_TF_UNRESOLVED",
                    f"{attr} is known only after apply and no reference resolves it: the interface gets no security "
                    "group, so traces to and from it are denied",
                    attr,
                )
                return []
            groups = []
        if not groups and res.type == "aws_instance":
            names = self.idents(res, "security_groups") or []
            for name in names:
                match = next(
                    (
                        g
                        for g in self.network.security_groups.values()
                        if g.vpc_id == subnet.vpc_id and name in (g.group_name, g.group_id)
                    ),
                    None,
                )
                if match is not None:
                    groups.append(match.group_id)
        if not groups:
            default = self.network.default_security_group(subnet.vpc_id)
            groups = [default.group_id] if default is not None else []
        return groups

    def slot(
        self,
        res: TfResource,
        eni: NetworkInterface,
        address: str | None,
        primary: bool,
        subnet: Subnet,
        attr: str,
    ) -> PrivateIpAddress:
        slot = PrivateIpAddress(private_ip_address=address or STAND_IN, primary=primary)
        eni.private_ip_addresses.append(slot)
        if address is None:

            def apply(ip: str, slot: PrivateIpAddress = slot) -> None:
                slot.private_ip_address = ip

            self.pending.append(PendingAddress(res, eni, attr, subnet.subnet_id, apply))
        return slot

    def add_eni(self, res: TfResource, eni: NetworkInterface) -> bool:
        if eni.network_interface_id in self.network.network_interfaces:
            self.warn(
                res,
                "VPCSIM_TF_DUPLICATE",
                f"{eni.network_interface_id} is already described by another resource",
            )
            return False
        self.network.add(eni)
        return True

    # ------------------------------------------------------------------ network interfaces

    def map_network_interface(self, res: TfResource) -> None:
        subnet = self.subnet_of(res)
        if subnet is None:
            return
        primary = self.ip4(res, self.get(res, "private_ip"), "private_ip")
        listed = [
            ip
            for ip in (self.ip4(res, v, "private_ips") for v in self.idents(res, "private_ips") or [])
            if ip
        ]
        if primary is None and listed:
            primary = listed[0]
        secondary = [ip for ip in listed if ip != primary]
        extra = self.number(res, self.get(res, "private_ips_count"), "private_ips_count", 0, 49) or 0
        interface_type = self.text(res, "interface_type") or "interface"
        eni = NetworkInterface(
            network_interface_id=self.own_id(res),
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            groups=self.groups_of(res, "security_groups", subnet),
            source_dest_check=self.flag(res, "source_dest_check", True),
            interface_type=interface_type,
            description=self.text(res, "description") or "",
            availability_zone=subnet.availability_zone,
            status="available",
            owner_id=subnet.owner_id,
            region=subnet.region,
            tags=self.tags_of(res),
        )
        self.slot(res, eni, primary, True, subnet, "private_ip")
        eni.ipv6_addresses = self.ip6_list(res, "ipv6_addresses")
        eni.ipv6_prefixes = [str(p) for p in self.idents(res, "ipv6_prefixes") or []]
        for address in secondary:
            self.slot(res, eni, address, False, subnet, "private_ips")
        for _ in range(max(extra - len(secondary), 0)):
            self.slot(res, eni, None, False, subnet, "private_ips")
        if not self.add_eni(res, eni):
            return
        res.derived["private_ip"] = lambda: (
            eni.private_ip_address if eni.private_ip_address != STAND_IN else None
        )
        for item in self.items(res, "attachment"):
            instance_id = self.item_get(res, item, "instance")
            index = self.number(
                res, self.item_get(res, item, "device_index"), "attachment.device_index", 0, 31
            )
            if isinstance(instance_id, str) and instance_id:
                self.eni_attachments.append((res, eni.network_interface_id, instance_id, index))

    def map_network_interface_attachment(self, res: TfResource) -> None:
        eni_id = self.ident(res, "network_interface_id", required=True)
        instance_id = self.ident(res, "instance_id", required=True)
        index = self.number(res, self.get(res, "device_index"), "device_index", 0, 31)
        if eni_id and instance_id:
            self.attach(res, eni_id, instance_id, index)

    def map_network_interface_sg_attachment(self, res: TfResource) -> None:
        eni_id = self.ident(res, "network_interface_id", required=True)
        group_id = self.ident(res, "security_group_id", required=True)
        if eni_id is None or group_id is None:
            return
        eni = self.network.network_interfaces.get(eni_id)
        if eni is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"network interface {eni_id} is not in the input",
                "network_interface_id",
            )
            return
        if group_id not in self.network.security_groups:
            self.pending_group_refs.append((res, group_id, "security_group_id"))
        if group_id not in eni.groups:
            eni.groups.append(group_id)
            self.network.touch()

    def attach(self, res: TfResource, eni_id: str, instance_id: str, index: int | None) -> None:
        eni = self.network.network_interfaces.get(eni_id)
        instance = self.network.instances.get(instance_id)
        if eni is None or instance is None:
            missing = eni_id if eni is None else instance_id
            self.warn(
                res, "VPCSIM_TF_NOT_IN_INPUT", f"{missing} is not in the input: the attachment is left out"
            )
            return
        if eni.attachment is not None and eni.attachment.instance_id == instance_id:
            return
        if eni.attachment is not None and eni.attachment.instance_id:
            self.error(
                res,
                "InvalidNetworkInterface.InUse",
                f"{eni_id} is already attached to {eni.attachment.instance_id}",
            )
            return
        position = (
            len(instance.network_interface_ids)
            if index is None
            else min(index, len(instance.network_interface_ids))
        )
        eni.attachment = NetworkInterfaceAttachment(
            instance_id=instance_id, device_index=index if index is not None else position
        )
        eni.status = "in-use"
        instance.network_interface_ids.insert(position, eni_id)
        self.network.touch()

    # ------------------------------------------------------------------ instances

    def map_instance(self, res: TfResource) -> None:
        launched: list[tuple[int, str]] = []
        for item in self.items(res, "network_interface"):
            eni_id = self.item_get(res, item, "network_interface_id")
            index = self.number(
                res,
                self.item_get(res, item, "device_index"),
                f"network_interface[{item.index}].device_index",
                0,
                31,
            )
            if isinstance(eni_id, str) and eni_id:
                launched.append((index or 0, eni_id))
        launched.sort()
        instance_id = self.own_id(res)
        state = self.text(res, "instance_state") or "running"
        common: dict[str, Any] = {
            "instance_type": self.text(res, "instance_type") or "t3.micro",
            "image_id": self.text(res, "ami"),
            "http_protocol_ipv6": any(
                self.item_get(res, item, "http_protocol_ipv6") == "enabled"
                for item in self.items(res, "metadata_options")
            ),
            "state": state,
            "tags": self.tags_of(res),
        }
        if launched:
            first = self.network.network_interfaces.get(launched[0][1])
            if first is None:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"network interface {launched[0][1]} is not in the input: the instance is left out",
                )
                return
            instance = Instance(
                instance_id=instance_id,
                subnet_id=first.subnet_id,
                vpc_id=first.vpc_id,
                owner_id=first.owner_id,
                region=first.region,
                **common,
            )
            self.network.add(instance)
            for index, eni_id in launched:
                self.attach(res, eni_id, instance_id, index)
            return
        subnet = self.subnet_of(res)
        if subnet is None:
            return
        eni = NetworkInterface(
            network_interface_id=self.text(res, "primary_network_interface_id")
            or self.placeholder(res, "primary_network_interface", "eni"),
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            groups=self.groups_of(res, "vpc_security_group_ids", subnet),
            source_dest_check=self.flag(res, "source_dest_check", True),
            description="Primary network interface",
            availability_zone=subnet.availability_zone,
            attachment=NetworkInterfaceAttachment(instance_id=instance_id, device_index=0),
            owner_id=subnet.owner_id,
            region=subnet.region,
            tags={"vpcsim:terraform_address": f"{res.address}:primary_network_interface"},
        )
        primary = self.slot(
            res, eni, self.ip4(res, self.get(res, "private_ip"), "private_ip"), True, subnet, "private_ip"
        )
        for value in self.idents(res, "secondary_private_ips") or []:
            address = self.ip4(res, value, "secondary_private_ips")
            if address:
                self.slot(res, eni, address, False, subnet, "secondary_private_ips")
        eni.ipv6_addresses = self.ip6_list(res, "ipv6_addresses")
        if not self.add_eni(res, eni):
            return
        self.network.add(
            Instance(
                instance_id=instance_id,
                subnet_id=subnet.subnet_id,
                vpc_id=subnet.vpc_id,
                network_interface_ids=[eni.network_interface_id],
                owner_id=subnet.owner_id,
                region=subnet.region,
                **common,
            )
        )
        res.derived["private_ip"] = lambda: (
            primary.private_ip_address if primary.private_ip_address != STAND_IN else None
        )
        res.derived["public_ip"] = lambda: primary.public_ip
        public = self.get(res, "public_ip")
        if isinstance(public, str) and public:
            primary.public_ip = self.ip4(res, public, "public_ip")
            return
        if not (is_unknown(public) or res.unknown_at("public_ip")) or state != "running":
            return
        associate = self.get(res, "associate_public_ip_address")
        wants = associate if isinstance(associate, bool) else subnet.map_public_ip_on_launch
        if wants:

            def apply(ip: str) -> None:
                primary.public_ip = ip

            self.pending.append(PendingAddress(res, eni, "public_ip", None, apply))

    # ------------------------------------------------------------------ Elastic IPs

    def map_eip(self, res: TfResource) -> None:
        allocation_id = self.own_id(res)
        public = self.ip4(res, self.get(res, "public_ip"), "public_ip")
        address = Address(
            allocation_id=allocation_id,
            public_ip=public or STAND_IN,
            owner_id=self.network.account,
            region=self.network.region,
            tags=self.tags_of(res),
        )
        self.network.add(address)
        res.derived["public_ip"] = lambda: address.public_ip if address.public_ip != STAND_IN else None
        if public is None:

            def apply(ip: str) -> None:
                address.public_ip = ip

            self.pending.append(PendingAddress(res, address, "public_ip", None, apply))
        instance_id = self.get(res, "instance")
        eni_id = self.get(res, "network_interface")
        private = self.get(res, "associate_with_private_ip")
        if not (isinstance(private, str) and private):
            private = self.get(res, "private_ip") if isinstance(eni_id, str) and eni_id else None
        instance_id = instance_id if isinstance(instance_id, str) and instance_id else None
        eni_id = eni_id if isinstance(eni_id, str) and eni_id else None
        if instance_id or eni_id:
            self.eip_links.append(
                (
                    res,
                    allocation_id,
                    instance_id,
                    eni_id,
                    private if isinstance(private, str) and private else None,
                )
            )

    def map_eip_association(self, res: TfResource) -> None:
        allocation_id = self.ident(res, "allocation_id")
        if allocation_id is None:
            public = self.text(res, "public_ip")
            match = next((a for a in self.network.addresses.values() if a.public_ip == public), None)
            allocation_id = match.allocation_id if match else None
        if allocation_id is None:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                "allocation_id is unknown: the association is left out",
                "allocation_id",
            )
            return
        instance_id = self.ident(res, "instance_id")
        eni_id = self.ident(res, "network_interface_id")
        if instance_id is None and eni_id is None:
            self.warn(
                res, "VPCSIM_TF_UNRESOLVED", "neither instance_id nor network_interface_id resolves: left out"
            )
            return
        self.eip_links.append((res, allocation_id, instance_id, eni_id, self.text(res, "private_ip_address")))

    def link_eips(self) -> None:
        for res, allocation_id, instance_id, eni_id, private in self.eip_links:
            if allocation_id not in self.network.addresses:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"Elastic IP {allocation_id} is not in the input: not associated",
                )
                continue
            target = eni_id or instance_id or ""
            if (eni_id and eni_id not in self.network.network_interfaces) or (
                not eni_id and instance_id not in self.network.instances
            ):
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"{target} is not in the input: {allocation_id} stays unassociated",
                )
                continue
            try:
                self.network.associate_address(allocation_id, target, private_ip=private)
            except ModelError as exc:
                self.error(res, exc.code or "InvalidParameterValue", str(exc))
                continue
            known = res.values.get("association_id" if res.type == "aws_eip" else "id")
            if isinstance(known, str) and known.startswith("eipassoc-"):
                self.network.addresses[allocation_id].association_id = known

    # ------------------------------------------------------------------ NAT gateways

    def map_nat_gateway(self, res: TfResource) -> None:
        subnet = self.subnet_of(res)
        if subnet is None:
            return
        connectivity: Literal["public", "private"] = (
            "private" if self.text(res, "connectivity_type") == "private" else "public"
        )
        allocation_id = self.ident(res, "allocation_id") if connectivity == "public" else None
        nat_id = self.own_id(res)
        eni = NetworkInterface(
            network_interface_id=self.text(res, "network_interface_id")
            or self.placeholder(res, "network_interface", "eni"),
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            interface_type="nat_gateway",
            description=f"Interface for NAT Gateway {nat_id}",
            source_dest_check=False,
            availability_zone=subnet.availability_zone,
            owner_id=subnet.owner_id,
            region=subnet.region,
            tags={"vpcsim:terraform_address": f"{res.address}:network_interface"},
        )
        private = self.ip4(res, self.get(res, "private_ip"), "private_ip")
        slot = self.slot(res, eni, private, True, subnet, "private_ip")
        if not self.add_eni(res, eni):
            return
        nat = NatGateway(
            nat_gateway_id=nat_id,
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            private_ip=slot.private_ip_address,
            connectivity_type=connectivity,
            allocation_id=allocation_id,
            network_interface_id=eni.network_interface_id,
            state=self.text(res, "state") or "available",
            owner_id=subnet.owner_id,
            region=subnet.region,
            tags=self.tags_of(res),
        )
        self.network.add(nat)
        res.derived["private_ip"] = lambda: nat.private_ip if nat.private_ip != STAND_IN else None
        res.derived["public_ip"] = lambda: nat.public_ip
        if connectivity == "public":
            if allocation_id is None:
                self.warn(
                    res,
                    "VPCSIM_TF_UNRESOLVED",
                    "allocation_id is unknown: the NAT gateway has no Elastic IP",
                    "allocation_id",
                )
            self.nat_links.append((res, nat, eni, allocation_id))

    def link_nat_gateways(self) -> None:
        """After addresses are assigned: each NAT gateway's private IP, and its Elastic IP."""
        for res, nat, eni, allocation_id in self.nat_links:
            nat.private_ip = eni.private_ip_address
            address = self.network.addresses.get(allocation_id or "")
            if address is None:
                if allocation_id:
                    self.warn(
                        res,
                        "VPCSIM_TF_NOT_IN_INPUT",
                        f"Elastic IP {allocation_id} is not in the input",
                        "allocation_id",
                    )
                continue
            slot = eni.private_ip_addresses[0]
            slot.public_ip, slot.allocation_id = address.public_ip, address.allocation_id
            address.network_interface_id = eni.network_interface_id
            address.private_ip_address = slot.private_ip_address
            address.association_id = address.association_id or f"eipassoc-{nat.nat_gateway_id[4:]}"
            nat.public_ip = address.public_ip
        for nat in self.network.nat_gateways.values():
            if nat.network_interface_id in self.network.network_interfaces:
                nat.private_ip = self.network.network_interfaces[nat.network_interface_id].private_ip_address
        self.network.touch()

    # ------------------------------------------------------------------ addresses known only after apply

    def assign_addresses(self) -> None:
        """Give every address AWS assigns at apply a deterministic stand-in, once every known
        address is in place: private ones first (lowest free in the subnet), then public ones."""
        notes: dict[str, tuple[TfResource, list[str]]] = {}
        for pending in sorted(self.pending, key=lambda p: p.subnet_id is None):
            try:
                if pending.subnet_id is not None:
                    self.network.touch()
                    ip = self.network.next_private_ip(pending.subnet_id)
                else:
                    ip = self.network.next_public_ip()
            except ModelError as exc:
                self.error(pending.res, exc.code or "InsufficientFreeAddressesInSubnet", str(exc))
                continue
            pending.apply(ip)
            self.mark_unknown(pending.holder, pending.attribute)
            if (
                isinstance(pending.holder, NetworkInterface)
                and pending.holder.attachment
                and pending.holder.attachment.instance_id
            ):
                instance = self.network.instances.get(pending.holder.attachment.instance_id)
                if instance is not None:
                    self.mark_unknown(instance, pending.attribute)
            note = notes.setdefault(pending.res.address, (pending.res, []))
            note[1].append(f"{pending.attribute}={ip}")
        for res, assigned in notes.values():
            self.warn(
                res,
                "VPCSIM_TF_UNKNOWN_ADDRESS",
                f"known only after apply: vpcsim uses the stand-in {', '.join(assigned)} so the plan can be traced "
                "(tagged vpcsim:unknown_address; see docs/terraform.md for what it means for traces)",
            )
        self.network.touch()
