"""The kernel behaves as AWS does over IPv6, on one hand-built dual-stack network with known answers.

Each probe's expected outcome is written down from AWS's rules (aws-vpc-semantics-more.md, IPv6),
not from the engine: the egress-only gateway lets out connections and their replies and drops
what the internet starts (and a TCP or echo reply of a connection that came in through the
internet gateway; a UDP reply leaves as a new outbound flow), a custom network ACL that forgets
the IPv6 return ports, a security group open to ``0.0.0.0/0`` only or ``::/0`` only, neighbour
discovery under filters that allow no ICMPv6, IPv6 over a peering connection and nowhere else,
addresses usable at once (no duplicate address detection). Then the engine must agree.
"""

from __future__ import annotations

import subprocess

import pytest
from tests.lab.expected import Expect, engine_disagreements, kernel_disagreements

from vpcsim.lab import ProbeResult, ProbeSpec, lab_up, probe_many
from vpcsim.lab.state import LabState
from vpcsim.model import Network

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("lab_environment")]

OUT, OTHER = "2001:db8:5::1", "2606:4700::1111"
TCP, UDP, ICMPV6 = 6, 17, 58


def build() -> tuple[Network, dict[str, str]]:
    net = Network(seed="lab-ipv6")
    a = net.create_vpc("10.1.0.0/16", name="a", ipv6_cidr_block="2600:1f18:aa:100::/56")
    b = net.create_vpc("10.2.0.0/16", name="b", ipv6_cidr_block="2600:1f18:bb:100::/56")
    pub = net.create_subnet(a, "10.1.1.0/24", name="pub", ipv6_cidr_block="2600:1f18:aa:101::/64")
    priv = net.create_subnet(a, "10.1.2.0/24", name="priv", ipv6_cidr_block="2600:1f18:aa:102::/64")
    acl_sub = net.create_subnet(a, "10.1.3.0/24", name="acl", ipv6_cidr_block="2600:1f18:aa:103::/64")
    b_sub = net.create_subnet(b, "10.2.1.0/24", name="b-sub", ipv6_cidr_block="2600:1f18:bb:101::/64")
    igw = net.create_internet_gateway(name="igw").internet_gateway_id
    net.attach_internet_gateway(igw, a)
    eigw_a = net.create_egress_only_internet_gateway(a).egress_only_internet_gateway_id
    eigw_b = net.create_egress_only_internet_gateway(b).egress_only_internet_gateway_id
    pcx = net.create_vpc_peering_connection(a, b).vpc_peering_connection_id
    public_rt = net.create_route_table(a)
    for destination, target in (("0.0.0.0/0", igw), ("::/0", igw), ("2600:1f18:bb:100::/56", pcx)):
        net.create_route(public_rt, destination, target)
    net.associate_route_table(public_rt, pub)
    net.associate_route_table(public_rt, acl_sub)
    private_rt = net.create_route_table(a)
    net.create_route(private_rt, "::/0", eigw_a)  # no route to b: peering traffic has no way
    net.associate_route_table(private_rt, priv)
    b_main = net.main_route_table(b.vpc_id)
    assert b_main is not None
    net.create_route(b_main, "::/0", eigw_b)
    net.create_route(b_main, "2600:1f18:aa:100::/56", pcx)
    # The classic mistake: the ACL lets SSH in over IPv6, and its outbound rules let the IPv6
    # return ports out to one /48 only (the IPv4 rules cover IPv4 alone).
    acl = net.create_network_acl(a, name="acl")
    for number, egress, protocol, cidr, ports in (
        (100, False, "tcp", "::/0", (22, 22)),
        (110, False, "-1", "0.0.0.0/0", None),
        (100, True, "-1", "0.0.0.0/0", None),
        (120, True, "tcp", "2001:db8:5::/48", (1024, 65535)),
    ):
        net.create_network_acl_entry(
            acl,
            number,
            egress=egress,
            rule_action="allow",
            protocol=protocol,
            cidr_block=cidr,
            port_range=ports,
        )
    net.replace_network_acl_association(acl_sub, acl)
    web4 = net.create_security_group(a, "web4")
    net.authorize_security_group_ingress(web4, ip_protocol="tcp", port=80, cidr_ipv4="0.0.0.0/0")
    web6 = net.create_security_group(a, "web6")
    net.authorize_security_group_ingress(web6, ip_protocol="tcp", port=80, cidr_ipv6="::/0")
    net.authorize_security_group_ingress(web6, ip_protocol="tcp", port=22, cidr_ipv6="::/0")
    net.authorize_security_group_ingress(web6, ip_protocol="tcp", port=22, cidr_ipv4="0.0.0.0/0")
    app = net.create_security_group(a, "app")
    net.authorize_security_group_ingress(app, ip_protocol="tcp", port=443, cidr_ipv6="::/0")
    net.authorize_security_group_ingress(app, ip_protocol="udp", port=53, cidr_ipv6="::/0")
    net.authorize_security_group_ingress(app, ip_protocol="icmpv6", port=-1, cidr_ipv6="::/0")
    b_group = net.create_security_group(b, "b")
    net.authorize_security_group_ingress(b_group, ip_protocol="tcp", port=443, cidr_ipv6="::/0")
    net.authorize_security_group_ingress(
        b_group, ip_protocol="icmpv6", port=-1, cidr_ipv6="2600:1f18:aa:100::/56"
    )
    ids: dict[str, str] = {}
    for name, subnet, ip, v6, group, public in (
        ("w4", pub, "10.1.1.10", "2600:1f18:aa:101::10", web4, True),
        ("w6", pub, "10.1.1.11", "2600:1f18:aa:101::11", web6, True),
        ("app", priv, "10.1.2.20", "2600:1f18:aa:102::20", app, False),
        ("ssh", acl_sub, "10.1.3.30", "2600:1f18:aa:103::30", web6, True),
        ("b1", b_sub, "10.2.1.10", "2600:1f18:bb:101::10", b_group, False),
    ):
        instance = net.run_instance(
            subnet,
            name=name,
            private_ip=ip,
            groups=[group],
            associate_public_ip_address=public,
            ipv6_addresses=[v6],
        )
        ids[f"{name}-eni"] = instance.network_interface_ids[0]
        ids[f"{name}-public"] = net.primary_network_interface(instance.instance_id).public_ip or ""
    return net, ids


