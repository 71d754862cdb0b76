"""``exposure`` and ``reach`` count load-balancer paths (the engine follows each listener to its
targets): a finding on a node names the load balancer, its listeners and targets, and exists
only when a target's leg goes through."""

from __future__ import annotations

from tests.support.builders import ANYWHERE
from tests.support.elb import alb_estate

import vpcsim
from vpcsim.analysis.incomplete import incomplete_of
from vpcsim.engine import trace
from vpcsim.engine.flow import TCP, Flow


def test_exposure_reports_the_load_balancer_path() -> None:
    e = alb_estate()
    result = vpcsim.exposure(e.net)
    findings = [f.to_dict() for f in result.findings]
    assert {f["eni"] for f in findings} == {e.node("us-east-1a"), e.node("us-east-1b")}
    for finding in findings:
        assert finding["via"] == "load-balancer"
        assert finding["load_balancer"] == e.lb.load_balancer_arn
        assert finding["protocol"] == "tcp" and finding["ports"] == [[80, 80]]
        assert finding["listeners"] == [{"protocol": "HTTP", "port": 80}]
        assert finding["targets"] == [
            {"id": e.web_a.instance_id, "port": 8080},
            {"id": e.web_b.instance_id, "port": 8080},
        ]
        assert finding["bidirectional"] is True
        path = finding["path"]
        web = [
            e.net.primary_network_interface(i.instance_id).network_interface_id for i in (e.web_a, e.web_b)
        ]
        assert path[0] == "internet" and finding["eni"] in path and e.lb_sg.group_id in path
        assert (
            path.index(finding["eni"]) < path.index(e.lb.load_balancer_arn) < min(path.index(w) for w in web)
        )
    assert not result.incomplete


def test_exposure_has_no_finding_when_no_target_can_be_reached() -> None:
    e = alb_estate(
        web_ingress=[{"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": ANYWHERE}]
    )
    assert vpcsim.exposure(e.net).findings == ()


def test_exposure_agrees_with_traces_on_every_listener_port() -> None:
    e = alb_estate()
    e.net.authorize_security_group_ingress(
        e.lb_sg, ip_protocol="tcp", from_port=0, to_port=65535, cidr_ipv4=ANYWHERE
    )
    result = vpcsim.exposure(e.net)
    exposed = {(f.eni, lo) for f in result.findings for lo, hi in (f.entry.traffic.ports or ()) if lo == hi}
    for zone in ("us-east-1a", "us-east-1b"):
        for port in (22, 79, 80, 81, 443, 8080):
            t = trace(
                e.net,
                Flow(protocol=TCP, source="8.8.8.8", destination=e.node_public(zone), destination_port=port),
            )
            assert ((e.node(zone), port) in exposed) == t.reachable, (zone, port, t.codes)


def test_load_balancers_no_longer_make_answers_incomplete() -> None:
    e = alb_estate()
    assert incomplete_of(e.net) == []


def test_reach_from_the_internet_to_the_load_balancer() -> None:
    e = alb_estate()
    result = vpcsim.reach(e.net, "internet", e.node_public())
    allowed = [entry.to_dict() for entry in result.allowed]
    assert [(a["protocol"], a["ports"]) for a in allowed] == [("tcp", [[80, 80]])]
