"""Per-question traffic atoms (:mod:`vpcsim.analysis.local_atoms`) and the shortcuts that keep
``exposure`` linear on messy estates: each question's space is cut only by its own rules, its
outcomes equal the network-wide space's flow for flow, and a reply that a routing loop stops
behind an untracked middlebox is decided without tracing every atom -- as tracing decides it."""

from __future__ import annotations

from hypothesis import given, settings

from vpcsim.analysis import exposure
from vpcsim.analysis.bulk import Bulk
from vpcsim.analysis.endpoints import Host
from vpcsim.analysis.entries import EntryBuilder
from vpcsim.analysis.intervals import IntervalIndex
from vpcsim.analysis.naive import naive_outcome
from vpcsim.analysis.reach import add_outcome
from vpcsim.model import Network
from vpcsim.testing import PRESETS
from vpcsim.testing.strategies import networks


def test_interval_count_equals_the_members_in_range() -> None:
    index = IntervalIndex(((2, 4), (10, 10), (20, 29)))
    members = {*range(2, 5), 10, *range(20, 30)}
    for lo in range(0, 32):
        for hi in range(lo - 1, 32):
            assert index.count(lo, hi) == sum(1 for m in members if lo <= m <= hi), (lo, hi)


def _entries(bulk: Bulk, host: Host, *, local: bool) -> dict[str, set[object]]:
    """The exposure lists of one public address, over the question's space or the network's."""
    space_of = bulk.internet_spaces([host], internet_is_source=True)[host] if local else None
    space = space_of.space if space_of is not None else bulk.space
    builders = {k: EntryBuilder(space) for k in ("allowed", "one_way", "partial", "unknown")}
    for piece, out in bulk.internet(host, internet_is_source=True, local=space_of):
        add_outcome(builders, out, piece, ((0, 0),))
    return {k: set(b.build(bulk.universe.index, None)) for k, b in builders.items()}


@settings(max_examples=5)
@given(networks(PRESETS["messy-small"]))
def test_a_questions_atoms_give_the_networks_answer(network: Network) -> None:
    bulk = Bulk(network)
    for eni in bulk.c.enis.values():
        for public in eni.public_of.values():
            host = Host(public, eni.eni_id)
            local = bulk.internet_spaces([host], internet_is_source=True)[host]
            assert len(local.space.atoms) <= len(bulk.space.atoms)
            assert _entries(bulk, host, local=True) == _entries(bulk, host, local=False)


def _looping_reply() -> tuple[Network, str]:
    """A public instance whose subnet routes everything to a firewall appliance in the same
    subnet: the reply reaches the appliance untracked (the request came in directly) and loops."""
    net = Network(seed="loop")
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    web = net.create_security_group(vpc, "web")
    net.authorize_security_group_ingress(web, ip_protocol="tcp", port=22, cidr_ipv4="0.0.0.0/0")
    net.authorize_security_group_ingress(
        web, ip_protocol="tcp", from_port=8000, to_port=8100, cidr_ipv4="198.51.100.0/24"
    )
    net.authorize_security_group_ingress(
        web, ip_protocol="udp", from_port=1000, to_port=1999, cidr_ipv4="0.0.0.0/0"
    )
    fw = net.create_security_group(vpc, "firewall")
    net.authorize_security_group_ingress(
        fw, ip_protocol="tcp", from_port=0, to_port=40000, cidr_ipv4="0.0.0.0/0"
    )
    appliance = net.run_instance(subnet, groups=[fw], source_dest_check=False)
    server = net.run_instance(subnet, groups=[web], associate_public_ip_address=True)
    table = net.create_route_table(vpc)
    net.associate_route_table(table, subnet)
    net.create_route(table, "0.0.0.0/0", appliance.instance_id)
    return net, server.instance_id


