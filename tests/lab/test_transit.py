"""Transit gateways in the lab (``vpcsim.lab.transit``): the kernel does what AWS does, and the
engine agrees.

One hand-built network of nine VPCs on two peered transit gateways, each probe's outcome written
down from AWS's rules (the transit gateway guide: associations, propagations, static and
blackhole routes, the attachment subnet's network ACL, the Availability Zone rule, appliance
mode, peering with static routes, security group referencing support) -- not from the engine; then the engine is asked the same
questions. Then the differential run over generated networks with transit gateways
(``transit-small``): no disagreement, and both transit gateway mutations caught.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass

import pytest
from tests.lab.expected import Expect, flow_of
from tests.support.builders import ANYWHERE, AclRule, custom_acl, security_group

from vpcsim.engine import trace
from vpcsim.fidelity import MUTATIONS, engine_expects, report, run_many
from vpcsim.lab import ProbeResult, ProbeSpec, build_plan, lab_up, probe_many
from vpcsim.model import Network, Subnet, TransitGateway, Vpc
from vpcsim.testing import PRESETS

ZONE_A, ZONE_B = "us-east-1a", "us-east-1b"
TRANSIT_SEEDS = tuple(range(12))
TRANSIT_FLOWS = 60
EGRESS_IP = "203.0.113.60"
TCP, ICMP = 6, 1


@dataclass
class Built:
    net: Network
    eni: dict[str, str]
    """Instance name -> its ENI."""
    ip: dict[str, str]


def _vpc(
    net: Network, tgw: TransitGateway, octet: int, zones: tuple[str, ...] = (ZONE_A,), **options: bool
) -> Vpc:
    """VPC 10.<octet>.0.0/16: an attachment subnet 10.<octet>.0.<16 k>/28 per zone, the main
    table routing 10.0.0.0/8 to ``tgw``."""
    vpc = net.create_vpc(f"10.{octet}.0.0/16", name=f"v{octet}")
    subnets = [
        net.create_subnet(
            vpc, f"10.{octet}.0.{16 * k}/28", availability_zone=zone, name=f"v{octet}-tgw-{zone[-1]}"
        )
        for k, zone in enumerate(zones)
    ]
    net.create_transit_gateway_vpc_attachment(
        tgw, vpc, subnets, name=f"v{octet}-attach", appliance_mode_support=options.get("appliance", False)
    )
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None
    net.create_route(main, "10.0.0.0/8", tgw.transit_gateway_id)
    return vpc


def build() -> Built:
    net = Network(seed="lab-transit")
    hub = net.create_transit_gateway(name="hub")
    far = net.create_transit_gateway(name="far")
    table = net.transit_gateway_route_tables[hub.association_default_route_table_id or ""]
    far_table = net.transit_gateway_route_tables[far.association_default_route_table_id or ""]
    vpcs = {
        "a": _vpc(net, hub, 1),
        "b": _vpc(net, hub, 2),
        "c": _vpc(net, hub, 3),
        "d": _vpc(net, hub, 4),
        "e": _vpc(net, hub, 5),
        "f": _vpc(net, far, 6),
        "g": _vpc(net, hub, 7, (ZONE_A, ZONE_B), appliance=True),
        "k": _vpc(net, hub, 9, (ZONE_A, ZONE_B)),
        "h": _vpc(net, hub, 8, (ZONE_A, ZONE_B)),
        "x": _vpc(net, hub, 10),
    }
    subnets: dict[str, Subnet] = {}
    for key, vpc in vpcs.items():
        octet = vpc.cidr_block.split(".")[1]
        subnets[key] = net.create_subnet(
            vpc, f"10.{octet}.1.0/24", availability_zone=ZONE_A, name=f"{key}-work"
        )
    subnets["a-b"] = net.create_subnet(vpcs["a"], "10.1.2.0/24", availability_zone=ZONE_B, name="a-work-b")
    subnets["e2"] = net.create_subnet(vpcs["e"], "10.5.2.0/24", availability_zone=ZONE_A, name="e-other")
    subnets["h"] = net.create_subnet(vpcs["h"], "10.8.2.0/24", availability_zone=ZONE_B, name="h-work-b")
    b_tgw = next(s for s in net.subnets.values() if s.name == "v2-tgw-a")
    hosts = {
        "a1": (subnets["a"], "10.1.1.10"),
        "a2": (subnets["a-b"], "10.1.2.10"),
        "b1": (subnets["b"], "10.2.1.10"),
        "b0": (b_tgw, "10.2.0.10"),
        "c1": (subnets["c"], "10.3.1.10"),
        "c2": (subnets["c"], "10.3.1.200"),
        "d1": (subnets["d"], "10.4.1.10"),
        "e1": (subnets["e"], "10.5.1.10"),
        "e2": (subnets["e2"], "10.5.2.10"),
        "f1": (subnets["f"], "10.6.1.10"),
        "g1": (subnets["g"], "10.7.1.10"),
        "k1": (subnets["k"], "10.9.1.10"),
        "h1": (subnets["h"], "10.8.2.10"),
    }
    built = Built(net, {}, {})
    for name, (subnet, ip) in hosts.items():
        group = security_group(
            net,
            net.vpcs[subnet.vpc_id],
            f"{name}-open",
            ingress=[{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}],
        )
        instance = net.run_instance(subnet, name=name, private_ip=ip, groups=[group])
        built.eni[name] = instance.network_interface_ids[0]
        built.ip[name] = ip
    attachment = {a.name: a for a in net.transit_gateway_attachments.values()}
    # b's attachment subnet, with an instance of its own (b0): its ACL judges what enters the
    # gateway from b inbound, by source, and what leaves it into b outbound, by destination.
    custom_acl(
        net,
        b_tgw,
        inbound=[
            AclRule(10, "deny", "tcp", "10.2.1.0/24", ports=(2223, 2223)),
            AclRule(20, "deny", "tcp", "10.2.0.10/32", ports=(2224, 2224)),
            AclRule(30, "deny", "tcp", "10.1.0.0/16", ports=(2226, 2226)),
            AclRule(100, "allow"),
        ],
        outbound=[
            AclRule(10, "deny", "tcp", "10.2.1.0/24", ports=(2222, 2222)),
            AclRule(20, "deny", "tcp", "10.2.0.10/32", ports=(2225, 2225)),
            AclRule(100, "allow"),
        ],
    )
    # c: a blackhole route for the upper quarter of its work subnet.
    net.create_transit_gateway_route(table, "10.3.1.192/26", blackhole=True)
    # d: associated with no route table (what arrives from it is dropped).
    net.disassociate_transit_gateway_route_table(table, attachment["v4-attach"])
    # e: not propagated; a static route for one of its subnets only.
    net.disable_transit_gateway_route_table_propagation(table, attachment["v5-attach"])
    net.create_transit_gateway_route(table, "10.5.1.0/24", attachment["v5-attach"])
    # f, on the far gateway: peered, static routes each way -- but the far side routes only a.
    peering = net.create_transit_gateway_peering_attachment(hub, far, name="peering")
    net.associate_transit_gateway_route_table(table, peering)
    net.associate_transit_gateway_route_table(far_table, peering)
    net.create_transit_gateway_route(table, "10.6.0.0/16", peering)
    net.create_transit_gateway_route(far_table, "10.1.0.0/16", peering)
    # g and k: attachments in zones a and b; the zone-b subnet's ACL refuses what goes to their
    # work subnet. h answers from zone b: without appliance mode (k) its replies come back
    # through the zone-b subnet; with it (g), through the request's zone-a subnet.
    for key in ("g", "k"):
        zone_b = next(
            s for s in net.subnets.values() if s.vpc_id == vpcs[key].vpc_id and s.availability_zone == ZONE_B
        )
        custom_acl(
            net,
            zone_b,
            inbound=[AclRule(100, "allow")],
            outbound=[AclRule(10, "deny", "-1", subnets[key].cidr_block), AclRule(100, "allow")],
        )
    # x: centralised egress. The gateway sends 8.8.8.0/24 to x, whose NAT gateway translates it
    # (traffic that came in through a transit gateway) towards its internet gateway.
    x = vpcs["x"]
    igw = net.create_internet_gateway(name="x-igw")
    net.attach_internet_gateway(igw, x)
    public = net.create_subnet(x, "10.10.2.0/24", availability_zone=ZONE_A, name="x-public")
    nat = net.create_nat_gateway(
        public, allocation=net.allocate_address(public_ip=EGRESS_IP), private_ip="10.10.2.9"
    )
    x_main = net.main_route_table(x.vpc_id)
    assert x_main is not None
    net.create_route(x_main, "0.0.0.0/0", nat.nat_gateway_id)
    public_rt = net.create_route_table(x)
    net.create_route(public_rt, "0.0.0.0/0", igw.internet_gateway_id)
    net.create_route(public_rt, "10.0.0.0/8", hub.transit_gateway_id)
    net.associate_route_table(public_rt, public)
    net.create_transit_gateway_route(table, "8.8.8.0/24", attachment["v10-attach"])
    a_main = net.main_route_table(vpcs["a"].vpc_id)
    assert a_main is not None
    net.create_route(a_main, "8.8.8.0/24", hub.transit_gateway_id)
    # Security group referencing: the hub resolves references (SecurityGroupReferencingSupport),
    # but c's attachment does not support it. b2 and c3 admit tcp/2300 from a1's group only.
    net.modify_transit_gateway(hub, security_group_referencing_support=True)
    net.modify_transit_gateway_vpc_attachment(
        attachment["v3-attach"], security_group_referencing_support=False
    )
    a1_group = net.network_interfaces[built.eni["a1"]].groups[0]
    for name, key, ip in (("b2", "b", "10.2.1.20"), ("c3", "c", "10.3.1.20")):
        subnet = subnets[key]
        group = security_group(
            net,
            net.vpcs[subnet.vpc_id],
            f"{name}-from-a1",
            ingress=[
                {"ip_protocol": "tcp", "from_port": 2300, "to_port": 2300, "referenced_group_id": a1_group}
            ],
        )
        instance = net.run_instance(subnet, name=name, private_ip=ip, groups=[group])
        built.eni[name] = instance.network_interface_ids[0]
        built.ip[name] = ip
    return built


def expectations(b: Built) -> list[Expect]:
    def tcp(src: str, dst: str, port: int, sport: int) -> ProbeSpec:
        return ProbeSpec(TCP, b.ip[src], b.ip[dst], b.eni[src], port, sport)

    def ping(src: str, dst: str) -> ProbeSpec:
        return ProbeSpec(ICMP, b.ip[src], b.ip[dst], b.eni[src], icmp_type=8, icmp_code=0)

    return [
        Expect("associated and propagated: a to b", tcp("a1", "b1", 22, 40100), True, True),
        Expect("associated and propagated: ping a to c", ping("a1", "c1"), True, True),
        Expect("b's attachment subnet outbound denies 2222 to b's work subnet", tcp("a1", "b1", 2222, 40101), False, False),
        Expect("b's attachment subnet inbound denies 2223 from b's work subnet", tcp("b1", "a1", 2223, 40102), False, False),
        Expect("an instance in the attachment subnet: its inbound rules judge what it sends to the gateway", tcp("b0", "a1", 2224, 40103), False, False),
        Expect("an instance in the attachment subnet: outbound rules do not judge what the gateway sends it", tcp("a1", "b0", 2225, 40104), True, True),
        Expect("an instance in the attachment subnet: nor inbound rules", tcp("a1", "b0", 2226, 40105), True, True),
        Expect("a blackhole route wins for c's upper quarter", tcp("a1", "c2", 22, 40106), False, False),
        Expect("the blackhole's neighbour", tcp("a1", "c1", 22, 40107), True, True),
        Expect("d's attachment has no association: its reply is dropped", tcp("a1", "d1", 22, 40108), False, True),
        Expect("d's attachment has no association: its request too", ping("d1", "a1"), False, False),
        Expect("e not propagated: a static route to its first subnet", tcp("a1", "e1", 22, 40109), True, True),
        Expect("e not propagated: no route to its other subnet", tcp("a1", "e2", 22, 40110), False, False),
        Expect("across the peering: static routes both ways", tcp("a1", "f1", 22, 40111), True, True),
        Expect("across the peering: the far side has no route back to b", tcp("b1", "f1", 22, 40112), False, True),
        Expect("a zone without an attachment subnet cannot reach the gateway", tcp("a2", "b1", 22, 40113), False, False),
        Expect("... nor answer through it", tcp("b1", "a2", 22, 40114), False, True),
        Expect("appliance mode: the reply comes back through the request's subnet", tcp("g1", "h1", 22, 40115), True, True),
        Expect("no appliance mode: the reply comes back through its own zone's subnet", tcp("k1", "h1", 22, 40116), False, True),
        Expect("centralised egress: another VPC's NAT gateway", ProbeSpec(TCP, b.ip["a1"], "8.8.8.8", b.eni["a1"], 443, 40117), True, True),
        Expect("a reference to a1's group resolves across the gateway (support everywhere)", tcp("a1", "b2", 2300, 40118), True, True),
        Expect("c's attachment lacks SecurityGroupReferencingSupport: the reference matches nothing", tcp("a1", "c3", 2300, 40119), False, False),
    ]  # fmt: skip


# ---------------------------------------------------------------------------- without a kernel


def test_the_plan_has_a_gateway_namespace_with_a_table_per_route_table_and_zone() -> None:
    b = build()
    plan = build_plan(b.net, "t1")
    gateways = [p for p in plan.namespaces if p.role == "transit-gateway"]
    assert sorted(p.component for p in gateways) == sorted(b.net.transit_gateways)
    hub = next(p for p in gateways if b.net.transit_gateways[p.component].name == "hub")
    rules = [line for line in hub.configure if line.startswith("rule add")]
    lookups = {line.split(" lookup ")[1] for line in rules if " lookup " in line and "fwmark" not in line}
    # One route table, two zones (a, b): two tables for plain lookups.
    assert len(lookups) == 2
    # Every interface into the gateway ends in a blackhole rule: nothing falls through.
    interfaces = {line.split(" iif ")[1].split()[0] for line in rules}
    assert all(f"rule add pref 30000 iif {i} blackhole" in hub.configure for i in interfaces)
    # The attachment without an association (d) only has its blackhole rule.
    routes = [line for line in hub.configure if line.startswith("route add")]
    assert any(line.startswith("route add blackhole 10.3.1.192/26 ") for line in routes)
    # Appliance mode: connection marks of the requests entering by g's interfaces.
    assert "ct mark set iifname map" in hub.nft and any("fwmark" in line for line in rules)
    assert "drop" in hub.nft.split("chain input")[1].split("}")[0]


def test_a_route_to_the_gateway_enters_by_the_attachment_eni_of_the_senders_zone() -> None:
    b = build()
    plan = build_plan(b.net, "t1")
    a = next(v for v in b.net.vpcs.values() if v.name == "v1")
    router = plan.namespace(plan.state.vpcs[a.vpc_id].namespace)
    eni = next(
        e
        for e in b.net.network_interfaces.values()
        if e.interface_type == "transit_gateway" and e.vpc_id == a.vpc_id
    )
    via = [line for line in router.configure if line.startswith("route add 10.0.0.0/8 ")]
    # Zone a's subnets go through the zone-a ENI; zone b (a-work-b) has none: a blackhole.
    assert sum(f"via {eni.private_ip_address} " in line for line in via) == 2
    assert any(line.startswith("route add blackhole 10.0.0.0/8 ") for line in router.configure)
    # A packet of the attachment subnet sent back into it to the ENI meets its inbound rules too.
    assert f"rt ip nexthop {eni.private_ip_address} jump" in router.nft


def test_the_engine_agrees_with_aws_on_the_expectations() -> None:
    b = build()
    wrong = []
    for expect in expectations(b):
        got = engine_expects(trace(b.net, flow_of(expect.spec)), None)
        if got != (expect.arrived, expect.delivered):
            wrong.append(f"{expect.why}: engine {got}, AWS {(expect.arrived, expect.delivered)}")
    assert not wrong, "\n".join(wrong)


def test_the_biased_transit_networks_are_valid_repeatable_and_cross_the_gateways() -> None:
    """Without a kernel: the differential run's transit networks are valid and the same for the
    same seed, and many of their probes cross a gateway, most of those expected to complete."""
    from vpcsim.fidelity import crosses_transit, plan_cases
    from vpcsim.fidelity_bias import biased_case
    from vpcsim.model.validate import ensure_valid

    across = reachable = probes = 0
    for seed in TRANSIT_SEEDS[:4]:
        case = biased_case(seed, TRANSIT_FLOWS, PRESETS["transit-small"])
        ensure_valid(case.network)
        again = biased_case(seed, TRANSIT_FLOWS, PRESETS["transit-small"])
        assert again.flows == case.flows and again.stats == case.stats
        for planned in plan_cases(case.network, case.flows).cases:
            probes += 1
            if crosses_transit(case.network, planned.flow):
                across += 1
                reachable += trace(case.network, planned.flow, record=False).reachable
    assert across >= 0.15 * probes, (across, probes)
    assert 0.3 * across <= reachable <= 0.9 * across, (reachable, across)


# ---------------------------------------------------------------------------- with the kernel


@pytest.fixture(scope="module")
def observed(lab_environment: None) -> list[tuple[Expect, ProbeResult]]:
    from tests.support.lab import make_lab_name

    from vpcsim.lab import lab_down

    b = build()
    name = make_lab_name()
    expects = expectations(b)
    lab_up(b.net, name, responder=False)
    try:
        results = probe_many(name, [e.spec for e in expects], timeout=1.0)
    finally:
        lab_down(name)
    return list(zip(expects, results, strict=True))


@pytest.mark.lab
def test_the_kernel_does_what_aws_does_across_transit_gateways(
    observed: list[tuple[Expect, ProbeResult]],
) -> None:
    wrong = [
        f"{e.why}: expected {(e.delivered, e.arrived)}, got {(r.delivered, r.forward)} ({r.detail})"
        for e, r in observed
        if (r.delivered, r.forward) != (e.delivered, e.arrived)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.lab
def test_the_differential_run_over_transit_gateways_agrees_and_catches_the_mutations(
    lab_environment: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """One test (one xdist worker runs the labs once): no disagreement, flows across the gateways,
    and each ``tgw-`` mutation caught by the same observations."""
    runs = run_many(TRANSIT_SEEDS, flows=TRANSIT_FLOWS, parallel=2, config=PRESETS["transit-small"])
    # Kept for a look after a failure (the kernel's observations are engine-independent).
    path = tmp_path_factory.getbasetemp() / f"transit-runs-{os.getpid()}.pickle"
    path.write_bytes(pickle.dumps(runs))
    result = report(runs)
    data = result.to_dict()
    assert not result.disagreements, "engine and kernel disagree:\n" + "\n".join(
        d.describe() for d in result.disagreements
    )
    # Flows do cross the gateways, and many of those complete.
    assert data["probes_through_transit_gateways"] >= 0.15 * result.probes, data
    assert data["probes_through_transit_gateways_delivered"] >= 0.3 * data["probes_through_transit_gateways"]
    mutations = sorted(m for m in MUTATIONS if m.startswith("tgw-"))
    assert len(mutations) >= 2
    for mutation in mutations:
        with MUTATIONS[mutation]():
            caught = report(runs).disagreements
        assert caught, f"the differential run did not notice the engine mutation {mutation!r}"


@pytest.mark.lab
def test_the_demo_tells_the_transit_hub_live(lab_name: str) -> None:
    """``vpcsim demo --live --network transit-hub``: the kernel agrees with the engine at every
    step across the gateway and through the load balancer (realised by lab/balancers.py)."""
    import contextlib
    import io
    import json

    from vpcsim.cli.lab import run_live_demo

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = run_live_demo("transit-hub", as_json=True, name=lab_name)
    document = json.loads(buffer.getvalue())
    assert status == 0 and document["agree"], document
    kernels = [(step["engine"], step["kernel"]) for step in document["steps"]]
    assert all(kernel != "not realised" for _, kernel in kernels), kernels  # web-alb is realised
    assert kernels.count(("reachable", "reachable")) >= 3
    assert kernels.count(("unreachable", "unreachable")) >= 3
