"""Transit gateways and endpoints in the model: builders (AWS's defaults) and what AWS refuses."""

from __future__ import annotations

import pytest
from tests.support.transit import ZONE_A, hub

from vpcsim.model import ModelError, Network, validate


def _codes(net: Network) -> list[tuple[str, str, str]]:
    return [(p.code, p.resource, p.field) for p in validate(net)]


def test_default_options_create_the_default_table_and_associate_and_propagate() -> None:
    h = hub()
    assert h.tgw.association_default_route_table_id == h.table.transit_gateway_route_table_id
    assert h.table.default_association_route_table and h.table.default_propagation_route_table
    ids = [s.attachment.transit_gateway_attachment_id for s in (h.a, h.b, h.c)]
    assert h.table.associations == ids and h.table.propagations == ids
    assert _codes(h.net) == []


def test_options_disabled_create_no_default_table() -> None:
    net = Network()
    tgw = net.create_transit_gateway(
        default_route_table_association=False, default_route_table_propagation=False
    )
    assert not net.transit_gateway_route_tables and tgw.association_default_route_table_id is None
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.0.0/28")
    net.create_transit_gateway_vpc_attachment(tgw, vpc, [subnet])
    assert not any(t.associations for t in net.transit_gateway_route_tables.values())


def test_vpc_attachment_puts_one_eni_in_each_subnet() -> None:
    h = hub()
    enis = [e for e in h.net.network_interfaces.values() if e.interface_type == "transit_gateway"]
    assert sorted(e.subnet_id for e in enis) == sorted(s.tgw_subnet.subnet_id for s in (h.a, h.b, h.c))
    assert all(not e.groups for e in enis)


def test_one_subnet_per_zone() -> None:
    net = Network()
    tgw = net.create_transit_gateway()
    vpc = net.create_vpc("10.0.0.0/16")
    one = net.create_subnet(vpc, "10.0.0.0/28", availability_zone=ZONE_A)
    two = net.create_subnet(vpc, "10.0.0.16/28", availability_zone=ZONE_A)
    with pytest.raises(ModelError) as caught:
        net.create_transit_gateway_vpc_attachment(tgw, vpc, [one, two])
    assert caught.value.code == "DuplicateSubnetsInSameZone"
    attachment = net.create_transit_gateway_vpc_attachment(tgw, vpc, [one])
    attachment.subnet_ids.append(two.subnet_id)
    net.touch()
    assert (
        "DuplicateSubnetsInSameZone",
        attachment.transit_gateway_attachment_id,
        "subnet_ids[1]",
    ) in _codes(net)


def test_an_attachment_is_associated_with_one_table() -> None:
    h = hub()
    other = h.net.create_transit_gateway_route_table(h.tgw)
    with pytest.raises(ModelError) as caught:
        h.net.associate_transit_gateway_route_table(other, h.a.attachment)
    assert caught.value.code == "Resource.AlreadyAssociated"
    other.associations.append(h.a.attachment.transit_gateway_attachment_id)
    h.net.touch()
    assert [c[0] for c in _codes(h.net)] == ["Resource.AlreadyAssociated"]


def test_static_route_duplicates_and_missing_attachments() -> None:
    h = hub()
    h.net.create_transit_gateway_route(h.table, "10.9.0.0/16", blackhole=True)
    with pytest.raises(ModelError) as caught:
        h.net.create_transit_gateway_route(h.table, "10.9.0.0/16", h.b.attachment)
    assert caught.value.code == "RouteAlreadyExists"
    with pytest.raises(ModelError) as both:
        h.net.create_transit_gateway_route(h.table, "10.8.0.0/16", h.b.attachment, blackhole=True)
    assert both.value.code == "InvalidParameterCombination"
    h.net.create_transit_gateway_route(h.table, "10.7.0.0/16", h.b.attachment)
    h.table.routes[-1].transit_gateway_attachment_id = "tgw-attach-0123456789abcdef0"
    h.net.touch()
    assert ("VPCSIM_GATEWAY_NOT_ATTACHED", h.table.transit_gateway_route_table_id, "routes[1]") in _codes(
        h.net
    )


def test_association_with_another_gateways_table_is_refused() -> None:
    h = hub()
    other = h.net.create_transit_gateway()
    table = h.net.transit_gateway_route_tables[other.association_default_route_table_id or ""]
    table.associations.append(h.a.attachment.transit_gateway_attachment_id)
    h.net.touch()
    assert [c[0] for c in _codes(h.net)] == ["InvalidTransitGatewayAttachmentID.NotFound"]


def test_vpc_route_to_a_gateway_the_vpc_is_not_attached_to() -> None:
    h = hub()
    lonely = h.net.create_vpc("10.50.0.0/16")
    main = h.net.main_route_table(lonely.vpc_id)
    assert main is not None
    h.net.create_route(main, "10.0.0.0/8", h.tgw.transit_gateway_id)
    assert _codes(h.net) == [("VPCSIM_GATEWAY_NOT_ATTACHED", main.route_table_id, "routes[1]")]


def test_peering_attachments_take_static_routes_only() -> None:
    h = hub()
    remote = h.net.create_transit_gateway()
    peering = h.net.create_transit_gateway_peering_attachment(h.tgw, remote)
    assert peering.transit_gateway_ids() == (h.tgw.transit_gateway_id, remote.transit_gateway_id)
    assert peering.transit_gateway_attachment_id not in h.table.associations  # never by default
    h.net.enable_transit_gateway_route_table_propagation(h.table, peering)
    assert [c[0] for c in _codes(h.net)] == ["VPCSIM_PEERING_PROPAGATION"]


