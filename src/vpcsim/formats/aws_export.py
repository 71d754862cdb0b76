"""Write a :class:`~vpcsim.model.Network` as AWS ``describe-*`` JSON, the way the AWS CLI prints it.

One folder per account and region (``ACCOUNT/REGION/``), one file per top-level key
(``Vpcs.json``, ``Subnets.json``...), each holding what ``aws ec2 describe-*`` would return for
that account and region. :func:`vpcsim.formats.aws.load_aws` reads it back into an equivalent
network (rule ids come back through ``SecurityGroupRules``, prefix-list entries through the
``ManagedPrefixListEntries`` wrapper that ``vpcsim collect`` also writes).

Unknown resources are not exported: they are placeholders an importer made for things the input
referenced without describing, and importing the export makes them again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ..model import (
    Address,
    EgressOnlyInternetGateway,
    Instance,
    InternetGateway,
    ManagedPrefixList,
    NatGateway,
    Network,
    NetworkAcl,
    NetworkInterface,
    Resource,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpcPeeringSide,
    VpnGateway,
)
from .aws_export_elb import add_elb_documents
from .aws_export_transit import export_attachment, export_route_table, transit_gateway_options

Scope = tuple[str, str]
"""(account, region)"""

#: Every key written, in file order; a scope gets all of them (empty lists included), like a dump.
KEYS = (
    "Vpcs",
    "Subnets",
    "RouteTables",
    "InternetGateways",
    "EgressOnlyInternetGateways",
    "NatGateways",
    "NetworkAcls",
    "SecurityGroups",
    "SecurityGroupRules",
    "PrefixLists",
    "ManagedPrefixLists",
    "ManagedPrefixListEntries",
    "NetworkInterfaces",
    "Reservations",
    "Addresses",
    "VpcPeeringConnections",
    "VpcEndpoints",
    "VpnGateways",
    "TransitGateways",
    "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments",
    "TransitGatewayPeeringAttachments",
    "TransitGatewayRouteTables",
    "TransitGatewayRouteTableAssociations",
    "TransitGatewayPropagations",
    "TransitGatewayRoutes",
)

_INSTANCE_STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}


def export_aws(network: Network, out_dir: str | Path) -> list[Path]:
    """Write ``out_dir/ACCOUNT/REGION/<Key>.json`` for every account and region of the network."""
    root = Path(out_dir)
    written: list[Path] = []
    for (account, region), documents in sorted(network_to_aws_documents(network).items()):
        folder = root / account / region
        folder.mkdir(parents=True, exist_ok=True)
        for key, value in documents.items():
            path = folder / f"{key}.json"
            path.write_bytes(orjson.dumps({key: value}, option=orjson.OPT_INDENT_2) + b"\n")
            written.append(path)
    return written


def network_to_aws_documents(network: Network) -> dict[Scope, dict[str, Any]]:
    """The describe-* results of every (account, region) of the network."""
    scopes: dict[Scope, dict[str, list[Any]]] = {}

    def bucket(resource: Resource) -> dict[str, list[Any]]:
        scope = (resource.owner_id, resource.region)
        documents = scopes.get(scope)
        if documents is None:
            documents = scopes[scope] = {key: [] for key in KEYS}
        return documents

    for vpc in network.vpcs.values():
        bucket(vpc)["Vpcs"].append(_vpc(vpc))
    for subnet in network.subnets.values():
        bucket(subnet)["Subnets"].append(_subnet(subnet))
    for table in network.route_tables.values():
        bucket(table)["RouteTables"].append(_route_table(table))
    for igw in network.internet_gateways.values():
        bucket(igw)["InternetGateways"].append(_internet_gateway(igw))
    for eigw in network.egress_only_internet_gateways.values():
        bucket(eigw)["EgressOnlyInternetGateways"].append(_egress_only_internet_gateway(eigw))
    for nat in network.nat_gateways.values():
        bucket(nat)["NatGateways"].append(_nat_gateway(nat))
    for acl in network.network_acls.values():
        bucket(acl)["NetworkAcls"].append(_network_acl(acl))
    for group in network.security_groups.values():
        documents = bucket(group)
        documents["SecurityGroups"].append(_security_group(group))
        documents["SecurityGroupRules"].extend(_security_group_rules(group))
    for prefix_list in network.prefix_lists.values():
        documents = bucket(prefix_list)
        if prefix_list.aws_managed:
            documents["PrefixLists"].append(
                {
                    "Cidrs": [entry.cidr for entry in prefix_list.entries],
                    "PrefixListId": prefix_list.prefix_list_id,
                    "PrefixListName": prefix_list.prefix_list_name,
                }
            )
        documents["ManagedPrefixLists"].append(_managed_prefix_list(prefix_list))
        documents["ManagedPrefixListEntries"].append(
            {
                "PrefixListId": prefix_list.prefix_list_id,
                "Entries": [
                    _drop_none({"Cidr": e.cidr, "Description": e.description}) for e in prefix_list.entries
                ],
            }
        )
    for eni in network.network_interfaces.values():
        bucket(eni)["NetworkInterfaces"].append(_network_interface(eni, network))
    for instance in network.instances.values():
        bucket(instance)["Reservations"].append(_reservation(instance, network))
    for address in network.addresses.values():
        bucket(address)["Addresses"].append(_address(address))
    for pcx in network.vpc_peering_connections.values():
        bucket(pcx)["VpcPeeringConnections"].append(_peering(pcx))
    for endpoint in network.vpc_endpoints.values():
        bucket(endpoint)["VpcEndpoints"].append(_endpoint(endpoint))
    for vgw in network.vpn_gateways.values():
        bucket(vgw)["VpnGateways"].append(_vpn_gateway(vgw))
    for tgw in network.transit_gateways.values():
        documents = bucket(tgw)
        documents["TransitGateways"].append(_transit_gateway(tgw))
        documents["TransitGatewayAttachments"].extend(_transit_gateway_attachments(tgw))
    for attachment in network.transit_gateway_attachments.values():
        export_attachment(bucket(attachment), attachment)
    for tgw_table in network.transit_gateway_route_tables.values():
        export_route_table(bucket(tgw_table), tgw_table)
    add_elb_documents(network, bucket)
    return {scope: dict(documents) for scope, documents in scopes.items()}


# ---------------------------------------------------------------------- one resource each


def _tags(resource: Resource) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in resource.tags.items()]


def _drop_none(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if value is not None}


def _vpc(vpc: Vpc) -> dict[str, Any]:
    return {
        "CidrBlock": vpc.cidr_block,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": f"vpc-cidr-assoc-{vpc.vpc_id.removeprefix('vpc-')}-{index}",
                "CidrBlock": block,
                "CidrBlockState": {"State": "associated"},
            }
            for index, block in enumerate(vpc.cidr_blocks)
        ],
        "Ipv6CidrBlockAssociationSet": [
            {"Ipv6CidrBlock": block, "Ipv6CidrBlockState": {"State": "associated"}}
            for block in vpc.ipv6_cidr_blocks
        ],
        "IsDefault": vpc.is_default,
        "OwnerId": vpc.owner_id,
        "State": vpc.state,
        "Tags": _tags(vpc),
        "VpcId": vpc.vpc_id,
    }


def _subnet(subnet: Subnet) -> dict[str, Any]:
    return _drop_none(
        {
            "AvailabilityZone": subnet.availability_zone,
            "CidrBlock": subnet.cidr_block,
            "DefaultForAz": subnet.default_for_az,
            "Ipv6CidrBlockAssociationSet": (
                [{"Ipv6CidrBlock": subnet.ipv6_cidr_block, "Ipv6CidrBlockState": {"State": "associated"}}]
                if subnet.ipv6_cidr_block
                else []
            ),
            "MapPublicIpOnLaunch": subnet.map_public_ip_on_launch,
            # written only when on (IPv4-only exports stay as they were)
            "AssignIpv6AddressOnCreation": True if subnet.assign_ipv6_address_on_creation else None,
            "Ipv6Native": True if subnet.ipv6_native else None,
            "OwnerId": subnet.owner_id,
            "State": subnet.state,
            "SubnetArn": f"arn:aws:ec2:{subnet.region}:{subnet.owner_id}:subnet/{subnet.subnet_id}",
            "SubnetId": subnet.subnet_id,
            "Tags": _tags(subnet),
            "VpcId": subnet.vpc_id,
        }
    )


def _route(route: Route) -> dict[str, Any]:
    return _drop_none(
        {
            "DestinationCidrBlock": route.destination_cidr_block,
            "DestinationIpv6CidrBlock": route.destination_ipv6_cidr_block,
            "DestinationPrefixListId": route.destination_prefix_list_id,
            "EgressOnlyInternetGatewayId": route.egress_only_internet_gateway_id,
            "GatewayId": route.gateway_id,
            "InstanceId": route.instance_id,
            "NatGatewayId": route.nat_gateway_id,
            "NetworkInterfaceId": route.network_interface_id,
            "TransitGatewayId": route.transit_gateway_id,
            "VpcPeeringConnectionId": route.vpc_peering_connection_id,
            "Origin": route.origin,
            "State": route.state,
        }
    )


def _route_table(table: RouteTable) -> dict[str, Any]:
    short = table.route_table_id.removeprefix("rtb-")
    associations: list[dict[str, Any]] = []
    if table.main:
        associations.append(
            {
                "Main": True,
                "RouteTableAssociationId": f"rtbassoc-{short}-main",
                "RouteTableId": table.route_table_id,
                "AssociationState": {"State": "associated"},
            }
        )
    for subnet_id in table.subnet_ids:
        associations.append(
            {
                "Main": False,
                "RouteTableAssociationId": f"rtbassoc-{short}-{subnet_id.removeprefix('subnet-')}",
                "RouteTableId": table.route_table_id,
                "SubnetId": subnet_id,
                "AssociationState": {"State": "associated"},
            }
        )
    for gateway_id in table.gateway_ids:
        associations.append(
            {
                "Main": False,
                "RouteTableAssociationId": f"rtbassoc-{short}-{gateway_id.split('-', 1)[-1]}",
                "RouteTableId": table.route_table_id,
                "GatewayId": gateway_id,
                "AssociationState": {"State": "associated"},
            }
        )
    return {
        "Associations": associations,
        "OwnerId": table.owner_id,
        "PropagatingVgws": [],
        "RouteTableId": table.route_table_id,
        "Routes": [_route(route) for route in table.routes],
        "Tags": _tags(table),
        "VpcId": table.vpc_id,
    }


def _internet_gateway(igw: InternetGateway) -> dict[str, Any]:
    return {
        "Attachments": [{"State": a.state, "VpcId": a.vpc_id} for a in igw.attachments],
        "InternetGatewayId": igw.internet_gateway_id,
        "OwnerId": igw.owner_id,
        "Tags": _tags(igw),
    }


def _egress_only_internet_gateway(eigw: EgressOnlyInternetGateway) -> dict[str, Any]:
    return {
        "Attachments": [{"State": "attached", "VpcId": eigw.vpc_id}] if eigw.vpc_id else [],
        "EgressOnlyInternetGatewayId": eigw.egress_only_internet_gateway_id,
        "Tags": _tags(eigw),
    }


def _nat_gateway(nat: NatGateway) -> dict[str, Any]:
    address = _drop_none(
        {
            "AllocationId": nat.allocation_id,
            "NetworkInterfaceId": nat.network_interface_id,
            "PrivateIp": nat.private_ip or None,
            "PublicIp": nat.public_ip,
            "IsPrimary": True,
        }
    )
    return {
        "ConnectivityType": nat.connectivity_type,
        "NatGatewayAddresses": [address] if nat.private_ip or nat.public_ip else [],
        "NatGatewayId": nat.nat_gateway_id,
        "State": nat.state,
        "SubnetId": nat.subnet_id,
        "Tags": _tags(nat),
        "VpcId": nat.vpc_id,
    }


def _network_acl(acl: NetworkAcl) -> dict[str, Any]:
    entries = []
    for entry in acl.entries:
        raw: dict[str, Any] = {
            "Egress": entry.egress,
            "Protocol": entry.protocol,
            "RuleAction": entry.rule_action,
            "RuleNumber": entry.rule_number,
        }
        if entry.cidr_block is not None:
            raw["CidrBlock"] = entry.cidr_block
        if entry.ipv6_cidr_block is not None:
            raw["Ipv6CidrBlock"] = entry.ipv6_cidr_block
        if entry.port_range is not None:
            raw["PortRange"] = {"From": entry.port_range[0], "To": entry.port_range[1]}
        if entry.icmp_type_code is not None:
            raw["IcmpTypeCode"] = {"Type": entry.icmp_type_code[0], "Code": entry.icmp_type_code[1]}
        entries.append(raw)
    short = acl.network_acl_id.removeprefix("acl-")
    return {
        "Associations": [
            {
                "NetworkAclAssociationId": f"aclassoc-{short}-{subnet_id.removeprefix('subnet-')}",
                "NetworkAclId": acl.network_acl_id,
                "SubnetId": subnet_id,
            }
            for subnet_id in acl.subnet_ids
        ],
        "Entries": entries,
        "IsDefault": acl.is_default,
        "NetworkAclId": acl.network_acl_id,
        "OwnerId": acl.owner_id,
        "Tags": _tags(acl),
        "VpcId": acl.vpc_id,
    }


def _ports(rule: SecurityGroupRule) -> dict[str, Any]:
    if rule.from_port is None and rule.to_port is None:
        return {}
    return {"FromPort": rule.from_port, "ToPort": rule.to_port}


def _permissions(rules: list[SecurityGroupRule], group: SecurityGroup) -> list[dict[str, Any]]:
    """AWS groups peers with the same protocol and ports into one IpPermission."""
    permissions: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for rule in rules:
        key = (rule.ip_protocol, rule.from_port, rule.to_port)
        permission = permissions.get(key)
        if permission is None:
            permission = permissions[key] = {
                "IpProtocol": rule.ip_protocol,
                **_ports(rule),
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        described = {"Description": rule.description} if rule.description is not None else {}
        if rule.cidr_ipv4 is not None:
            permission["IpRanges"].append({"CidrIp": rule.cidr_ipv4, **described})
        elif rule.cidr_ipv6 is not None:
            permission["Ipv6Ranges"].append({"CidrIpv6": rule.cidr_ipv6, **described})
        elif rule.prefix_list_id is not None:
            permission["PrefixListIds"].append({"PrefixListId": rule.prefix_list_id, **described})
        elif rule.referenced_group_id is not None:
            permission["UserIdGroupPairs"].append(
                {"GroupId": rule.referenced_group_id, "UserId": group.owner_id, **described}
            )
    return list(permissions.values())


def _security_group(group: SecurityGroup) -> dict[str, Any]:
    return {
        "Description": group.description,
        "GroupId": group.group_id,
        "GroupName": group.group_name,
        "IpPermissions": _permissions(group.ingress, group),
        "IpPermissionsEgress": _permissions(group.egress, group),
        "OwnerId": group.owner_id,
        "Tags": _tags(group),
        "VpcId": group.vpc_id,
    }


def _security_group_rules(group: SecurityGroup) -> list[dict[str, Any]]:
    """``describe-security-group-rules`` items, for the rules that have an id."""
    items = []
    for egress, rules in ((False, group.ingress), (True, group.egress)):
        for rule in rules:
            if rule.security_group_rule_id is None:
                continue
            item: dict[str, Any] = {
                "SecurityGroupRuleId": rule.security_group_rule_id,
                "GroupId": group.group_id,
                "GroupOwnerId": group.owner_id,
                "IsEgress": egress,
                "IpProtocol": rule.ip_protocol,
                "FromPort": -1 if rule.from_port is None else rule.from_port,
                "ToPort": -1 if rule.to_port is None else rule.to_port,
            }
            if rule.cidr_ipv4 is not None:
                item["CidrIpv4"] = rule.cidr_ipv4
            elif rule.cidr_ipv6 is not None:
                item["CidrIpv6"] = rule.cidr_ipv6
            elif rule.prefix_list_id is not None:
                item["PrefixListId"] = rule.prefix_list_id
            elif rule.referenced_group_id is not None:
                item["ReferencedGroupInfo"] = {"GroupId": rule.referenced_group_id, "UserId": group.owner_id}
            if rule.description is not None:
                item["Description"] = rule.description
            items.append(item)
    return items


def _managed_prefix_list(prefix_list: ManagedPrefixList) -> dict[str, Any]:
    return {
        "AddressFamily": prefix_list.address_family,
        "MaxEntries": prefix_list.max_entries,
        "OwnerId": "AWS" if prefix_list.aws_managed else prefix_list.owner_id,
        "PrefixListArn": (
            f"arn:aws:ec2:{prefix_list.region}:{'aws' if prefix_list.aws_managed else prefix_list.owner_id}"
            f":prefix-list/{prefix_list.prefix_list_id}"
        ),
        "PrefixListId": prefix_list.prefix_list_id,
        "PrefixListName": prefix_list.prefix_list_name,
        "State": "create-complete",
        "Tags": _tags(prefix_list),
    }


def _private_addresses(eni: NetworkInterface) -> list[dict[str, Any]]:
    addresses = []
    for slot in eni.private_ip_addresses:
        item: dict[str, Any] = {"Primary": slot.primary, "PrivateIpAddress": slot.private_ip_address}
        if slot.public_ip is not None:
            item["Association"] = _drop_none(
                {
                    "AllocationId": slot.allocation_id,
                    "IpOwnerId": eni.owner_id if slot.allocation_id else "amazon",
                    "PublicIp": slot.public_ip,
                }
            )
        addresses.append(item)
    return addresses


def _eni_body(eni: NetworkInterface, network: Network) -> dict[str, Any]:
    """Fields common to describe-network-interfaces and an instance's NetworkInterfaces."""
    body: dict[str, Any] = {}
    primary = next((a for a in eni.private_ip_addresses if a.primary), None)
    if primary is not None and primary.public_ip is not None:
        body["Association"] = _drop_none(
            {
                "AllocationId": primary.allocation_id,
                "IpOwnerId": eni.owner_id if primary.allocation_id else "amazon",
                "PublicIp": primary.public_ip,
            }
        )
    if eni.attachment is not None:
        body["Attachment"] = _drop_none(
            {
                "AttachmentId": f"eni-attach-{eni.network_interface_id.removeprefix('eni-')}",
                "DeviceIndex": eni.attachment.device_index,
                "InstanceId": eni.attachment.instance_id,
                "Status": eni.attachment.status,
            }
        )
    groups = network.security_groups
    body.update(
        {
            "Description": eni.description,
            "Groups": [
                {"GroupId": g, "GroupName": groups[g].group_name} if g in groups else {"GroupId": g}
                for g in eni.groups
            ],
            "InterfaceType": eni.interface_type,
            "Ipv6Addresses": [{"Ipv6Address": address} for address in eni.ipv6_addresses],
            "Ipv6Prefixes": [{"Ipv6Prefix": p} for p in eni.ipv6_prefixes] if eni.ipv6_prefixes else None,
            "NetworkInterfaceId": eni.network_interface_id,
            "OwnerId": eni.owner_id,
            "PrivateIpAddress": eni.private_ip_address if eni.private_ip_addresses else None,
            "PrivateIpAddresses": _private_addresses(eni),
            "SourceDestCheck": eni.source_dest_check,
            "Status": eni.status,
            "SubnetId": eni.subnet_id,
            "VpcId": eni.vpc_id,
        }
    )
    return _drop_none(body)