def expectations(ids: dict[str, str]) -> list[Expect]:
    app, b1, w4 = ids["app-eni"], ids["b1-eni"], ids["w4-eni"]
    w6 = "2600:1f18:aa:101::11"
    return [
        # the egress-only gateway
        Expect("app out through the egress-only gateway", ProbeSpec(TCP, "2600:1f18:aa:102::20", OUT, app, 443, 41000), True, True),
        Expect("app's echo out and its reply back", ProbeSpec(ICMPV6, "2600:1f18:aa:102::20", OUT, app, icmp_type=128, icmp_code=0), True, True),
        Expect("b1 out through b's egress-only gateway", ProbeSpec(TCP, "2600:1f18:bb:101::10", OTHER, b1, 443, 41001), True, True),
        Expect("the internet to b1: the egress-only gateway drops it", ProbeSpec(TCP, OUT, "2600:1f18:bb:101::10", None, 443, 41002), False, False),
        Expect("the internet to app through a's internet gateway: the SYN-ACK dies at the egress-only gateway", ProbeSpec(TCP, OUT, "2600:1f18:aa:102::20", None, 443, 41003), False, True),
        Expect("an echo in through the internet gateway: its reply dies at the egress-only gateway", ProbeSpec(ICMPV6, OUT, "2600:1f18:aa:102::20", None, icmp_type=128, icmp_code=0), False, True),
        Expect("a UDP reply leaves as a new outbound flow", ProbeSpec(UDP, OUT, "2600:1f18:aa:102::20", None, 53, 41004), True, True),
        # network ACL: the IPv6 return ports
        Expect("SSH over IPv6 from the /48 the ACL lets the return ports out to", ProbeSpec(TCP, OUT, "2600:1f18:aa:103::30", None, 22, 41005), True, True),
        Expect("SSH over IPv6 from elsewhere: no IPv6 return ports", ProbeSpec(TCP, OTHER, "2600:1f18:aa:103::30", None, 22, 41006), False, True),
        Expect("SSH over IPv4: the IPv4 rules", ProbeSpec(TCP, "8.8.8.8", ids["ssh-public"], None, 22, 41007), True, True),
        # security groups: 0.0.0.0/0 is not ::/0
        Expect("web4 over IPv4 (0.0.0.0/0)", ProbeSpec(TCP, "8.8.8.8", ids["w4-public"], None, 80, 41008), True, True),
        Expect("web4 over IPv6: 0.0.0.0/0 does not cover ::/0", ProbeSpec(TCP, OUT, "2600:1f18:aa:101::10", None, 80, 41009), False, False),
        Expect("web6 over IPv6 (::/0)", ProbeSpec(TCP, OUT, w6, None, 80, 41010), True, True),
        Expect("web6 over IPv4: ::/0 does not cover 0.0.0.0/0", ProbeSpec(TCP, "8.8.8.8", ids["w6-public"], None, 80, 41011), False, False),
        # neighbour discovery under filters without ICMPv6 rules, in one subnet
        Expect("w4 to w6 in their subnet (web6 has no ICMPv6 rule)", ProbeSpec(TCP, "2600:1f18:aa:101::10", w6, w4, 80, 41012), True, True),
        Expect("no ICMPv6 rule: w4's echo to w6 is dropped", ProbeSpec(ICMPV6, "2600:1f18:aa:101::10", w6, w4, icmp_type=128, icmp_code=0), False, False),
        # peering
        Expect("pub to b1 over the peering connection", ProbeSpec(ICMPV6, "2600:1f18:aa:101::10", "2600:1f18:bb:101::10", w4, icmp_type=128, icmp_code=0), True, True),
        Expect("priv has no route to b: out through the egress-only gateway, b drops it", ProbeSpec(ICMPV6, "2600:1f18:aa:102::20", "2600:1f18:bb:101::10", app, icmp_type=128, icmp_code=0), False, False),
        # outside the global unicast space
        Expect("a unique-local destination is not the internet", ProbeSpec(TCP, "2600:1f18:aa:102::20", "fd12::1", app, 443, 41013), False, False),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def observed(lab_environment: None) -> tuple[LabState, list[tuple[Expect, ProbeResult]], str]:
    from tests.support.lab import make_lab_name

    from vpcsim.lab import lab_down

    network, ids = build()
    name = make_lab_name()
    expects = expectations(ids)
    state = lab_up(network, name, responder=False)
    try:
        app_ns = state.instances[network.instance_of_eni(ids["app-eni"]).instance_id].namespace  # type: ignore[union-attr]
        addresses = subprocess.run(
            ["ip", "-n", app_ns, "-6", "addr", "show"], capture_output=True, text=True, check=True
        ).stdout
        results = probe_many(name, [e.spec for e in expects], timeout=1.0)
    finally:
        lab_down(name)
    return state, list(zip(expects, results, strict=True)), addresses


def test_the_kernel_does_what_aws_does_over_ipv6(
    observed: tuple[LabState, list[tuple[Expect, ProbeResult]], str],
) -> None:
    wrong = kernel_disagreements(observed[1])
    assert not wrong, "\n".join(wrong)


def test_addresses_are_usable_at_once(
    observed: tuple[LabState, list[tuple[Expect, ProbeResult]], str],
) -> None:
    addresses = observed[2]
    assert "2600:1f18:aa:102::20/64" in addresses
    assert "tentative" not in addresses


def test_the_engine_agrees_on_the_same_ipv6_probes(
    observed: tuple[LabState, list[tuple[Expect, ProbeResult]], str],
) -> None:
    wrong = engine_disagreements(build()[0], observed[1])
    assert not wrong, "\n".join(wrong)


def test_the_dual_stack_example_answers_over_ipv6(lab_name: str) -> None:
    """``lab probe -6`` and the responder over IPv6, on the built-in dual-stack example (the
    stories its header tells)."""
    import json

    import typer
    from typer.testing import CliRunner

    from vpcsim.cli.lab import lab_app
    from vpcsim.formats.loader import load_example
    from vpcsim.lab import lab_exec, lab_probe

    lab_up(load_example("dual-stack").network, lab_name)
    ssh = lab_probe(lab_name, "internet", "bastion", "tcp", 22, 40100, ipv6=True)
    assert ssh["reachable"] and ssh["flow"]["destination"] == "2600:1f1e:c00:ce01::10"
    assert ssh["flow"]["source"] == "2001:db8:5::1"
    inbound = lab_probe(lab_name, "internet", "app", "tcp", 22, 40101, ipv6=True)
    assert inbound["blockers"][0]["code"] == "VPCSIM_LAB_NO_REQUEST"  # app-sg: SSH from the bastion only
    out = lab_probe(lab_name, "app", "internet:2001:db8:5::1", "udp", 53, 40102)
    assert out["reachable"] and out["lab"]["observed_source"] == "2600:1f1e:c00:ce02::20"  # no NAT
    ping = lab_probe(lab_name, "bastion", "app", "icmp", ipv6=True)
    assert ping["reachable"] and ping["flow"]["protocol"] == "icmpv6"
    curl = lab_exec(lab_name, "app", ["curl", "-s", "-m", "2", "http://[2001:db8:5::1]/"], capture=True)
    assert curl.returncode == 0 and "the internet answered on port 80" in curl.stdout
    app = typer.Typer()
    app.add_typer(lab_app, name="lab")
    result = CliRunner().invoke(
        app,
        [
            "lab",
            "probe",
            "--name",
            lab_name,
            "--from",
            "internet",
            "--to",
            "bastion",
            "-6",
            "--port",
            "22",
            "--json",
        ],
        standalone_mode=False,
    )
    assert result.exception is None and result.return_value == 0, result.output
    assert json.loads(result.stdout)["flow"]["destination"] == "2600:1f1e:c00:ce01::10"


def test_ipv6_changes_apply_as_a_difference(lab_name: str) -> None:
    """An IPv4 lab made dual-stack, then given one more IPv6 address: only the difference is
    applied (the second change touches one namespace, creates none) and the new address answers."""
    from vpcsim.formats.loader import load_example
    from vpcsim.lab import lab_probe
    from vpcsim.lab.api import lab_apply
    from vpcsim.model import Instance

    lab_up(load_example("bastion-nat").network, lab_name, responder=False)
    dual = load_example("dual-stack").network
    lab_apply(dual, lab_name)
    assert lab_probe(lab_name, "internet", "bastion", "tcp", 22, 40600, ipv6=True)["reachable"]
    app = dual.resolve("app", Instance).instance_id
    dual.assign_ipv6_addresses(dual.primary_network_interface(app), ["2600:1f1e:c00:ce02::21"])
    _, change = lab_apply(dual, lab_name)
    summary = change.summary()
    assert summary["namespaces_created"] == 0 and summary["namespaces_changed"] == 1, summary
    assert lab_probe(lab_name, "bastion", "2600:1f1e:c00:ce02::21", "icmpv6")["reachable"]
    assert lab_probe(lab_name, "2600:1f1e:c00:ce02::21", "internet", "tcp", 443, 40601, ipv6=True)[
        "reachable"
    ]
