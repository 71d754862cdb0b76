"""Readers for the network's skeleton: VPCs, subnets, gateways, route tables, network ACLs,
peering connections and VPC endpoints (see :mod:`.aws_import`)."""

from __future__ import annotations

from typing import Any

from ..model import (
    EgressOnlyInternetGateway,
    InternetGateway,
    InternetGatewayAttachment,
    NetworkAcl,
    NetworkAclEntry,
    Route,
    RouteTable,
    Subnet,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpcPeeringSide,
    VpnGateway,
)
from ..model.addressing import gateway_collection
from ..model.states import (
    INTERNET_GATEWAY_ATTACHMENT_STATES,
    PEERING_STATUSES,
    SUBNET_STATES,
    VPC_STATES,
    VPN_GATEWAY_STATES,
)
from .aws_fields import (
    OUT_OF_RANGE,
    Bad,
    as_dict,
    cidr,
    network_block,
    opt_bool,
    opt_dict,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
    req_str,
    type_name,
)
from .aws_import_base import UNSET, ImporterBase

_ROUTE_TARGETS = (
    ("GatewayId", "gateway_id"),
    ("NatGatewayId", "nat_gateway_id"),
    ("NetworkInterfaceId", "network_interface_id"),
    ("InstanceId", "instance_id"),
    ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
    ("TransitGatewayId", "transit_gateway_id"),
    ("EgressOnlyInternetGatewayId", "egress_only_internet_gateway_id"),
)
#: Route targets the model has no field for: kept in ``gateway_id`` and made unknown.
_UNMODELLED_TARGETS = (
    ("LocalGatewayId", "local-gateway"),
    ("CarrierGatewayId", "carrier-gateway"),
    ("CoreNetworkArn", "core-network"),
)
_ORIGINS = frozenset({"CreateRouteTable", "CreateRoute", "EnableVgwRoutePropagation"})
_ROUTE_STATES = frozenset({"active", "blackhole"})
_ACL_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}