def test_interface_endpoint_enis_with_their_groups() -> None:
    h = hub()
    group = h.net.create_security_group(h.a.vpc, "endpoint")
    endpoint = h.net.create_vpc_endpoint(
        h.a.vpc,
        "com.amazonaws.us-east-1.ssm",
        vpc_endpoint_type="Interface",
        subnets=[h.a.work],
        groups=[group],
    )
    eni = h.net.network_interfaces[endpoint.network_interface_ids[0]]
    assert (eni.interface_type, eni.subnet_id, eni.groups) == (
        "vpc_endpoint",
        h.a.work.subnet_id,
        [group.group_id],
    )
    assert endpoint.group_ids == [group.group_id] and endpoint.subnet_ids == [h.a.work.subnet_id]
    endpoint.subnet_ids.append(h.a.tgw_subnet.subnet_id)  # same zone
    h.net.touch()
    assert ("DuplicateSubnetsInSameZone", endpoint.vpc_endpoint_id, "subnet_ids[1]") in _codes(h.net)


def test_gateway_endpoint_adds_its_prefix_list_route() -> None:
    h = hub()
    s3 = h.net.create_managed_prefix_list("com.amazonaws.us-east-1.s3", ["52.216.0.0/15"])
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    endpoint = h.net.create_vpc_endpoint(
        h.a.vpc, s3.prefix_list_name, route_tables=[main], prefix_list_id=s3.prefix_list_id
    )
    assert [(r.destination, r.target) for r in main.routes][-1] == (
        s3.prefix_list_id,
        endpoint.vpc_endpoint_id,
    )


# ------------------------------------------------------------------ security group referencing support


def test_referencing_gaps_name_the_gateway_and_the_attachments_without_the_option() -> None:
    h = hub()
    net, tgw = h.net, h.tgw.transit_gateway_id
    a, b = h.a.vpc.vpc_id, h.b.vpc.vpc_id
    a_att = h.a.attachment.transit_gateway_attachment_id
    # defaults: the gateway off (disable), attachments on (enable)
    assert net.transit_reference_gaps(a, b) == {tgw: (tgw,)}
    assert not net.transit_group_reference(a, b)
    net.modify_transit_gateway_vpc_attachment(a_att, security_group_referencing_support=False)
    assert net.transit_reference_gaps(a, b) == {tgw: (tgw, a_att)}
    net.modify_transit_gateway(tgw, security_group_referencing_support=True)
    assert net.transit_reference_gaps(a, b) == {tgw: (a_att,)}
    net.modify_transit_gateway_vpc_attachment(a_att, security_group_referencing_support=True)
    assert net.transit_reference_gaps(a, b) == {tgw: ()} and net.transit_group_reference(a, b)
    # a VPC attached to no gateway: nothing joins it
    lone = net.create_vpc("10.9.0.0/16")
    assert net.transit_reference_gaps(a, lone.vpc_id) == {}


def test_modifying_options_bumps_the_version_and_refuses_other_attachment_types() -> None:
    h = hub()
    version = h.net.version
    h.net.modify_transit_gateway(h.tgw, security_group_referencing_support=True)
    assert h.net.version > version and h.tgw.security_group_referencing_support
    h.net.modify_transit_gateway_vpc_attachment(h.b.attachment, appliance_mode_support=True)
    assert h.b.attachment.appliance_mode_support and h.b.attachment.security_group_referencing_support
    vpn = h.net.create_transit_gateway_vpn_attachment(h.tgw, "vpn-0123456789abcdef0")
    with pytest.raises(ModelError):
        h.net.modify_transit_gateway_vpc_attachment(vpn, security_group_referencing_support=True)


def test_group_reference_gaps_only_where_the_option_would_resolve_the_reference() -> None:
    h = hub()
    net = h.net
    a_group = net.security_groups[net.primary_network_interface(h.a.instance.instance_id).groups[0]]
    b_group = net.security_groups[net.primary_network_interface(h.b.instance.instance_id).groups[0]]
    tgw = h.tgw.transit_gateway_id
    assert net.group_reference_transit_gaps(b_group, a_group) == (tgw,)
    # outbound references never resolve across a transit gateway: the option would not help
    assert net.group_reference_transit_gaps(b_group, a_group, egress=True) == ()
    # a group of the same VPC always resolves
    assert net.group_reference_transit_gaps(b_group, b_group) == ()
    # a peering between the two VPCs decides alone
    net.create_vpc_peering_connection(h.a.vpc, h.b.vpc)
    assert net.group_reference_transit_gaps(b_group, a_group) == ()


def test_validation_names_what_keeps_a_reference_across_the_gateway_from_resolving() -> None:
    h = hub()
    net = h.net
    a_group = net.primary_network_interface(h.a.instance.instance_id).groups[0]
    b_group = net.primary_network_interface(h.b.instance.instance_id).groups[0]
    net.authorize_security_group_ingress(
        b_group, ip_protocol="tcp", from_port=22, to_port=22, referenced_group_id=a_group
    )
    warned = [p for p in validate(net) if p.code == "VPCSIM_SG_REFERENCE_OUT_OF_REACH"]
    assert len(warned) == 1 and h.tgw.transit_gateway_id in warned[0].message
    assert "SecurityGroupReferencingSupport" in warned[0].message
    net.modify_transit_gateway(h.tgw, security_group_referencing_support=True)
    assert not [p for p in validate(net) if p.code == "VPCSIM_SG_REFERENCE_OUT_OF_REACH"]
