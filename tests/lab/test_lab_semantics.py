"""The kernel behaves as AWS does, on one hand-built network with known answers.

Each probe's expected outcome is written down from AWS's rules (not from the engine), so
these tests pin the realisation itself: NAT gateway ports and Elastic IP, an ACL's rule order
and its port edges on the reply, no transitive peering, the internet gateway's one-to-one NAT
and its hairpin, a dual-homed instance talking to itself through the VPC, a stopped instance.
Then the engine is asked the same questions and must agree.
"""

from __future__ import annotations

import pytest
from tests.lab.expected import Expect, engine_disagreements, kernel_disagreements

from vpcsim.lab import ProbeResult, ProbeSpec, lab_up, probe_many
from vpcsim.model import Network

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("lab_environment")]

EIP = "203.0.113.50"


def build() -> tuple[Network, dict[str, str]]:
    net = Network(seed="lab-semantics")
    a = net.create_vpc("10.1.0.0/16", name="a")
    b = net.create_vpc("10.2.0.0/16", name="b")
    c = net.create_vpc("10.3.0.0/16", name="c")
    pub = net.create_subnet(a, "10.1.1.0/24", name="a-pub")
    priv = net.create_subnet(a, "10.1.2.0/24", name="a-priv")
    b_sub = net.create_subnet(b, "10.2.1.0/24", name="b-sub")
    c_sub = net.create_subnet(c, "10.3.1.0/24", name="c-sub")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, a)
    public_rt = net.create_route_table(a)
    net.create_route(public_rt, "0.0.0.0/0", igw.internet_gateway_id)
    net.associate_route_table(public_rt, pub)
    nat = net.create_nat_gateway(pub, allocation=net.allocate_address(public_ip=EIP), private_ip="10.1.1.9")
    ab = net.create_vpc_peering_connection(a, b).vpc_peering_connection_id
    bc = net.create_vpc_peering_connection(b, c).vpc_peering_connection_id
    private_rt = net.create_route_table(a)
    net.create_route(private_rt, "0.0.0.0/0", nat.nat_gateway_id)
    net.associate_route_table(private_rt, priv)
    for table in (public_rt, private_rt):
        net.create_route(table, "10.2.0.0/16", ab)
        net.create_route(table, "10.3.0.0/16", ab)  # transit through b: must not work
    for vpc, routes in (
        (b, [("10.1.0.0/16", ab), ("10.3.0.0/16", bc)]),
        (c, [("10.2.0.0/16", bc), ("10.1.0.0/16", bc)]),
    ):
        main = net.main_route_table(vpc.vpc_id)
        assert main is not None
        for destination, target in routes:
            net.create_route(main, destination, target)
    groups = {}
    for vpc in (a, b, c):
        group = net.create_security_group(vpc, f"open-{vpc.name}")
        net.authorize_security_group_ingress(group, ip_protocol="-1", cidr_ipv4="0.0.0.0/0")
        groups[vpc.vpc_id] = group
    acl = net.create_network_acl(a, name="a-priv-acl")
    rules = [
        (100, "allow", "tcp", "10.0.0.0/8", (22, 22)),
        (110, "deny", "tcp", "0.0.0.0/0", (40001, 65535)),
        (120, "allow", "tcp", "0.0.0.0/0", (1024, 65535)),
        (130, "allow", "icmp", "0.0.0.0/0", None),
        (140, "allow", "udp", "0.0.0.0/0", (1024, 65535)),
    ]
    for number, action, protocol, cidr, ports in rules:
        net.create_network_acl_entry(
            acl, number, egress=False, rule_action=action, protocol=protocol, cidr_block=cidr, port_range=ports,  # type: ignore[arg-type]
            icmp_type_code=(-1, -1) if protocol == "icmp" else None,
        )  # fmt: skip
    net.create_network_acl_entry(acl, 100, egress=True, rule_action="allow")
    net.replace_network_acl_association(priv, acl)
    ids: dict[str, str] = {}
    for name, subnet, ip, public in (
        ("bastion", pub, "10.1.1.10", True),
        ("app", priv, "10.1.2.20", False),
        ("dual", priv, "10.1.2.30", False),
        ("off", priv, "10.1.2.40", False),
        ("b1", b_sub, "10.2.1.10", False),
        ("c1", c_sub, "10.3.1.10", False),
    ):
        instance = net.run_instance(
            subnet,
            name=name,
            private_ip=ip,
            groups=[groups[subnet.vpc_id]],
            associate_public_ip_address=public,
        )
        ids[name] = instance.instance_id
        ids[f"{name}-eni"] = instance.network_interface_ids[0]
    second = net.create_network_interface(pub, private_ip="10.1.1.30", groups=[groups[a.vpc_id]])
    net.attach_network_interface(second, ids["dual"])
    ids["dual-eni1"] = second.network_interface_id
    net.stop_instance(ids["off"])
    ids["bastion-public"] = net.primary_network_interface(ids["bastion"]).public_ip or ""
    return net, ids


