"""After everything is read: every reference to a resource absent from the dump becomes an
:class:`~vpcsim.model.UnknownResource` plus one warning naming the first place that referenced
it, so that a trace crossing it answers ``unknown`` instead of guessing; see :mod:`.aws_import`."""

from __future__ import annotations

from ..model import (
    Resource,
    UnknownResource,
)
from .aws_import_base import ABSENT, OTHER_ACCOUNT, ImporterBase

#: Id prefix -> (model collection attribute, AWS resource type, AWS's NotFound code).
_KINDS: dict[str, tuple[str, str, str]] = {
    "vpc-": ("vpcs", "vpc", "InvalidVpcID.NotFound"),
    "subnet-": ("subnets", "subnet", "InvalidSubnetID.NotFound"),
    "igw-": ("internet_gateways", "internet-gateway", "InvalidInternetGatewayID.NotFound"),
    "eigw-": (
        "egress_only_internet_gateways",
        "egress-only-internet-gateway",
        "InvalidEgressOnlyInternetGatewayId.NotFound",
    ),
    "nat-": ("nat_gateways", "natgateway", "InvalidNatGatewayID.NotFound"),
    "eni-": ("network_interfaces", "network-interface", "InvalidNetworkInterfaceID.NotFound"),
    "i-": ("instances", "instance", "InvalidInstanceID.NotFound"),
    "pcx-": ("vpc_peering_connections", "vpc-peering-connection", "InvalidVpcPeeringConnectionID.NotFound"),
    "tgw-": ("transit_gateways", "transit-gateway", "InvalidTransitGatewayID.NotFound"),
    "vgw-": ("vpn_gateways", "vpn-gateway", "InvalidVpnGatewayID.NotFound"),
    "vpce-": ("vpc_endpoints", "vpc-endpoint", "InvalidVpcEndpointId.NotFound"),
    "sg-": ("security_groups", "security-group", "InvalidGroup.NotFound"),
    "pl-": ("prefix_lists", "prefix-list", "InvalidPrefixListID.NotFound"),
    "rtb-": ("route_tables", "route-table", "InvalidRouteTableID.NotFound"),
    "eipalloc-": ("addresses", "elastic-ip", "InvalidAllocationID.NotFound"),
}


def kind_of(resource_id: str) -> tuple[str, str, str] | None:
    prefix = resource_id.split("-", 1)[0] + "-"
    return _KINDS.get(prefix)


