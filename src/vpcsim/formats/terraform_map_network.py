"""Terraform -> model: VPCs (with what AWS creates with them), subnets, gateways and peering.

A new ``aws_vpc`` gets what AWS gives every VPC: its main route table with the local route, the
default network ACL (allow all both ways) and the default security group (all from itself, all
out). Their ids are the VPC's ``default_route_table_id``/``default_network_acl_id``/
``default_security_group_id`` when known, placeholders derived from the VPC's address otherwise,
so that ``aws_default_*`` resources and references (``aws_vpc.main.default_route_table_id``) find
them. ``aws_default_vpc`` is the region's default VPC as AWS builds it (172.31.0.0/16, an attached
internet gateway, ``0.0.0.0/0`` to it in the main route table).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..model import (
    InternetGateway,
    InternetGatewayAttachment,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcPeeringConnection,
    VpcPeeringSide,
    VpnGateway,
    default_network_acl_entries,
)
from ..model.resources import EgressOnlyInternetGateway
from .terraform_base import ADDRESS_TAG, TfBase, placeholder_id
from .terraform_doc import TfResource

DEFAULT_VPC_CIDR = "172.31.0.0/16"


class NetworkMaps(TfBase):
    """VPCs, CIDR associations, subnets, internet/egress-only/VPN gateways, peering."""

    def derive_vpc(self, res: TfResource) -> None:
        """Placeholders for what AWS creates with a VPC, so references resolve before apply."""
        res.derived["default_route_table_id"] = self.placeholder_for(res, "rtb", "default_route_table")
        res.derived["main_route_table_id"] = lambda: self.get(res, "default_route_table_id")
        res.derived["default_network_acl_id"] = self.placeholder_for(res, "acl", "default_network_acl")
        res.derived["default_security_group_id"] = self.placeholder_for(res, "sg", "default_security_group")
        if res.type == "aws_default_vpc":
            res.derived["cidr_block"] = DEFAULT_VPC_CIDR

    def placeholder_for(self, res: TfResource, prefix: str, role: str) -> str:
        return placeholder_id(prefix, f"{res.address}:{role}")

    # ------------------------------------------------------------------ VPCs

    def map_vpc(self, res: TfResource) -> None:
        default = res.type == "aws_default_vpc"
        raw = self.get(res, "cidr_block")
        cidr = self.cidr4(res, raw, "cidr_block")
        if cidr is None:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                "cidr_block is unknown (an IPAM pool?): the VPC is left out",
                "cidr_block",
            )
            return
        vpc_id = self.own_id(res)
        if vpc_id in self.network.vpcs:
            self.warn(res, "VPCSIM_TF_DUPLICATE", f"{vpc_id} is already described by another resource")
            return
        owner = self.text(res, "owner_id") or self.network.account
        vpc = Vpc(
            vpc_id=vpc_id,
            cidr_block=cidr,
            is_default=default,
            owner_id=owner,
            region=self.network.region,
            tags=self.tags_of(res),
        )
        ipv6 = self.text(res, "ipv6_cidr_block")
        self.network.add(vpc)
        self.vpc_implicit(res, vpc)
        if ipv6:
            # with what AWS adds: local route, the default ACL's rule 101 and `*`, ::/0 out
            self.network.associate_vpc_ipv6_cidr_block(vpc, ipv6)
        if default:
            igw = InternetGateway(
                internet_gateway_id=self.placeholder_for(res, "igw", "internet_gateway"),
                attachments=[InternetGatewayAttachment(vpc_id=vpc_id)],
                owner_id=owner,
                region=vpc.region,
                tags={
                    ADDRESS_TAG: f"{res.address}:internet_gateway",
                    "vpcsim:implicit": "default VPC gateway",
                },
            )
            self.network.add(igw)
            main = self.network.main_route_table(vpc_id)
            if main is not None:
                main.routes.append(
                    Route(destination_cidr_block="0.0.0.0/0", gateway_id=igw.internet_gateway_id)
                )

    def vpc_implicit(self, res: TfResource, vpc: Vpc) -> None:
        """The main route table, default network ACL and default security group AWS creates."""
        common: dict[str, Any] = {"owner_id": vpc.owner_id, "region": vpc.region}
        rtb_id = self.text(res, "default_route_table_id") or self.placeholder_for(
            res, "rtb", "default_route_table"
        )
        main_id = self.text(res, "main_route_table_id")
        if main_id and main_id != rtb_id:
            self.main_override[vpc.vpc_id] = (main_id, res)
        self.network.add(
            RouteTable(
                route_table_id=rtb_id,
                vpc_id=vpc.vpc_id,
                main=True,
                routes=[
                    Route(
                        destination_cidr_block=vpc.cidr_block, gateway_id="local", origin="CreateRouteTable"
                    )
                ],
                tags={ADDRESS_TAG: f"{res.address}:default_route_table"},
                **common,
            )
        )
        acl_id = self.text(res, "default_network_acl_id") or self.placeholder_for(
            res, "acl", "default_network_acl"
        )
        self.network.add(
            NetworkAcl(
                network_acl_id=acl_id,
                vpc_id=vpc.vpc_id,
                is_default=True,
                entries=default_network_acl_entries(),
                tags={ADDRESS_TAG: f"{res.address}:default_network_acl"},
                **common,
            )
        )
        sg_id = self.text(res, "default_security_group_id") or self.placeholder_for(
            res, "sg", "default_security_group"
        )
        self.network.add(
            SecurityGroup(
                group_id=sg_id,
                group_name="default",
                vpc_id=vpc.vpc_id,
                description="default VPC security group",
                ingress=[SecurityGroupRule(ip_protocol="-1", referenced_group_id=sg_id)],
                egress=[SecurityGroupRule(ip_protocol="-1", cidr_ipv4="0.0.0.0/0")],
                tags={ADDRESS_TAG: f"{res.address}:default_security_group"},
                **common,
            )
        )

    def map_cidr_association(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id", required=True)
        cidr = self.cidr4(res, self.get(res, "cidr_block"), "cidr_block")
        if vpc_id is None:
            return
        if cidr is None:
            self.warn(
                res, "VPCSIM_TF_UNRESOLVED", "cidr_block is unknown (an IPAM pool?): left out", "cidr_block"
            )
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the block is left out",
                "vpc_id",
            )
            return
        if cidr in vpc.cidr_blocks:
            return
        self.network.associate_vpc_cidr_block(vpc, cidr)

    def map_ipv6_cidr_association(self, res: TfResource) -> None:
        """``aws_vpc_ipv6_cidr_block_association``: an IPv6 block (and what AWS adds with it)."""
        vpc_id = self.ident(res, "vpc_id", required=True)
        text = self.text(res, "ipv6_cidr_block")
        if vpc_id is None:
            return
        if not text:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                "ipv6_cidr_block is unknown (Amazon-provided or an IPAM pool, known after apply): left out",
                "ipv6_cidr_block",
            )
            return
        try:
            block = str(ipaddress.IPv6Network(text, strict=False))
        except ValueError:
            self.error(
                res,
                "InvalidParameterValue",
                f"ipv6_cidr_block {text!r} is not an IPv6 CIDR block",
                "ipv6_cidr_block",
            )
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the block is left out",
                "vpc_id",
            )
            return
        if block not in vpc.ipv6_cidr_blocks:
            self.network.associate_vpc_ipv6_cidr_block(vpc, block)

    def default_vpc(self, res: TfResource) -> Vpc:
        """The region's default VPC: the document's ``aws_default_vpc``, or one AWS already has."""
        for vpc in self.network.vpcs.values():
            if vpc.is_default:
                return vpc
        vpc_id = placeholder_id("vpc", "default_vpc")
        self.warn(
            res,
            "VPCSIM_TF_IMPLICIT_DEFAULT_VPC",
            f"uses the region's default VPC, which the input does not describe: vpcsim adds it as AWS builds it "
            f"({DEFAULT_VPC_CIDR}, internet gateway, main route table) with id {vpc_id}",
        )
        stand_in = TfResource(
            address="default_vpc",
            module=(),
            mode="managed",
            type="aws_default_vpc",
            name="default",
            index=None,
            values={},
            unknown={},
            json_path=res.json_path,
        )
        stand_in.derived["id"] = vpc_id
        self.derive_vpc(stand_in)
        self.map_vpc(stand_in)
        return self.network.vpcs[vpc_id]

    # ------------------------------------------------------------------ subnets

    def map_subnet(self, res: TfResource) -> None:
        default = res.type == "aws_default_subnet"
        zone = self.text(res, "availability_zone")
        vpc_id = self.ident(res, "vpc_id", required=not default)
        if default and vpc_id is None:
            vpc_id = self.default_vpc(res).vpc_id
        if vpc_id is None:
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the subnet is left out",
                "vpc_id",
            )
            return
        cidr = self.cidr4(res, self.get(res, "cidr_block"), "cidr_block")
        guessed = False
        if cidr is None and default and zone and zone[-1].isalpha():
            index = ord(zone[-1]) - ord("a")
            cidr, guessed = f"172.31.{16 * index}.0/20", True
        if cidr is None:
            self.warn(
                res, "VPCSIM_TF_UNRESOLVED", "cidr_block is unknown: the subnet is left out", "cidr_block"
            )
            return
        subnet = Subnet(
            subnet_id=self.own_id(res),
            vpc_id=vpc_id,
            cidr_block=cidr,
            availability_zone=zone or f"{vpc.region}a",
            ipv6_cidr_block=self.text(res, "ipv6_cidr_block"),
            assign_ipv6_address_on_creation=self.flag(res, "assign_ipv6_address_on_creation", False),
            ipv6_native=self.flag(res, "ipv6_native", False),
            map_public_ip_on_launch=self.flag(res, "map_public_ip_on_launch", default),
            default_for_az=default,
            owner_id=vpc.owner_id,
            region=vpc.region,
            tags=self.tags_of(res),
        )
        if subnet.subnet_id in self.network.subnets:
            self.warn(
                res, "VPCSIM_TF_DUPLICATE", f"{subnet.subnet_id} is already described by another resource"
            )
            return
        if guessed:
            self.mark_unknown(subnet, "cidr_block")
            self.warn(
                res,
                "VPCSIM_TF_UNKNOWN_ADDRESS",
                f"the default subnet's cidr_block is known only after apply: vpcsim uses {cidr}, AWS's block for "
                f"the zone's position ({zone}); tagged vpcsim:unknown_address=cidr_block",
                "cidr_block",
            )
        self.network.add(subnet)

    # ------------------------------------------------------------------ gateways

    def map_internet_gateway(self, res: TfResource) -> None:
        igw = InternetGateway(
            internet_gateway_id=self.own_id(res),
            owner_id=self.text(res, "owner_id") or self.network.account,
            region=self.network.region,
            tags=self.tags_of(res),
        )
        self.network.add(igw)
        vpc_id = self.ident(res, "vpc_id")
        if vpc_id:
            self.attach_igw(res, igw, vpc_id)

    def attach_igw(self, res: TfResource, igw: InternetGateway, vpc_id: str) -> None:
        if vpc_id not in self.network.vpcs:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the gateway stays detached",
                "vpc_id",
            )
            return
        other = self.network.internet_gateway_of_vpc(vpc_id)
        if other is not None and other is not igw:
            self.error(
                res,
                "Resource.AlreadyAssociated",
                f"{vpc_id} already has internet gateway {other.internet_gateway_id} attached: AWS allows one",
                "vpc_id",
            )
            return
        igw.attachments = [InternetGatewayAttachment(vpc_id=vpc_id)]
        self.network.touch()

    def map_internet_gateway_attachment(self, res: TfResource) -> None:
        igw_id = self.ident(res, "internet_gateway_id", required=True)
        vpc_id = self.ident(res, "vpc_id", required=True)
        if igw_id is None or vpc_id is None:
            return
        igw = self.network.internet_gateways.get(igw_id)
        if igw is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"internet gateway {igw_id} is not in the input",
                "internet_gateway_id",
            )
            return
        self.attach_igw(res, igw, vpc_id)

    def map_egress_only_gateway(self, res: TfResource) -> None:
        self.network.add(
            EgressOnlyInternetGateway(
                egress_only_internet_gateway_id=self.own_id(res),
                vpc_id=self.ident(res, "vpc_id"),
                region=self.network.region,
                owner_id=self.network.account,
                tags=self.tags_of(res),
            )
        )

    def map_vpn_gateway(self, res: TfResource) -> None:
        vgw = VpnGateway(
            vpn_gateway_id=self.own_id(res),
            region=self.network.region,
            owner_id=self.network.account,
            tags=self.tags_of(res),
        )
        vpc_id = self.ident(res, "vpc_id")
        if vpc_id:
            vgw.vpc_ids.append(vpc_id)
        self.network.add(vgw)

    def map_vpn_gateway_attachment(self, res: TfResource) -> None:
        vgw_id = self.ident(res, "vpn_gateway_id", required=True)
        vpc_id = self.ident(res, "vpc_id", required=True)
        vgw = self.network.vpn_gateways.get(vgw_id or "")
        if vgw is None or vpc_id is None:
            if vgw_id:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"VPN gateway {vgw_id} is not in the input",
                    "vpn_gateway_id",
                )
            return
        if vpc_id not in vgw.vpc_ids:
            vgw.vpc_ids.append(vpc_id)
            self.network.touch()

    # ------------------------------------------------------------------ peering

    def peering_side(self, vpc_id: str, owner: str | None, region: str | None) -> VpcPeeringSide:
        vpc = self.network.vpcs.get(vpc_id)
        return VpcPeeringSide(
            vpc_id=vpc_id,
            owner_id=owner or (vpc.owner_id if vpc else self.network.account),
            region=region or (vpc.region if vpc else self.network.region),
            cidr_blocks=list(vpc.cidr_blocks) if vpc else [],
        )

    def map_peering(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id", required=True)
        peer_id = self.ident(res, "peer_vpc_id", required=True)
        if vpc_id is None or peer_id is None:
            return
        status = self.text(res, "accept_status")
        if status is None:
            status = "active" if self.flag(res, "auto_accept", False) else "pending-acceptance"
        pcx = VpcPeeringConnection(
            vpc_peering_connection_id=self.own_id(res),
            requester=self.peering_side(vpc_id, None, None),
            accepter=self.peering_side(
                peer_id, self.text(res, "peer_owner_id"), self.text(res, "peer_region")
            ),
            status=status,
            region=self.network.region,
            owner_id=self.network.account,
            tags=self.tags_of(res),
        )
        for side in (pcx.requester, pcx.accepter):
            if side.vpc_id not in self.network.vpcs:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"peer VPC {side.vpc_id} is not in the input: its blocks and routes are unknown",
                )
        self.network.add(pcx)

    def map_peering_accepter(self, res: TfResource) -> None:
        pcx_id = self.ident(res, "vpc_peering_connection_id", required=True)
        if pcx_id is None:
            return
        res.derived["id"] = pcx_id
        accepted = self.flag(res, "auto_accept", False) or self.text(res, "accept_status") == "active"
        pcx = self.network.vpc_peering_connections.get(pcx_id)
        if pcx is not None:
            if accepted:
                pcx.status = "active"
                self.network.touch()
            return
        # The requester is in another state (often another account): build the connection from this side.
        accepter_vpc = self.ident(res, "vpc_id")
        requester_vpc = self.ident(res, "peer_vpc_id")
        if accepter_vpc is None or requester_vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                f"peering connection {pcx_id} is not in the input and its VPCs are unknown",
            )
            return
        self.network.add(
            VpcPeeringConnection(
                vpc_peering_connection_id=pcx_id,
                requester=self.peering_side(
                    requester_vpc, self.text(res, "peer_owner_id"), self.text(res, "peer_region")
                ),
                accepter=self.peering_side(accepter_vpc, None, None),
                status="active" if accepted else "pending-acceptance",
                region=self.network.region,
                owner_id=self.network.account,
                tags=self.tags_of(res),
            )
        )