def _network_interface(eni: NetworkInterface, network: Network) -> dict[str, Any]:
    body = _eni_body(eni, network)
    if eni.availability_zone is not None:
        body["AvailabilityZone"] = eni.availability_zone
    body["TagSet"] = _tags(eni)
    return body


def _reservation(instance: Instance, network: Network) -> dict[str, Any]:
    enis = [
        network.network_interfaces[e]
        for e in instance.network_interface_ids
        if e in network.network_interfaces
    ]
    primary = enis[0] if enis else None
    subnet = network.subnets.get(instance.subnet_id)
    zone = (primary.availability_zone if primary else None) or (subnet.availability_zone if subnet else None)
    nested = []
    for eni in enis:
        body = _eni_body(eni, network)
        if "Attachment" in body:
            body["Attachment"] = {k: v for k, v in body["Attachment"].items() if k != "InstanceId"}
        nested.append(body)
    item: dict[str, Any] = {
        "ImageId": instance.image_id,
        "MetadataOptions": {"HttpProtocolIpv6": "enabled"} if instance.http_protocol_ipv6 else None,
        "InstanceId": instance.instance_id,
        "InstanceType": instance.instance_type,
        "NetworkInterfaces": nested,
        "Placement": {"AvailabilityZone": zone, "Tenancy": "default"} if zone else None,
        "PrivateIpAddress": primary.private_ip_address if primary and primary.private_ip_addresses else None,
        "PublicIpAddress": primary.public_ip if primary else None,
        "SecurityGroups": (
            [
                {"GroupId": g, "GroupName": network.security_groups[g].group_name}
                if g in network.security_groups
                else {"GroupId": g}
                for g in primary.groups
            ]
            if primary
            else []
        ),
        "SourceDestCheck": primary.source_dest_check if primary else True,
        "State": {"Code": _INSTANCE_STATE_CODES.get(instance.state, 16), "Name": instance.state},
        "SubnetId": instance.subnet_id,
        "Tags": _tags(instance),
        "VpcId": instance.vpc_id,
    }
    return {
        "Groups": [],
        "Instances": [_drop_none(item)],
        "OwnerId": instance.owner_id,
        "ReservationId": f"r-{instance.instance_id.removeprefix('i-')}",
    }


