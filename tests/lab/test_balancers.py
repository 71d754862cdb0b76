"""Load balancers in the lab: the kernel's answer equals the engine's, for ALB, NLB and CLB.

The estates are :func:`tests.support.elb.alb_estate`'s: a load balancer in two public subnets,
targets ``web-a`` and ``web-b`` in two private ones (port 8080 behind listener port 80). Each
live test probes for real and asks the engine the same flow; a probe counts as delivered only
when the node says which target answered (the node's own handshake proves nothing), and the
address the target saw is checked against what AWS preserves. The plan tests need no root.
"""

from __future__ import annotations

import pytest
from tests.support.builders import ANYWHERE
from tests.support.elb import ElbEstate, alb_estate

from vpcsim.engine import Flow, trace
from vpcsim.lab import ProbeResult, ProbeSpec, lab_status, lab_up, probe_many
from vpcsim.lab.balancers import NODE_PORT_RANGE
from vpcsim.lab.plan import build_plan
from vpcsim.model import Instance

CLIENT = "198.51.100.1"
TCP, UDP = 6, 17


def _client(estate: ElbEstate) -> Instance:
    """An instance in public-a whose group lets everything out (a client inside the VPC)."""
    net = estate.net
    group = net.create_security_group(estate.vpc, "client-sg")
    return net.run_instance(estate.public_a, name="client", groups=[group])


def _flow(spec: ProbeSpec) -> Flow:
    ports = ((spec.source_port, spec.source_port),) if spec.source_port is not None else ((40000, 40000),)
    return Flow(
        spec.protocol, spec.source, spec.destination, spec.destination_port, ports, source_eni=spec.source_eni
    )


def _agree(estate: ElbEstate, lab: str, specs: list[ProbeSpec]) -> list[ProbeResult]:
    """Probe ``specs`` in a lab of ``estate`` and check each against the engine's verdict."""
    lab_up(estate.net, lab, internet_hosts=[CLIENT], responder=False)
    results = probe_many(lab, specs, timeout=2.0)
    for spec, result in zip(specs, results, strict=True):
        verdict = trace(estate.net, _flow(spec), record=False).verdict
        assert result.delivered == (verdict == "reachable"), (spec, verdict, result.detail)
    return results


# ---------------------------------------------------------------------------- the plan


def test_a_node_is_a_namespace_in_its_subnet_taking_only_its_listeners() -> None:
    estate = alb_estate()
    plan = build_plan(estate.net, "lbplan")
    nodes = [ns for ns in plan.namespaces if ns.role == "load-balancer"]
    assert sorted(ns.component for ns in nodes) == sorted([estate.node(), estate.node("us-east-1b")])
    node = plan.namespace(f"vs-lbplan-{estate.node()}")
    assert f"addr add {estate.node_private()}/24 dev eth0" in node.configure
    assert ("net.ipv4.ip_local_port_range", NODE_PORT_RANGE) in node.sysctls
    assert "tcp dport { 80 } jump sg_in" in node.nft
    assert "policy drop" in node.nft
    record = plan.state.load_balancer_nodes[estate.node()]
    assert record.public_ip == estate.node_public()
    assert [(t.address, t.port) for t in record.listeners[0].targets] == [
        (estate.private_ip(estate.web_a), 8080),
        (estate.private_ip(estate.web_b), 8080),
    ]
    assert record.dscp == 0  # an ALB never keeps the client's address


def test_nlb_cross_zone_off_sends_to_its_own_zone_only() -> None:
    estate = alb_estate(load_balancer_type="network")
    record = build_plan(estate.net, "lbplan").state.load_balancer_nodes[estate.node()]
    assert [t.address for t in record.listeners[0].targets] == [estate.private_ip(estate.web_a)]
    assert record.listeners[0].targets[0].preserve_client_ip  # instance targets keep it
    assert record.dscp > 0


