"""ENIs AWS manages for a service are no hosts in the analyses' ends: a subnet
or security group as an end, and a policy's ``all``, leave them out, as ``matrix`` does."""

from __future__ import annotations

from tests.support.builders import tutorial_vpc

from vpcsim.analysis.endpoints import resolve_destination, resolve_source
from vpcsim.analysis.policy import Resolver


def test_subnet_and_group_ends_and_all_leave_managed_enis_out() -> None:
    t = tutorial_vpc(firewall="open")
    net = t.net
    tgw = net.create_network_interface(
        t.subnet_b,
        groups=[],
        interface_type="transit_gateway",
        description="Network Interface for Transit Gateway Attachment tgw-attach-0123",
    )
    alb = net.create_network_interface(t.subnet_b, groups=[t.sg], description="ELB app/web/50dc6c495c0c9188")
    mine = net.create_network_interface(t.subnet_b, groups=[t.sg], description="my spare ENI")
    managed = {tgw.network_interface_id, alb.network_interface_id}
    for ref in (t.subnet_b.subnet_id, t.sg.group_id):
        for side in (resolve_source(net, ref), resolve_destination(net, ref, from_internet=False)):
            assert mine.network_interface_id in side.enis
            assert not managed & set(side.enis)
            assert not managed & {h.eni_id for h in side.hosts}
    everyone = Resolver(net, {}).resolve("all")
    assert everyone is not None and mine.network_interface_id in everyone and not managed & everyone