def _address(address: Address) -> dict[str, Any]:
    return _drop_none(
        {
            "AllocationId": address.allocation_id,
            "AssociationId": address.association_id,
            "Domain": address.domain,
            "InstanceId": address.instance_id,
            "NetworkInterfaceId": address.network_interface_id,
            "NetworkInterfaceOwnerId": address.owner_id if address.network_interface_id else None,
            "PrivateIpAddress": address.private_ip_address,
            "PublicIp": address.public_ip,
            "PublicIpv4Pool": "amazon",
            "Tags": _tags(address),
        }
    )


def _side(side: VpcPeeringSide) -> dict[str, Any]:
    return {
        "CidrBlock": side.cidr_blocks[0] if side.cidr_blocks else None,
        "CidrBlockSet": [{"CidrBlock": block} for block in side.cidr_blocks],
        "OwnerId": side.owner_id,
        "Region": side.region,
        "VpcId": side.vpc_id,
    }


def _peering(pcx: VpcPeeringConnection) -> dict[str, Any]:
    return {
        "AccepterVpcInfo": _drop_none(_side(pcx.accepter)),
        "RequesterVpcInfo": _drop_none(_side(pcx.requester)),
        "Status": {"Code": pcx.status},
        "Tags": _tags(pcx),
        "VpcPeeringConnectionId": pcx.vpc_peering_connection_id,
    }