def test_a_reply_looping_behind_an_untracked_middlebox_is_one_way_as_traced() -> None:
    net, server = _looping_reply()
    bulk = Bulk(net)
    eni = next(e for e in bulk.c.enis.values() if e.instance_id == server)
    (public,) = eni.public_of.values()
    host = Host(public, eni.eni_id)
    ic = bulk.internet_class(host, internet_is_source=True)
    loops = [sk for _, sks in ic.contexts for sk in sks.values() if sk.untracked_reply and sk.return_blocked]
    assert loops, "the reply must cross the appliance untracked and be stopped"
    traced = bulk.traced
    got = _entries(bulk, host, local=True)
    assert bulk.traced == traced  # decided from the skeleton, not by tracing every atom
    builders = {k: EntryBuilder(bulk.space) for k in ("allowed", "one_way", "partial", "unknown")}
    for piece, _ in bulk.internet(host, internet_is_source=True):
        rep = bulk.universe.index.first_in(*piece[0])
        assert rep is not None
        add_outcome(builders, naive_outcome(net, bulk.space, rep, public, None), piece, ((0, 0),))
    expected = {k: set(b.build(bulk.universe.index, None)) for k, b in builders.items()}
    assert got == expected
    assert got["one_way"] and not got["allowed"] and not got["partial"]
    result = exposure(net)
    assert {f.bidirectional for f in result.findings if f.instance == server} == {False}


def _judged_reply() -> tuple[Network, str]:
    """A public instance whose subnet routes everything to a firewall appliance in another subnet
    that routes to the internet gateway: the reply crosses the appliance untracked, and the
    appliance's group judges it as new traffic, by the client's port (partly allowed here)."""
    net = Network(seed="untracked")
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    servers = net.create_subnet(vpc, "10.0.1.0/24")
    edge = net.create_subnet(vpc, "10.0.2.0/24")
    web = net.create_security_group(vpc, "web")
    net.authorize_security_group_ingress(web, ip_protocol="tcp", port=22, cidr_ipv4="0.0.0.0/0")
    net.authorize_security_group_ingress(
        web, ip_protocol="udp", from_port=1000, to_port=1999, cidr_ipv4="0.0.0.0/0"
    )
    net.authorize_security_group_ingress(
        web, ip_protocol="icmp", from_port=8, to_port=-1, cidr_ipv4="0.0.0.0/0"
    )
    fw = net.create_security_group(vpc, "firewall")
    net.authorize_security_group_ingress(
        fw, ip_protocol="tcp", from_port=0, to_port=40000, cidr_ipv4="10.0.0.0/16"
    )
    net.authorize_security_group_ingress(
        fw, ip_protocol="udp", from_port=50000, to_port=65535, cidr_ipv4="10.0.1.0/24"
    )
    appliance = net.run_instance(edge, groups=[fw], source_dest_check=False)
    server = net.run_instance(servers, groups=[web], associate_public_ip_address=True)
    to_fw = net.create_route_table(vpc)
    net.associate_route_table(to_fw, servers)
    net.create_route(to_fw, "0.0.0.0/0", appliance.instance_id)
    out = net.create_route_table(vpc)
    net.associate_route_table(out, edge)
    net.create_route(out, "0.0.0.0/0", igw.internet_gateway_id)
    return net, server.instance_id


def test_a_reply_judged_by_an_untracked_middleboxs_groups_agrees_with_tracing() -> None:
    net, server = _judged_reply()
    bulk = Bulk(net)
    eni = next(e for e in bulk.c.enis.values() if e.instance_id == server)
    (public,) = eni.public_of.values()
    host = Host(public, eni.eni_id)
    ic = bulk.internet_class(host, internet_is_source=True)
    assert any(sk.untracked_reply and not sk.return_blocked for _, sks in ic.contexts for sk in sks.values())
    traced = bulk.traced
    got = _entries(bulk, host, local=True)
    assert bulk.traced == traced  # judged filter by filter, not by tracing every atom
    builders = {k: EntryBuilder(bulk.space) for k in ("allowed", "one_way", "partial", "unknown")}
    for piece, _ in bulk.internet(host, internet_is_source=True):
        rep = bulk.universe.index.first_in(*piece[0])
        assert rep is not None
        add_outcome(builders, naive_outcome(net, bulk.space, rep, public, None), piece, ((0, 0),))
    expected = {k: set(b.build(bulk.universe.index, None)) for k, b in builders.items()}
    assert got == expected
    assert got["partial"] and got["one_way"]