def expectations(ids: dict[str, str]) -> list[Expect]:
    app, bastion, dual = ids["app-eni"], ids["bastion-eni"], ids["dual-eni"]
    public = ids["bastion-public"]
    tcp = 6
    return [
        Expect("via the NAT gateway, seen from its Elastic IP", ProbeSpec(tcp, "10.1.2.20", "8.8.8.8", app, 443, 35000), True, True, EIP, 35000),
        Expect("reply to port 40000: rule 120 lets it in", ProbeSpec(tcp, "10.1.2.20", "8.8.8.8", app, 443, 40000), True, True, EIP, 40000),
        Expect("reply to port 40001: rule 110 denies it first", ProbeSpec(tcp, "10.1.2.20", "8.8.8.8", app, 443, 40001), False, True, EIP, 40001),
        Expect("reply to port 50000: denied, the ACL is stateless", ProbeSpec(tcp, "10.1.2.20", "1.1.1.1", app, 80, 50000), False, True, EIP, 50000),
        Expect("the NAT gateway carries no GRE", ProbeSpec(47, "10.1.2.20", "8.8.8.8", app), False, False),
        Expect("internet to the bastion's public address", ProbeSpec(tcp, "8.8.8.8", public, None, 22, 41000), True, True, "8.8.8.8", 41000),
        Expect("internet to a private address", ProbeSpec(tcp, "8.8.8.8", "10.1.2.20", None, 22, 41001), False, False),
        Expect("nothing unsolicited through the NAT gateway", ProbeSpec(tcp, "8.8.8.8", EIP, None, 22, 41002), False, False),
        Expect("bastion to app on 22 (rule 100)", ProbeSpec(tcp, "10.1.1.10", "10.1.2.20", bastion, 22, 42000), True, True, "10.1.1.10", 42000),
        Expect("bastion to app on 80: no ACL rule lets it in", ProbeSpec(tcp, "10.1.1.10", "10.1.2.20", bastion, 80, 42001), False, False),
        Expect("the bastion to its own public address: out and back in", ProbeSpec(tcp, "10.1.1.10", public, bastion, 22, 42002), True, True, public, 42002),
        Expect("a to its peer b", ProbeSpec(1, "10.1.2.20", "10.2.1.10", app, icmp_type=8, icmp_code=0), True, True, "10.1.2.20"),
        Expect("a to c through b: no transitive peering", ProbeSpec(1, "10.1.2.20", "10.3.1.10", app, icmp_type=8, icmp_code=0), False, False),
        Expect("one ENI to the other of the same instance, through the VPC", ProbeSpec(tcp, "10.1.2.30", "10.1.1.30", dual, 22, 39000), True, True, "10.1.2.30", 39000),
        Expect("a stopped instance receives nothing", ProbeSpec(tcp, "10.1.2.20", "10.1.2.40", app, 22, 43001), False, False),
        Expect("a stopped instance sends nothing", ProbeSpec(1, "10.1.2.40", "10.1.2.20", ids["off-eni"], icmp_type=8, icmp_code=0), False, False),
        Expect("an echo reply nobody asked for still arrives", ProbeSpec(1, "10.1.1.10", "10.1.2.20", bastion, icmp_type=0, icmp_code=0), True, True, "10.1.1.10"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def observed(lab_environment: None) -> list[tuple[Expect, ProbeResult]]:
    from tests.support.lab import make_lab_name

    from vpcsim.lab import lab_down

    network, ids = build()
    name = make_lab_name()
    expects = expectations(ids)
    lab_up(network, name, responder=False)
    try:
        results = probe_many(name, [e.spec for e in expects], timeout=1.0)
    finally:
        lab_down(name)
    return list(zip(expects, results, strict=True))


def test_the_kernel_does_what_aws_does(observed: list[tuple[Expect, ProbeResult]]) -> None:
    wrong = kernel_disagreements(observed)
    assert not wrong, "\n".join(wrong)


def test_the_engine_agrees_on_the_same_probes(observed: list[tuple[Expect, ProbeResult]]) -> None:
    wrong = engine_disagreements(build()[0], observed)
    assert not wrong, "\n".join(wrong)