def _endpoint(endpoint: VpcEndpoint) -> dict[str, Any]:
    return {
        "OwnerId": endpoint.owner_id,
        "RouteTableIds": list(endpoint.route_table_ids),
        "ServiceName": endpoint.service_name,
        "State": endpoint.state,
        "Tags": _tags(endpoint),
        "VpcEndpointId": endpoint.vpc_endpoint_id,
        "VpcEndpointType": endpoint.vpc_endpoint_type,
        "VpcId": endpoint.vpc_id,
        "SubnetIds": list(endpoint.subnet_ids),
        "Groups": [{"GroupId": g} for g in endpoint.group_ids],
        "NetworkInterfaceIds": list(endpoint.network_interface_ids),
    }


def _vpn_gateway(vgw: VpnGateway) -> dict[str, Any]:
    return {
        "State": vgw.state,
        "Tags": _tags(vgw),
        "Type": "ipsec.1",
        "VpcAttachments": [{"State": "attached", "VpcId": vpc_id} for vpc_id in vgw.vpc_ids],
        "VpnGatewayId": vgw.vpn_gateway_id,
    }


def _transit_gateway(tgw: TransitGateway) -> dict[str, Any]:
    return {
        "Options": transit_gateway_options(tgw),
        "OwnerId": tgw.owner_id,
        "State": tgw.state,
        "Tags": _tags(tgw),
        "TransitGatewayArn": f"arn:aws:ec2:{tgw.region}:{tgw.owner_id}:transit-gateway/{tgw.transit_gateway_id}",
        "TransitGatewayId": tgw.transit_gateway_id,
    }


def _transit_gateway_attachments(tgw: TransitGateway) -> list[dict[str, Any]]:
    short = tgw.transit_gateway_id.removeprefix("tgw-")
    return [
        {
            "ResourceId": vpc_id,
            "ResourceOwnerId": tgw.owner_id,
            "ResourceType": "vpc",
            "State": "available",
            "TransitGatewayAttachmentId": f"tgw-attach-{short}-{vpc_id.removeprefix('vpc-')}",
            "TransitGatewayId": tgw.transit_gateway_id,
            "TransitGatewayOwnerId": tgw.owner_id,
        }
        for vpc_id in tgw.vpc_ids
    ]
