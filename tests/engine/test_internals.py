"""The engine's stated internals: compiled rules read by name, the one ``peer_matches``, and the
walk's hook interface (what the symbolic analyses plug into)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.support.builders import appliance_network, private_ip, tutorial_vpc

from vpcsim.engine import explain
from vpcsim.engine.compiled import (
    PEER_CIDR,
    PEER_MEMBERS,
    PEER_PREFIX_LIST,
    PEER_UNKNOWN,
    AclEntry,
    CompiledEni,
    CompiledSubnet,
    SgRule,
    compile_network,
    ip_int,
)
from vpcsim.engine.filters import Packet, peer_matches, sg_decide
from vpcsim.engine.flow import TCP, Flow
from vpcsim.engine.hooks import ReferenceHooks
from vpcsim.engine.trace import trace
from vpcsim.engine.walk import Walk
from vpcsim.testing import PRESETS, generate_network

_ADDRESS = st.integers(min_value=0, max_value=2**32 - 1)
_MASKS = [(0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF for n in range(33)]
_BLOCK = st.tuples(_ADDRESS, st.sampled_from(_MASKS)).map(lambda b: (b[0] & b[1], b[1]))


def _rule(
    kind: int, blocks: tuple[tuple[int, int], ...] = (), members: frozenset[int] = frozenset()
) -> SgRule:
    return SgRule(TCP, 0, 65535, kind, "peer", blocks, members, "sg-1", "sg-1 ingress[0]")


@given(_BLOCK, st.lists(_BLOCK, max_size=4), st.frozensets(_ADDRESS, max_size=4), _ADDRESS)
def test_a_peer_covers_its_blocks_and_its_members(
    cidr: tuple[int, int], prefix_list: list[tuple[int, int]], members: frozenset[int], remote: int
) -> None:
    """The definition the analyses' set forms rely on: in a block or among the members."""

    def in_blocks(blocks: tuple[tuple[int, int], ...]) -> bool:
        return any(remote & mask == net for net, mask in blocks)

    assert peer_matches(_rule(PEER_CIDR, (cidr,)), remote) == in_blocks((cidr,))
    assert peer_matches(_rule(PEER_PREFIX_LIST, tuple(prefix_list)), remote) == in_blocks(tuple(prefix_list))
    assert peer_matches(_rule(PEER_MEMBERS, members=members), remote) == (remote in members)
    assert peer_matches(_rule(PEER_UNKNOWN), remote) is None


def test_an_unknown_peer_might_allow_and_a_known_one_decides() -> None:
    pkt = Packet(ip_int("10.0.0.1"), ip_int("10.0.0.2"), TCP, ((40000, 40000),), ((22, 22),), -1, -1)
    unknown, other = _rule(PEER_UNKNOWN), _rule(PEER_CIDR, ((ip_int("192.168.0.0"), _MASKS[16]),))
    assert sg_decide([unknown, other], pkt, pkt.src) == (None, unknown)
    opens = _rule(PEER_CIDR, ((ip_int("10.0.0.0"), _MASKS[8]),))
    assert sg_decide([unknown, opens], pkt, pkt.src) == (opens, None)


def test_compiled_rules_are_read_by_name() -> None:
    network = generate_network(3, PRESETS["small"])
    c = compile_network(network)
    for eni in c.enis.values():
        for rule in (*eni.ingress, *eni.egress):
            assert isinstance(rule, SgRule) and rule.group_id in eni.group_ids
            assert bool(rule.blocks) == (rule.peer_kind in (PEER_CIDR, PEER_PREFIX_LIST))
            assert bool(rule.members) <= (rule.peer_kind == PEER_MEMBERS)
    for subnet in c.subnets.values():
        if subnet.acl is not None:
            for entries in (subnet.acl.inbound, subnet.acl.outbound):
                assert all(isinstance(e, AclEntry) for e in entries)
                assert [e.rule_number for e in entries] == sorted(e.rule_number for e in entries)
                assert entries[-1].rule_number == 32767 and not entries[-1].allow