class NetworkReaders(ImporterBase):
    """``Vpcs``, ``Subnets``, ``InternetGateways``, ``EgressOnlyInternetGateways``, ``VpnGateways``,
    ``TransitGateways`` (+ attachments), ``NetworkAcls``, ``RouteTables``, ``VpcPeeringConnections``,
    ``VpcEndpoints``."""

    def _vpc(self, item: dict[str, Any]) -> None:
        vpc_id = req_str(item, "VpcId")
        block = network_block(item, "CidrBlock")
        secondary: list[str] = []
        for j, assoc in enumerate(opt_list(item, "CidrBlockAssociationSet")):
            assoc = as_dict(assoc, f".CidrBlockAssociationSet[{j}]")
            state = (opt_dict(assoc, "CidrBlockState") or {}).get("State", "associated")
            if state not in ("associated", "associating"):
                continue
            try:
                other = network_block(assoc, "CidrBlock")
            except Bad as bad:
                raise Bad(f".CidrBlockAssociationSet[{j}]{bad.path}", bad.message, bad.code) from None
            if other != block and other not in secondary:
                secondary.append(other)
        ipv6_blocks: list[str] = []
        for j, assoc in enumerate(opt_list(item, "Ipv6CidrBlockAssociationSet")):
            assoc = as_dict(assoc, f".Ipv6CidrBlockAssociationSet[{j}]")
            state = (opt_dict(assoc, "Ipv6CidrBlockState") or {}).get("State", "associated")
            if state in ("associated", "associating") and assoc.get("Ipv6CidrBlock"):
                try:
                    ipv6_blocks.append(network_block(assoc, "Ipv6CidrBlock", v6=True))
                except Bad as bad:
                    raise Bad(f".Ipv6CidrBlockAssociationSet[{j}]{bad.path}", bad.message, bad.code) from None
        self._add(
            Vpc(
                vpc_id=vpc_id,
                cidr_block=block,
                secondary_cidr_blocks=secondary,
                ipv6_cidr_blocks=ipv6_blocks,
                is_default=opt_bool(item, "IsDefault", False),
                state=opt_enum(item, "State", VPC_STATES, "available"),
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _subnet(self, item: dict[str, Any]) -> None:
        subnet_id = req_str(item, "SubnetId")
        vpc_id = req_str(item, "VpcId")
        block = network_block(item, "CidrBlock")
        zone = req_str(item, "AvailabilityZone")
        self._hint_zone(zone)
        self._hint_arn(item.get("SubnetArn"))
        ipv6_block = None
        for j, assoc in enumerate(opt_list(item, "Ipv6CidrBlockAssociationSet")):
            assoc = as_dict(assoc, f".Ipv6CidrBlockAssociationSet[{j}]")
            state = (opt_dict(assoc, "Ipv6CidrBlockState") or {}).get("State", "associated")
            if state in ("associated", "associating") and assoc.get("Ipv6CidrBlock"):
                try:
                    ipv6_block = network_block(assoc, "Ipv6CidrBlock", v6=True)
                except Bad as bad:
                    raise Bad(f".Ipv6CidrBlockAssociationSet[{j}]{bad.path}", bad.message, bad.code) from None
                break
        self._add(
            Subnet(
                subnet_id=subnet_id,
                vpc_id=vpc_id,
                cidr_block=block,
                availability_zone=zone,
                ipv6_cidr_block=ipv6_block,
                map_public_ip_on_launch=opt_bool(item, "MapPublicIpOnLaunch", False),
                default_for_az=opt_bool(item, "DefaultForAz", False),
                state=opt_enum(item, "State", SUBNET_STATES, "available"),
                assign_ipv6_address_on_creation=opt_bool(item, "AssignIpv6AddressOnCreation", False),
                ipv6_native=opt_bool(item, "Ipv6Native", False),
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _internet_gateway(self, item: dict[str, Any]) -> None:
        igw_id = req_str(item, "InternetGatewayId")
        attachments = []
        for j, att in enumerate(opt_list(item, "Attachments")):
            att = as_dict(att, f".Attachments[{j}]")
            try:
                attachments.append(
                    InternetGatewayAttachment(
                        vpc_id=req_str(att, "VpcId"),
                        state=opt_enum(att, "State", INTERNET_GATEWAY_ATTACHMENT_STATES, "available"),
                    )
                )
            except Bad as bad:
                raise Bad(f".Attachments[{j}]{bad.path}", bad.message, bad.code) from None
        self._add(
            InternetGateway(
                internet_gateway_id=igw_id,
                attachments=attachments,
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _egress_only_internet_gateway(self, item: dict[str, Any]) -> None:
        eigw_id = req_str(item, "EgressOnlyInternetGatewayId")
        vpc_id = None
        for j, att in enumerate(opt_list(item, "Attachments")):
            att = as_dict(att, f".Attachments[{j}]")
            if opt_str(att, "State") in (None, "attached", "available"):
                vpc_id = opt_str(att, "VpcId")
                break
        self._add(
            EgressOnlyInternetGateway(
                egress_only_internet_gateway_id=eigw_id,
                vpc_id=vpc_id,
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _vpn_gateway(self, item: dict[str, Any]) -> None:
        vgw_id = req_str(item, "VpnGatewayId")
        vpc_ids = []
        for j, att in enumerate(opt_list(item, "VpcAttachments")):
            att = as_dict(att, f".VpcAttachments[{j}]")
            if opt_str(att, "State") in (None, "attached", "attaching") and opt_str(att, "VpcId"):
                vpc_ids.append(att["VpcId"])
        self._hint_zone(item.get("AvailabilityZone"))
        self._add(
            VpnGateway(
                vpn_gateway_id=vgw_id,
                vpc_ids=vpc_ids,
                state=opt_enum(item, "State", VPN_GATEWAY_STATES, "available"),
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _network_acl(self, item: dict[str, Any]) -> None:
        acl_id = req_str(item, "NetworkAclId")
        vpc_id = req_str(item, "VpcId")
        entries = []
        for j, raw in enumerate(opt_list(item, "Entries")):
            try:
                entries.append(self._acl_entry(as_dict(raw, "")))
            except Bad as bad:
                self._error(
                    f".Entries[{j}]{bad.path}",
                    f"{bad.message}; this entry was left out, so traces through {acl_id} may be wrong",
                    bad.code,
                )
        subnet_ids = []
        for j, assoc in enumerate(opt_list(item, "Associations")):
            assoc = as_dict(assoc, f".Associations[{j}]")
            subnet_id = opt_str(assoc, "SubnetId")
            if subnet_id:
                subnet_ids.append(subnet_id)
        self._add(
            NetworkAcl(
                network_acl_id=acl_id,
                vpc_id=vpc_id,
                is_default=opt_bool(item, "IsDefault", False),
                entries=entries,
                subnet_ids=subnet_ids,
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    @staticmethod
    def _acl_entry(raw: dict[str, Any]) -> NetworkAclEntry:
        number = opt_int(raw, "RuleNumber", 1, 32768)
        if number is None:
            raise Bad(".RuleNumber", "RuleNumber is missing", "MissingParameter")
        protocol = raw.get("Protocol")
        if type(protocol) is int:
            protocol = str(protocol)
        if type(protocol) is not str:
            raise Bad(".Protocol", f"Protocol must be a string, not {type_name(protocol)}")
        protocol = _ACL_PROTOCOLS.get(protocol.lower(), protocol)
        if protocol != "-1" and (
            not (protocol.isascii() and protocol.isdigit()) or len(protocol) > 3 or int(protocol) > 255
        ):
            raise Bad(".Protocol", f"Protocol {protocol!r} is not -1 or 0-255", OUT_OF_RANGE)
        action = raw.get("RuleAction")
        if action not in ("allow", "deny"):
            raise Bad(
                ".RuleAction", f"RuleAction must be allow or deny, not {type_name(action)}", OUT_OF_RANGE
            )
        egress = raw.get("Egress")
        if type(egress) is not bool:
            raise Bad(".Egress", f"Egress must be true or false, not {type_name(egress)}")
        v4 = cidr(raw, "CidrBlock") if raw.get("CidrBlock") is not None else None
        v6 = cidr(raw, "Ipv6CidrBlock", v6=True) if raw.get("Ipv6CidrBlock") is not None else None
        if v4 is None and v6 is None:
            raise Bad(".CidrBlock", "an entry needs a CidrBlock or an Ipv6CidrBlock", "MissingParameter")
        port_range = None
        ports = opt_dict(raw, "PortRange")
        if ports is not None and protocol in ("6", "17", "-1"):
            try:
                low = opt_int(ports, "From", 0, 65535)
                high = opt_int(ports, "To", 0, 65535)
            except Bad as bad:
                raise Bad(".PortRange" + bad.path, bad.message, bad.code) from None
            if low is None or high is None or high < low:
                raise Bad(".PortRange", f"PortRange {low}-{high} is not a valid range", OUT_OF_RANGE)
            port_range = (low, high)
        icmp = None
        codes = opt_dict(raw, "IcmpTypeCode")
        if codes is not None and protocol in ("1", "58"):
            try:
                icmp_type = opt_int(codes, "Type", -1, 255)
                icmp_code = opt_int(codes, "Code", -1, 255)
            except Bad as bad:
                raise Bad(".IcmpTypeCode" + bad.path, bad.message, bad.code) from None
            icmp = (-1 if icmp_type is None else icmp_type, -1 if icmp_code is None else icmp_code)
        return NetworkAclEntry(
            rule_number=number,
            protocol=protocol,
            rule_action=action,
            egress=egress,
            cidr_block=v4,
            ipv6_cidr_block=v6,
            port_range=port_range,
            icmp_type_code=icmp,
        )

    def _route_table(self, item: dict[str, Any]) -> None:
        table_id = req_str(item, "RouteTableId")
        vpc_id = req_str(item, "VpcId")
        main = False
        subnet_ids: list[str] = []
        gateway_ids: list[str] = []
        for j, assoc in enumerate(opt_list(item, "Associations")):
            assoc = as_dict(assoc, f".Associations[{j}]")
            state = (opt_dict(assoc, "AssociationState") or {}).get("State", "associated")
            if state not in ("associated", "associating"):
                continue
            if opt_bool(assoc, "Main", False):
                main = True
            subnet_id = opt_str(assoc, "SubnetId")
            if subnet_id:
                subnet_ids.append(subnet_id)
            gateway_id = opt_str(assoc, "GatewayId")
            if gateway_id:
                gateway_ids.append(gateway_id)
        routes = []
        for j, raw in enumerate(opt_list(item, "Routes")):
            try:
                routes.append(self._route(as_dict(raw, ""), table_id, j))
            except Bad as bad:
                self._error(
                    f".Routes[{j}]{bad.path}",
                    f"{bad.message}; this route was left out, so traces through {table_id} may be wrong",
                    bad.code,
                )
        table = RouteTable(
            route_table_id=table_id,
            vpc_id=vpc_id,
            routes=routes,
            subnet_ids=subnet_ids,
            main=main,
            gateway_ids=gateway_ids,
            owner_id=self._owner(item),
            region=self._region(),
            tags=self._tags(item),
        )
        if self._add(table):
            for j, gateway_id in enumerate(gateway_ids):
                self._route_refs.append(
                    (gateway_id, table_id, self._src, self._here(f".Associations[{j}].GatewayId"))
                )

    def _route(self, raw: dict[str, Any], table_id: str, index: int) -> Route:
        route = Route()
        if raw.get("DestinationCidrBlock") is not None:
            route.destination_cidr_block = cidr(raw, "DestinationCidrBlock")
        elif raw.get("DestinationIpv6CidrBlock") is not None:
            route.destination_ipv6_cidr_block = cidr(raw, "DestinationIpv6CidrBlock", v6=True)
        elif raw.get("DestinationPrefixListId") is not None:
            route.destination_prefix_list_id = req_str(raw, "DestinationPrefixListId")
        else:
            raise Bad(
                "",
                "a route needs a DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId",
            )
        origin = raw.get("Origin")
        if origin is not None:
            if type(origin) is not str or origin not in _ORIGINS:
                self._warn(
                    f".Routes[{index}].Origin", f"unknown Origin {type_name(origin)}; read as CreateRoute"
                )
            else:
                route.origin = origin  # type: ignore[assignment]  # one of _ORIGINS
        state = raw.get("State")
        if state is not None:
            if type(state) is not str or state not in _ROUTE_STATES:
                raise Bad(
                    ".State", f"State must be active or blackhole, not {type_name(state)}", OUT_OF_RANGE
                )
            route.state = state  # type: ignore[assignment]  # one of _ROUTE_STATES
        target_field = None
        for json_key, attr in _ROUTE_TARGETS:
            value = raw.get(json_key)
            if value is not None:
                if type(value) is not str or not value:
                    raise Bad(f".{json_key}", f"{json_key} must be a string, not {type_name(value)}")
                setattr(route, attr, value)
                target_field = target_field or json_key
        for json_key, kind in _UNMODELLED_TARGETS:
            value = raw.get(json_key)
            if type(value) is str and value and target_field is None:
                route.gateway_id = value
                target_field = json_key
                self._note_missing(
                    value,
                    kind,
                    f"{kind} route targets are not modelled",
                    "VPCSIM_NOT_MODELLED",
                    self._src,
                    self._here(f".Routes[{index}].{json_key}"),
                    table_id,
                )
        if target_field is None:
            route.state = "blackhole"
            self._warn(f".Routes[{index}]", "route with no target: read as a blackhole", "VPCSIM_NO_TARGET")
        elif route.state == "active" and route.gateway_id != "local":
            # an instance route names both the instance and its ENI: the ENI is what AWS routes to
            self._route_refs.append(
                (route.target, table_id, self._src, self._here(f".Routes[{index}].{target_field}"))
            )
        if route.destination_prefix_list_id:
            self._prefix_refs.append(
                (
                    route.destination_prefix_list_id,
                    table_id,
                    self._src,
                    self._here(f".Routes[{index}].DestinationPrefixListId"),
                )
            )
        return route

    def _peering_side(self, item: dict[str, Any], key: str) -> VpcPeeringSide:
        info = opt_dict(item, key)
        if info is None:
            raise Bad(f".{key}", f"{key} is missing", "MissingParameter")
        try:
            blocks: list[str] = []
            for j, block in enumerate(opt_list(info, "CidrBlockSet")):
                block = as_dict(block, f".CidrBlockSet[{j}]")
                try:
                    value = cidr(block, "CidrBlock")
                except Bad as bad:
                    raise Bad(f".CidrBlockSet[{j}]{bad.path}", bad.message, bad.code) from None
                if value not in blocks:
                    blocks.append(value)
            if not blocks and info.get("CidrBlock") is not None:
                blocks.append(cidr(info, "CidrBlock"))
            return VpcPeeringSide(
                vpc_id=req_str(info, "VpcId"),
                owner_id=opt_str(info, "OwnerId") or self._scope.account or UNSET,
                region=opt_str(info, "Region") or self._region(),
                cidr_blocks=blocks,
            )
        except Bad as bad:
            raise Bad(f".{key}{bad.path}", bad.message, bad.code) from None

    def _vpc_peering_connection(self, item: dict[str, Any]) -> None:
        pcx_id = req_str(item, "VpcPeeringConnectionId")
        requester = self._peering_side(item, "RequesterVpcInfo")
        accepter = self._peering_side(item, "AccepterVpcInfo")
        try:
            status = opt_enum(opt_dict(item, "Status") or {}, "Code", PEERING_STATUSES, "active")
        except Bad as bad:
            raise Bad(f".Status{bad.path}", bad.message, bad.code) from None
        pcx = VpcPeeringConnection(
            vpc_peering_connection_id=pcx_id,
            requester=requester,
            accepter=accepter,
            status=status,
            owner_id=requester.owner_id,
            region=requester.region,
            tags=self._tags(item),
        )
        if (
            self._add(pcx)
            and UNSET in (accepter.owner_id, accepter.region)
            and pcx not in self._scope.unplaced
        ):
            self._scope.unplaced.append(pcx)

    def _vpc_endpoint(self, item: dict[str, Any]) -> None:
        vpce_id = req_str(item, "VpcEndpointId")
        kind = opt_str(item, "VpcEndpointType") or "Gateway"
        if kind not in ("Gateway", "Interface", "GatewayLoadBalancer"):
            raise Bad(".VpcEndpointType", f"VpcEndpointType {kind!r} is not known", OUT_OF_RANGE)
        tables = [t for t in opt_list(item, "RouteTableIds") if type(t) is str]
        self._add(
            VpcEndpoint(
                vpc_endpoint_id=vpce_id,
                vpc_id=req_str(item, "VpcId"),
                service_name=req_str(item, "ServiceName"),
                vpc_endpoint_type=kind,  # type: ignore[arg-type]
                route_table_ids=tables,
                state=(opt_str(item, "State") or "available").lower(),
                subnet_ids=[s for s in opt_list(item, "SubnetIds") if type(s) is str],
                group_ids=[
                    g["GroupId"]
                    for g in opt_list(item, "Groups")
                    if type(g) is dict and type(g.get("GroupId")) is str
                ],
                network_interface_ids=[e for e in opt_list(item, "NetworkInterfaceIds") if type(e) is str],
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _link_endpoint_prefix_lists(self) -> None:
        by_name = {pl.prefix_list_name: pl.prefix_list_id for pl in self.network.prefix_lists.values()}
        routes_to: dict[str, str] = {}
        for table in self.network.route_tables.values():
            for route in table.routes:
                if (
                    route.gateway_id
                    and gateway_collection(route.gateway_id) == "vpc_endpoints"
                    and route.destination_prefix_list_id
                ):
                    routes_to.setdefault(route.gateway_id, route.destination_prefix_list_id)
        for endpoint in self.network.vpc_endpoints.values():
            if endpoint.prefix_list_id is None and endpoint.vpc_endpoint_type == "Gateway":
                endpoint.prefix_list_id = by_name.get(endpoint.service_name) or routes_to.get(
                    endpoint.vpc_endpoint_id
                )

    def _complete_network_acls(self) -> None:
        """Some tools dump custom ACLs without the ``*`` rules: they exist in AWS whatever the dump says."""
        for acl in self.network.network_acls.values():
            numbers = {(e.rule_number, e.egress) for e in acl.entries}
            vpc = self.network.vpcs.get(acl.vpc_id)
            has_v6 = any(e.ipv6_cidr_block for e in acl.entries) or bool(vpc and vpc.ipv6_cidr_blocks)
            for egress in (False, True):
                if (32767, egress) not in numbers:
                    acl.entries.append(
                        NetworkAclEntry(
                            rule_number=32767,
                            protocol="-1",
                            rule_action="deny",
                            egress=egress,
                            cidr_block="0.0.0.0/0",
                        )
                    )
                if has_v6 and (32768, egress) not in numbers:
                    acl.entries.append(
                        NetworkAclEntry(
                            rule_number=32768,
                            protocol="-1",
                            rule_action="deny",
                            egress=egress,
                            ipv6_cidr_block="::/0",
                        )
                    )