class ReferenceChecks(ImporterBase):
    """Checks the references of every resource, and makes the placeholders."""

    def _need(self, resource_id: str, referenced_by: str, suffix: str) -> None:
        """Note ``resource_id`` as missing unless the network has it (the kind comes from the id)."""
        kind = kind_of(resource_id)
        if kind is None:
            if resource_id.startswith(("lgw-", "cagw-", "arn:")):
                return
            src, path = self._where(referenced_by)
            self._note_missing(
                resource_id,
                "unknown",
                "an id vpcsim does not recognise",
                "VPCSIM_UNKNOWN_ID",
                src,
                (path or "") + suffix,
                referenced_by,
            )
            return
        attribute, resource_type, code = kind
        if resource_id in getattr(self.network, attribute):
            return
        src, path = self._where(referenced_by)
        self._note_missing(
            resource_id, resource_type, ABSENT, code, src, (path or "") + suffix, referenced_by
        )

    def _check_references(self) -> None:
        net = self.network
        vpcs, subnets, groups = net.vpcs, net.subnets, net.security_groups
        for subnet in net.subnets.values():
            if subnet.vpc_id not in vpcs:
                self._need(subnet.vpc_id, subnet.subnet_id, ".VpcId")
        for table in net.route_tables.values():
            if table.vpc_id not in vpcs:
                self._need(table.vpc_id, table.route_table_id, ".VpcId")
            for subnet_id in table.subnet_ids:
                if subnet_id not in subnets:
                    self._need(subnet_id, table.route_table_id, ".Associations")
        for target, table_id, ref_file, ref_path in self._route_refs:
            kind = kind_of(target)
            if kind is not None and target not in getattr(net, kind[0]):
                self._note_missing(target, kind[1], ABSENT, kind[2], ref_file, ref_path, table_id)
        for acl in net.network_acls.values():
            if acl.vpc_id not in vpcs:
                self._need(acl.vpc_id, acl.network_acl_id, ".VpcId")
            for subnet_id in acl.subnet_ids:
                if subnet_id not in subnets:
                    self._need(subnet_id, acl.network_acl_id, ".Associations")
        for group in groups.values():
            if group.vpc_id not in vpcs:
                self._need(group.vpc_id, group.group_id, ".VpcId")
        for other, user, peered, group_id, ref_file, ref_path in self._group_refs:
            if other in groups:
                continue
            if peered:
                self._note_missing(
                    other,
                    "security-group",
                    OTHER_ACCOUNT,
                    "VPCSIM_OTHER_ACCOUNT_GROUP",
                    ref_file,
                    ref_path,
                    group_id,
                    user,
                )
            else:
                self._note_missing(
                    other, "security-group", ABSENT, "InvalidGroup.NotFound", ref_file, ref_path, group_id
                )
        for pl_id, referenced_by, ref_file, ref_path in self._prefix_refs:
            if pl_id not in net.prefix_lists:
                self._note_missing(
                    pl_id,
                    "prefix-list",
                    ABSENT,
                    "InvalidPrefixListID.NotFound",
                    ref_file,
                    ref_path,
                    referenced_by,
                )
        for eni in net.network_interfaces.values():
            if eni.subnet_id not in subnets:
                self._need(eni.subnet_id, eni.network_interface_id, ".SubnetId")
            for j, group_id in enumerate(eni.groups):
                if group_id not in groups:
                    self._need(group_id, eni.network_interface_id, f".Groups[{j}].GroupId")
            attachment = eni.attachment
            if attachment and attachment.instance_id and attachment.instance_id not in net.instances:
                self._need(attachment.instance_id, eni.network_interface_id, ".Attachment.InstanceId")
        for instance in net.instances.values():
            if instance.subnet_id not in subnets:
                self._need(instance.subnet_id, instance.instance_id, ".SubnetId")
        for nat in net.nat_gateways.values():
            if nat.state in ("available", "pending") and nat.subnet_id not in subnets:
                self._need(nat.subnet_id, nat.nat_gateway_id, ".SubnetId")
        for pcx in net.vpc_peering_connections.values():
            if pcx.status != "active":
                continue
            for side_name, side in (("RequesterVpcInfo", pcx.requester), ("AccepterVpcInfo", pcx.accepter)):
                if side.vpc_id not in vpcs:
                    src, path = self._where(pcx.vpc_peering_connection_id)
                    elsewhere = side.owner_id != net.account or side.region != pcx.region
                    self._note_missing(
                        side.vpc_id,
                        "vpc",
                        "peer VPC of another account or region, not in the dump" if elsewhere else ABSENT,
                        "InvalidVpcID.NotFound",
                        src,
                        f"{path}.{side_name}.VpcId" if path else None,
                        pcx.vpc_peering_connection_id,
                        side.owner_id,
                    )
        for igw in net.internet_gateways.values():
            for j, igw_attachment in enumerate(igw.attachments):
                if igw_attachment.vpc_id not in vpcs:
                    self._need(igw_attachment.vpc_id, igw.internet_gateway_id, f".Attachments[{j}].VpcId")
        for eigw in net.egress_only_internet_gateways.values():
            if eigw.vpc_id is not None and eigw.vpc_id not in vpcs:
                self._need(eigw.vpc_id, eigw.egress_only_internet_gateway_id, ".Attachments[0].VpcId")
        for vgw in net.vpn_gateways.values():
            for j, vpc_id in enumerate(vgw.vpc_ids):
                if vpc_id not in vpcs:
                    self._need(vpc_id, vgw.vpn_gateway_id, f".VpcAttachments[{j}].VpcId")
        for endpoint in net.vpc_endpoints.values():
            if endpoint.vpc_id not in vpcs:
                self._need(endpoint.vpc_id, endpoint.vpc_endpoint_id, ".VpcId")
            for j, table_id in enumerate(endpoint.route_table_ids):
                if table_id not in net.route_tables:
                    self._need(table_id, endpoint.vpc_endpoint_id, f".RouteTableIds[{j}]")

    def _find(self, resource_id: str) -> Resource | None:
        kind = kind_of(resource_id)
        if kind is None:
            return None
        found: Resource | None = getattr(self.network, kind[0]).get(resource_id)
        return found

    def _create_unknowns(self) -> None:
        for resource_id, missing in self._missing.items():
            if resource_id in self.network.unknown_resources:
                continue
            # where the first referrer lives: the best guess for the account and region of the absent
            referrer = self._find(missing.referenced_by[0])
            self.network.add(
                UnknownResource(
                    resource_id=resource_id,
                    resource_type=missing.resource_type,
                    reason=missing.reason,
                    referenced_by=list(missing.referenced_by),
                    owner_id=missing.owner_id or (referrer.owner_id if referrer else self.network.account),
                    region=referrer.region if referrer else self.network.region,
                )
            )
            if missing.file and missing.path:  # problems about the placeholder point at the reference
                self._origin.setdefault(resource_id, (missing.file, missing.path, -1, ""))
            others = len(missing.referenced_by) - 1
            also = f" (and {others} more reference(s))" if others > 0 else ""
            self.report(
                "warning",
                missing.code,
                f"{missing.resource_type} {resource_id} is {missing.reason}{also}: kept as an unknown resource, "
                "so traces that cross it answer unknown",
                missing.file,
                missing.path,
            )