class _Log(ReferenceHooks):
    """The reference hooks, with a log of every hook call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.tracked: list[tuple[str, str, bool]] = []
        """(path, ENI, tracked) of every security-group call."""

    def on_hop(self, walk: Walk, component: str, kind: str) -> None:
        self.calls.append(("hop", walk.recorder.path, component))

    def on_security_groups(
        self, walk: Walk, eni: CompiledEni, pkt: Packet, *, egress: bool, reply: bool, tracked: bool
    ) -> None:
        self.calls.append(("sg", walk.recorder.path, eni.eni_id))
        self.tracked.append((walk.recorder.path, eni.eni_id, tracked))
        super().on_security_groups(walk, eni, pkt, egress=egress, reply=reply, tracked=tracked)

    def on_network_acl(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None:
        self.calls.append(("acl", walk.recorder.path, subnet.subnet_id))
        super().on_network_acl(walk, subnet, pkt, inbound=inbound)

    def on_route(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet) -> None:
        self.calls.append(("route", walk.recorder.path, subnet.subnet_id))

    def on_reply(self, walk: Walk, request: Packet, reply: Packet | None) -> None:
        self.calls.append(("reply", walk.recorder.path, "none" if reply is None else "reply"))


def test_hooks_see_the_walk_and_the_reference_hooks_make_the_trace() -> None:
    t = tutorial_vpc()
    net = t.net
    flow = Flow(
        TCP,
        private_ip(net, t.web1),
        private_ip(net, t.web2),
        22,
        ((40000, 40000),),
        source_eni=t.web1.network_interface_ids[0],
    )
    log = _Log()
    walk = Walk(compile_network(net), flow, record=True, hooks=log)
    walk.run()
    assert walk.result() == trace(net, flow)
    kinds = [kind for kind, _, _ in log.calls]
    # Both ends' security groups on the request; the reply is seen once, between the paths.
    assert walk.result().reachable and kinds.count("reply") == 1
    reply_at = kinds.index("reply")
    assert {kind for kind in kinds[:reply_at]} == {"hop", "sg", "acl", "route"}
    assert {kind for kind in kinds[reply_at + 1 :]} == {"hop", "sg", "acl", "route"}
    assert all(path == "forward" for _, path, _ in log.calls[: reply_at + 1])
    assert all(path == "return" for _, path, _ in log.calls[reply_at + 1 :])
    hops = [(path, c) for kind, path, c in log.calls if kind == "hop"]
    recorded = [("forward", h.component) for h in walk.result().forward] + [
        ("return", h.component) for h in walk.result().return_
    ]
    assert [h for i, h in enumerate(hops) if i == 0 or hops[i - 1] != h] == recorded


def test_a_missing_route_names_the_peering_that_joins_the_vpcs() -> None:
    network = generate_network(5, PRESETS["small"])
    c = compile_network(network)
    assert network.vpc_peering_connections
    for pcx in network.vpc_peering_connections.values():
        a, b = pcx.requester.vpc_id, pcx.accepter.vpc_id
        expected = pcx.vpc_peering_connection_id if pcx.status == "active" else None
        if expected is not None:
            assert explain.peering_between(network, a, b) == expected
            assert explain.peering_between(network, b, a) == expected
        owner = next(iter(c.private.get(b, {}).items()), None)
        if owner is not None and expected is not None:
            other = explain.other_vpc(c, a, owner[0])
            assert other is not None and other.vpc_id == b and other.peering == expected


def test_connections_are_tracked_per_eni_where_the_request_passed() -> None:
    a = appliance_network(source_dest_check=False)
    net = a.net
    client = net.primary_network_interface(a.client.instance_id)
    server = net.primary_network_interface(a.server.instance_id)
    flow = Flow(
        TCP,
        client.private_ip_address,
        server.private_ip_address,
        443,
        ((40000, 40000),),
        source_eni=client.network_interface_id,
    )
    firewall = a.firewall_eni.network_interface_id
    # Both ways through the firewall: every ENI of the reply saw the request.
    log = _Log()
    walk = Walk(compile_network(net), flow, record=True, hooks=log)
    walk.run()
    assert walk.result() == trace(net, flow)
    assert {eni for path, eni, _ in log.tracked if path == "return"} == {
        client.network_interface_id,
        server.network_interface_id,
        firewall,
    }
    assert all(tracked for _, _, tracked in log.tracked)
    # The request goes straight to the server; only the reply crosses the firewall, whose
    # security groups have not seen the connection.
    net.delete_route(a.client_rt, "10.0.2.0/24")
    log = _Log()
    walk = Walk(compile_network(net), flow, record=True, hooks=log)
    walk.run()
    assert walk.result() == trace(net, flow)
    assert firewall not in {eni for path, eni, _ in log.tracked if path == "forward"}
    assert {(eni, tracked) for path, eni, tracked in log.tracked if path == "return"} == {
        (server.network_interface_id, True),
        (firewall, False),
        (client.network_interface_id, True),
    }
