"""Readers for what holds addresses: network interfaces, instances (``Reservations``), Elastic
IPs (``Addresses``) and NAT gateways; see :mod:`.aws_import`."""

from __future__ import annotations

from typing import Any

from ..model import (
    Address,
    Instance,
    NatGateway,
    NetworkInterface,
    NetworkInterfaceAttachment,
    PrivateIpAddress,
)
from ..model.states import (
    ATTACHMENT_STATUSES,
    INSTANCE_STATES,
    NAT_GATEWAY_STATES,
    NETWORK_INTERFACE_STATUSES,
)
from .aws_fields import (
    OUT_OF_RANGE,
    Bad,
    as_dict,
    cidr,
    ipv4,
    ipv6,
    opt_bool,
    opt_dict,
    opt_enum,
    opt_int,
    opt_ipv4,
    opt_list,
    opt_str,
    req_str,
    type_name,
)
from .aws_import_base import ABSENT, UNSET, ImporterBase


class ComputeReaders(ImporterBase):
    """ENIs are the bulk of an estate: this is the hot path of the import."""

    def _nat_gateway(self, item: dict[str, Any]) -> None:
        nat_id = req_str(item, "NatGatewayId")
        subnet_id = req_str(item, "SubnetId")
        vpc_id = req_str(item, "VpcId")
        state = opt_enum(item, "State", NAT_GATEWAY_STATES, "available")
        kind = opt_str(item, "ConnectivityType") or "public"
        if kind not in ("public", "private"):
            raise Bad(
                ".ConnectivityType", f"ConnectivityType {kind!r} is not public or private", OUT_OF_RANGE
            )
        addresses = opt_list(item, "NatGatewayAddresses")
        chosen: dict[str, Any] | None = None
        chosen_index = 0
        for j, raw in enumerate(addresses):
            raw = as_dict(raw, f".NatGatewayAddresses[{j}]")
            if chosen is None or raw.get("IsPrimary") is True:
                chosen = raw
                chosen_index = j
        private_ip = public_ip = allocation_id = eni_id = None
        if chosen is not None:
            try:
                private_ip = opt_ipv4(chosen, "PrivateIp")
                public_ip = opt_ipv4(chosen, "PublicIp")
                allocation_id = opt_str(chosen, "AllocationId")
                eni_id = opt_str(chosen, "NetworkInterfaceId")
            except Bad as bad:
                raise Bad(f".NatGatewayAddresses[{chosen_index}]{bad.path}", bad.message, bad.code) from None
        if private_ip is None and state in ("available", "pending"):
            raise Bad(".NatGatewayAddresses", f"an {state} NAT gateway needs a PrivateIp", "MissingParameter")
        self._add(
            NatGateway(
                nat_gateway_id=nat_id,
                subnet_id=subnet_id,
                vpc_id=vpc_id,
                private_ip=private_ip or "",
                connectivity_type=kind,  # type: ignore[arg-type]
                allocation_id=allocation_id,
                public_ip=public_ip,
                network_interface_id=eni_id,
                state=state,
                owner_id=self._scope.account or UNSET,
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _network_interface(self, item: dict[str, Any]) -> None:
        eni = self._eni(item, None, None)
        if self._add(eni):
            self._hint_zone(eni.availability_zone)

    def _eni(self, item: dict[str, Any], instance_id: str | None, zone: str | None) -> NetworkInterface:
        """An ENI from ``describe-network-interfaces`` or from an instance's ``NetworkInterfaces``."""
        eni_id = req_str(item, "NetworkInterfaceId")
        subnet_id = req_str(item, "SubnetId")
        vpc_id = req_str(item, "VpcId")
        addresses: list[PrivateIpAddress] = []
        primary_seen = False
        for j, raw in enumerate(opt_list(item, "PrivateIpAddresses")):
            if type(raw) is not dict:
                raise Bad(f".PrivateIpAddresses[{j}]", f"expected an object, not {type_name(raw)}")
            try:
                address = ipv4(raw, "PrivateIpAddress")
                primary = raw.get("Primary") is True
                public_ip = allocation_id = None
                association = raw.get("Association")
                if association:
                    association = as_dict(association, ".Association")
                    public_ip = opt_ipv4(association, "PublicIp")
                    allocation_id = opt_str(association, "AllocationId")
            except Bad as bad:
                raise Bad(f".PrivateIpAddresses[{j}]{bad.path}", bad.message, bad.code) from None
            if primary:
                if primary_seen:
                    primary = False
                primary_seen = True
            addresses.append(
                PrivateIpAddress(
                    private_ip_address=address,
                    primary=primary,
                    public_ip=public_ip,
                    allocation_id=allocation_id,
                )
            )
        if not addresses:
            address = ipv4(item, "PrivateIpAddress")
            association = opt_dict(item, "Association") or {}
            addresses.append(
                PrivateIpAddress(
                    private_ip_address=address,
                    primary=True,
                    public_ip=opt_ipv4(association, "PublicIp"),
                    allocation_id=opt_str(association, "AllocationId"),
                )
            )
        elif not primary_seen:
            top = item.get("PrivateIpAddress")
            for address_slot in addresses:
                if address_slot.private_ip_address == top:
                    address_slot.primary = True
                    break
            else:
                addresses[0].primary = True
        # Some dumps (moto's among them) carry the primary address's public IP only in the ENI's
        # top-level Association: it belongs to the primary private address.
        top_association = item.get("Association")
        if isinstance(top_association, dict) and top_association.get("PublicIp"):
            primary_slot = next(a for a in addresses if a.primary)
            if primary_slot.public_ip is None:
                primary_slot.public_ip = opt_ipv4(top_association, "PublicIp")
                primary_slot.allocation_id = opt_str(top_association, "AllocationId")
        ipv6_addresses = []
        for j, raw in enumerate(opt_list(item, "Ipv6Addresses")):
            try:
                ipv6_addresses.append(ipv6(as_dict(raw, ""), "Ipv6Address"))
            except Bad as bad:
                raise Bad(f".Ipv6Addresses[{j}]{bad.path}", bad.message, bad.code) from None
        ipv6_prefixes = []
        for j, raw in enumerate(opt_list(item, "Ipv6Prefixes")):
            try:
                ipv6_prefixes.append(cidr(as_dict(raw, ""), "Ipv6Prefix", v6=True))
            except Bad as bad:
                raise Bad(f".Ipv6Prefixes[{j}]{bad.path}", bad.message, bad.code) from None
        groups = []
        for j, raw in enumerate(opt_list(item, "Groups")):
            try:
                groups.append(req_str(as_dict(raw, ""), "GroupId"))
            except Bad as bad:
                raise Bad(f".Groups[{j}]{bad.path}", bad.message, bad.code) from None
        attachment = None
        raw_attachment = item.get("Attachment")
        if raw_attachment:
            raw_attachment = as_dict(raw_attachment, ".Attachment")
            try:
                attachment = NetworkInterfaceAttachment(
                    instance_id=opt_str(raw_attachment, "InstanceId") or instance_id,
                    device_index=opt_int(raw_attachment, "DeviceIndex", 0, 1000) or 0,
                    status=opt_enum(raw_attachment, "Status", ATTACHMENT_STATUSES, "attached"),
                )
            except Bad as bad:
                raise Bad(f".Attachment{bad.path}", bad.message, bad.code) from None
        elif instance_id is not None:
            attachment = NetworkInterfaceAttachment(instance_id=instance_id)
        tag_key = "TagSet" if "TagSet" in item else "Tags"
        return NetworkInterface(
            network_interface_id=eni_id,
            subnet_id=subnet_id,
            vpc_id=vpc_id,
            private_ip_addresses=addresses,
            ipv6_addresses=ipv6_addresses,
            ipv6_prefixes=ipv6_prefixes,
            groups=groups,
            source_dest_check=opt_bool(item, "SourceDestCheck", True),
            attachment=attachment,
            interface_type=opt_str(item, "InterfaceType") or "interface",
            description=opt_str(item, "Description") or "",
            availability_zone=opt_str(item, "AvailabilityZone") or zone,
            status=opt_enum(
                item, "Status", NETWORK_INTERFACE_STATUSES, "in-use" if attachment else "available"
            ),
            owner_id=self._owner(item),
            region=self._region(),
            tags=self._tags(item, tag_key),
        )

    def _reservation(self, item: dict[str, Any]) -> None:
        owner = self._owner(item)
        for j, raw in enumerate(opt_list(item, "Instances")):
            self._prefix = f".Instances[{j}]"
            try:
                self._instance(as_dict(raw, ""), owner)
            except Bad as bad:
                self._error(bad.path, f"{bad.message}; this instance was left out", bad.code)
            finally:
                self._prefix = ""

    def _instance(self, item: dict[str, Any], owner: str) -> None:
        # the hot path reads fields inline; the typed helpers run only to report a bad value
        get = item.get
        instance_id = get("InstanceId")
        if type(instance_id) is not str or not instance_id:
            instance_id = req_str(item, "InstanceId")
        state_info = get("State")
        state = state_info.get("Name") if type(state_info) is dict else None
        if state is None:
            opt_dict(item, "State")
            state = "running"
        elif type(state) is not str or state not in INSTANCE_STATES:
            try:
                opt_enum({"Name": state}, "Name", INSTANCE_STATES, "running")
            except Bad as bad:
                raise Bad(f".State{bad.path}", bad.message, bad.code) from None
        placement = get("Placement")
        zone = placement.get("AvailabilityZone") if type(placement) is dict else None
        if type(zone) is not str:
            zone = None
        elif self._scope.region is None:
            self._hint_zone(zone)
        raw_enis = get("NetworkInterfaces")
        nested: list[tuple[int, int, dict[str, Any]]]
        if type(raw_enis) is list and len(raw_enis) == 1 and type(raw_enis[0]) is dict:
            nested = [(0, 0, raw_enis[0])]
        else:
            nested = []
            for k, raw in enumerate(opt_list(item, "NetworkInterfaces")):
                raw = as_dict(raw, f".NetworkInterfaces[{k}]")
                attachment = opt_dict(raw, "Attachment") or {}
                index = attachment.get("DeviceIndex")
                nested.append((index if type(index) is int else k, k, raw))
            nested.sort(key=lambda entry: entry[:2])
        eni_ids: list[str] = []
        for _, k, raw in nested:
            eni_id = raw.get("NetworkInterfaceId")
            if type(eni_id) is not str or not eni_id:
                try:
                    eni_id = req_str(raw, "NetworkInterfaceId")
                except Bad as bad:
                    raise Bad(f".NetworkInterfaces[{k}]{bad.path}", bad.message, bad.code) from None
            eni_ids.append(eni_id)
        subnet_id = get("SubnetId")
        vpc_id = get("VpcId")
        if type(subnet_id) is not str or type(vpc_id) is not str:
            subnet_id = opt_str(item, "SubnetId")
            vpc_id = opt_str(item, "VpcId")
            if not subnet_id and nested:
                subnet_id = opt_str(nested[0][2], "SubnetId")
                vpc_id = vpc_id or opt_str(nested[0][2], "VpcId")
        if not subnet_id or not vpc_id:
            if state in ("terminated", "shutting-down"):
                self._skip("Instances (terminated, no network)")
                return
            raise Bad(".SubnetId", f"a {state} instance needs a SubnetId and VpcId", "MissingParameter")
        instance = Instance(
            instance_id=instance_id,
            subnet_id=subnet_id,
            vpc_id=vpc_id,
            network_interface_ids=eni_ids,
            state=state,
            instance_type=opt_str(item, "InstanceType") or "t3.micro",
            image_id=opt_str(item, "ImageId"),
            http_protocol_ipv6=(opt_dict(item, "MetadataOptions") or {}).get("HttpProtocolIpv6") == "enabled",
            owner_id=owner,
            region=self._scope.region or UNSET,
            tags=self._tags(item) if get("Tags") else {},
        )
        if not self._add(instance):
            return
        enis = self.network.network_interfaces
        for _, k, raw in nested:
            if raw["NetworkInterfaceId"] not in enis:
                self._instance_enis.append(
                    (
                        raw,
                        instance,
                        self._src,
                        self._key,
                        self._index,
                        f"{self._prefix}.NetworkInterfaces[{k}]",
                        zone,
                        self._scope,
                    )
                )
        if not nested and state not in ("terminated", "shutting-down"):
            self._warn(
                "", f"instance {instance_id} lists no NetworkInterfaces: it cannot send or receive here"
            )

    def _address(self, item: dict[str, Any]) -> None:
        allocation_id = opt_str(item, "AllocationId")
        if not allocation_id:
            self._skip("Addresses (EC2-Classic, no AllocationId)")
            return
        self._add(
            Address(
                allocation_id=allocation_id,
                public_ip=ipv4(item, "PublicIp"),
                association_id=opt_str(item, "AssociationId"),
                network_interface_id=opt_str(item, "NetworkInterfaceId"),
                private_ip_address=opt_ipv4(item, "PrivateIpAddress"),
                instance_id=opt_str(item, "InstanceId"),
                domain=opt_str(item, "Domain") or "vpc",
                owner_id=self._scope.account or UNSET,
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _create_instance_enis(self) -> None:
        """ENIs seen only inside ``Reservations`` (no ``NetworkInterfaces`` document had them)."""
        enis = self.network.network_interfaces
        for raw, instance, src, key, index, prefix, zone, scope in self._instance_enis:
            eni_id = raw["NetworkInterfaceId"]
            if eni_id in enis:
                continue
            self._src, self._key, self._index, self._prefix, self._scope = src, key, index, prefix, scope
            try:
                eni = self._eni(raw, instance.instance_id, zone)
            except Bad as bad:
                self._error(
                    bad.path,
                    f"{bad.message}; network interface {eni_id} of {instance.instance_id} was left out",
                    bad.code,
                )
                instance.network_interface_ids.remove(eni_id)
                continue
            finally:
                self._prefix = ""
            if eni.owner_id is UNSET:
                eni.owner_id = instance.owner_id
            eni.region = instance.region
            self.network.add(eni)
            self._origin[eni_id] = (src, key, index, prefix)

    def _apply_addresses(self) -> None:
        """Elastic IPs: make sure the associated private address carries the public address."""
        enis = self.network.network_interfaces
        for eip in self.network.addresses.values():
            if not eip.network_interface_id:
                continue
            eni = enis.get(eip.network_interface_id)
            src, path = self._where(eip.allocation_id)
            if eni is None:
                self._note_missing(
                    eip.network_interface_id,
                    "network-interface",
                    ABSENT,
                    "InvalidNetworkInterfaceID.NotFound",
                    src,
                    f"{path}.NetworkInterfaceId" if path else None,
                    eip.allocation_id,
                    eip.owner_id,
                )
                continue
            private = eip.private_ip_address or eni.private_ip_address
            for slot in eni.private_ip_addresses:
                if slot.private_ip_address == private:
                    if slot.public_ip is None:
                        slot.public_ip = eip.public_ip
                        slot.allocation_id = eip.allocation_id
                    elif slot.public_ip == eip.public_ip and slot.allocation_id is None:
                        slot.allocation_id = eip.allocation_id
                    break
            else:
                self.report(
                    "warning",
                    "InvalidParameterValue",
                    f"Elastic IP {eip.public_ip} is associated with {private}, which "
                    f"{eni.network_interface_id} does not hold",
                    src,
                    path,
                )

    def _create_nat_gateway_enis(self) -> None:
        """A NAT gateway's requester-managed ENI, when the dump has the gateway but not its ENI."""
        enis = self.network.network_interfaces
        for nat in self.network.nat_gateways.values():
            if nat.state not in ("available", "pending") or not nat.private_ip:
                continue
            if nat.network_interface_id and nat.network_interface_id in enis:
                continue
            if nat.subnet_id not in self.network.subnets:
                continue
            eni_id = nat.network_interface_id or "eni-" + nat.nat_gateway_id.removeprefix("nat-")
            nat.network_interface_id = eni_id
            subnet = self.network.subnets[nat.subnet_id]
            self.network.add(
                NetworkInterface(
                    network_interface_id=eni_id,
                    subnet_id=nat.subnet_id,
                    vpc_id=nat.vpc_id,
                    private_ip_addresses=[
                        PrivateIpAddress(
                            private_ip_address=nat.private_ip,
                            primary=True,
                            public_ip=nat.public_ip,
                            allocation_id=nat.allocation_id,
                        )
                    ],
                    source_dest_check=False,
                    interface_type="nat_gateway",
                    description=f"Interface for NAT Gateway {nat.nat_gateway_id}",
                    availability_zone=subnet.availability_zone,
                    owner_id=nat.owner_id,
                    region=nat.region,
                )
            )
            nat_origin = self._origin.get(nat.nat_gateway_id)
            if nat_origin is not None:  # problems about the ENI point at the gateway that implies it
                self._origin[eni_id] = nat_origin