def test_preserved_replies_are_steered_back_to_the_node() -> None:
    estate = alb_estate(load_balancer_type="network")
    plan = build_plan(estate.net, "lbplan")
    record = plan.state.load_balancer_nodes[estate.node()]
    web = plan.namespace(f"vs-lbplan-{estate.web_a.instance_id}")
    assert f"ip dscp {record.dscp} ct mark set {record.dscp + 1}" in web.nft
    # The target group references the NLB's group: marked requests are admitted.
    assert f'iifname "eth0" ip dscp {record.dscp} tcp dport 8080 accept' in web.nft
    router = plan.namespace(f"vs-lbplan-{estate.vpc.vpc_id}")
    assert f"ip dscp {record.dscp + 1} meta mark set {record.dscp + 1}" in router.nft
    assert any(line.startswith(f"route add default via {record.private_ip} ") for line in router.configure)


def test_classic_node_applies_its_subnet_acl_within_the_subnet() -> None:
    estate = alb_estate(load_balancer_type="classic")
    node = build_plan(estate.net, "lbplan").namespace(f"vs-lbplan-{estate.node()}")
    assert "ip daddr 10.0.0.0/24 jump clb_acl_out" in node.nft


def test_inactive_and_gateway_load_balancers_are_noted_not_realised() -> None:
    estate = alb_estate()
    estate.lb.state = "provisioning"
    plan = build_plan(estate.net, "lbplan")
    assert not plan.state.load_balancer_nodes
    assert any("provisioning" in note for note in plan.state.notes)


# ---------------------------------------------------------------------------- live


@pytest.mark.lab
def test_alb_serves_from_the_node_address_on_the_target_port(lab_name: str) -> None:
    estate = alb_estate()
    specs = [
        ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001),
        ProbeSpec(TCP, CLIENT, estate.node_public("us-east-1b"), None, 80, 40002),
        ProbeSpec(TCP, CLIENT, estate.node_public(), None, 8080, 40003),  # no listener there
    ]
    a, b, other = _agree(estate, lab_name, specs)
    assert a.delivered and b.delivered and not other.delivered
    # A new connection from the node's own address, to the target port (listener 80 -> 8080).
    assert a.observed_source == estate.node_private()
    assert a.observed_source_port is not None and a.observed_source_port >= 1024
    # The target's kernel answered (nothing listens); the line names the leg that served.
    assert a.detail.endswith(f":8080 refused from {a.observed_source}:{a.observed_source_port}")
    assert b.observed_source == estate.node_private("us-east-1b")
    status = lab_status(lab_name)
    assert status["balancer_relay"]["alive"]
    assert {n["private_ip"] for n in status["load_balancer_nodes"]} == {
        estate.node_private(),
        estate.node_private("us-east-1b"),
    }


@pytest.mark.lab
def test_alb_target_group_not_admitting_the_load_balancer_blocks(lab_name: str) -> None:
    estate = alb_estate(
        web_ingress=[{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.5.0/24"}]
    )
    (result,) = _agree(estate, lab_name, [ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001)])
    # The node took the client's connection itself; that is not delivery.
    assert not result.delivered and not result.forward
    assert "no target answered" in result.detail
    codes = trace(estate.net, _flow(result.spec)).codes
    assert "ENI_SG_RULES_MISMATCH" in codes


@pytest.mark.lab
def test_internal_alb_answers_inside_the_vpc_only(lab_name: str) -> None:
    estate = alb_estate(scheme="internal")
    client = _client(estate)
    eni = estate.net.primary_network_interface(client.instance_id)
    specs = [
        ProbeSpec(TCP, eni.private_ip_address, estate.node_private(), eni.network_interface_id, 80, 40001),
        ProbeSpec(TCP, CLIENT, estate.node_private(), None, 80, 40002),
    ]
    inside, outside = _agree(estate, lab_name, specs)
    assert inside.delivered and not outside.delivered


@pytest.mark.lab
def test_nlb_keeps_the_client_address_for_instance_targets(lab_name: str) -> None:
    estate = alb_estate(load_balancer_type="network")
    (result,) = _agree(estate, lab_name, [ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001)])
    assert result.delivered
    assert (result.observed_source, result.observed_source_port) == (CLIENT, 40001)


