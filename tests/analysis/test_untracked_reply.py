"""Found by the live lab's differential run (docs/fidelity.md): a reply routed through a middlebox
the request never passed is new traffic for that ENI's security groups. The symbolic analyses
follow the engine there (they trace every atom of such a pair)."""

from __future__ import annotations

import dataclasses

from tests.support.builders import appliance_network

import vpcsim
from vpcsim.analysis import reach
from vpcsim.engine import trace


def test_reach_agrees_with_trace_when_only_the_reply_crosses_a_middlebox() -> None:
    a = appliance_network(source_dest_check=False)
    net = a.net
    net.delete_route(a.client_rt, "10.0.2.0/24")
    net.revoke_security_group_ingress(a.firewall_sg)
    net.authorize_security_group_ingress(
        a.firewall_sg, ip_protocol="tcp", from_port=32768, to_port=40000, cidr_ipv4="10.0.2.0/24"
    )
    client = net.primary_network_interface(a.client.instance_id).private_ip_address
    server = net.primary_network_interface(a.server.instance_id).private_ip_address
    ranged = vpcsim.trace(net, a.client, a.server, port=443)
    assert ranged.verdict == "unreachable"
    result = reach(net, client, server, client_ports=(32768, 60999))
    for port in (32768, 40000, 40001, 60999):
        flow = dataclasses.replace(ranged.flow, source_ports=((port, port),))
        assert result.permits(flow) == trace(net, flow, record=False).reachable == (port <= 40000), port