@pytest.mark.lab
def test_nlb_preserved_client_must_be_admitted_by_the_target(lab_name: str) -> None:
    # The targets admit the VPC only: the internet client's preserved address is refused, ...
    vpc_only = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.0.0/16"}]
    estate = alb_estate(load_balancer_type="network", web_ingress=vpc_only)
    (kept,) = _agree(estate, lab_name, [ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001)])
    assert not kept.delivered and not kept.forward


@pytest.mark.lab
def test_nlb_ip_targets_over_tcp_see_the_node_address(lab_name: str) -> None:
    # ... while IP targets over TCP see the node's address (preservation off by default).
    vpc_only = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.0.0/16"}]
    estate = alb_estate(load_balancer_type="network", web_ingress=vpc_only, target_type="ip")
    (result,) = _agree(estate, lab_name, [ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001)])
    assert result.delivered
    assert result.observed_source == estate.node_private()


@pytest.mark.lab
def test_nlb_udp_listener_echoes_through_a_preserving_node(lab_name: str) -> None:
    udp_in = [{"ip_protocol": "udp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    estate = alb_estate(load_balancer_type="network", protocol="UDP", web_ingress=udp_in, lb_groups=False)
    (result,) = _agree(estate, lab_name, [ProbeSpec(UDP, CLIENT, estate.node_public(), None, 80, 40001)])
    assert result.delivered
    assert result.observed_source == CLIENT


@pytest.mark.lab
def test_classic_acl_judges_legs_within_the_node_subnet(lab_name: str) -> None:
    estate = alb_estate(load_balancer_type="classic")
    net = estate.net
    # A target inside public-a (the node's subnet) and an ACL there denying its port outbound.
    group = net.create_security_group(estate.vpc, "inside-sg")
    net.authorize_security_group_ingress(group, ip_protocol="-1", cidr_ipv4=ANYWHERE)
    inside = net.run_instance(estate.public_a, name="inside", groups=[group])
    estate.lb.instances[:] = [inside.instance_id]
    acl = net.create_network_acl(estate.vpc, name="public-a-acl")
    net.create_network_acl_entry(
        acl,
        100,
        egress=True,
        rule_action="deny",
        protocol="tcp",
        cidr_block="10.0.0.0/24",
        port_range=(8080, 8080),
    )
    net.create_network_acl_entry(acl, 110, egress=True, rule_action="allow")
    net.create_network_acl_entry(acl, 100, egress=False, rule_action="allow")
    net.replace_network_acl_association(estate.public_a, acl)
    net.touch()
    (result,) = _agree(estate, lab_name, [ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001)])
    assert not result.delivered
    assert "ELB_ACL_RESTRICTION" in trace(net, _flow(result.spec)).codes


@pytest.mark.lab
def test_a_change_applied_to_a_lab_restarts_the_relay_on_the_new_state(lab_name: str) -> None:
    estate = alb_estate(
        web_ingress=[{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.5.0/24"}]
    )
    spec = ProbeSpec(TCP, CLIENT, estate.node_public(), None, 80, 40001)
    (before,) = _agree(estate, lab_name, [spec])
    assert not before.delivered
    # The targets now admit the load balancer's group: the difference is applied, not rebuilt.
    estate.net.authorize_security_group_ingress(
        estate.web_sg,
        ip_protocol="tcp",
        from_port=8080,
        to_port=8080,
        referenced_group_id=estate.lb_sg.group_id,
    )
    (after,) = _agree(estate, lab_name, [spec])
    assert after.delivered
    assert lab_status(lab_name)["balancer_relay"]["alive"]
