"""Subnets and security groups as the ends of ``reach`` and ``trace``, and sources nothing sends from.

* A subnet or a security group (id, Name tag, group name) as a ``reach`` end stands for every ENI
  in it (a NAT gateway's ENI and the other ENIs AWS manages for a service excepted, as in
  policies): its hosts are the union of its ENIs' own.
  That is checked for every subnet and group of every built-in example and of generated networks.
* ``trace`` needs one ENI: a subnet or group holding exactly one stands for it, any other is an
  error listing the candidates.
* A bare address that no ENI holds and that is not an internet address is refused as a source by
  both (``internet:IP`` says "an outside host" explicitly); as a destination it stays a bare
  address, reported unreachable.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from tests.support.builders import public_private_vpc

import vpcsim
from vpcsim.analysis.endpoints import (
    group_enis,
    group_of,
    require_sender,
    resolve_destination,
    resolve_source,
    single_eni,
)
from vpcsim.engine.flow import EndpointError
from vpcsim.examples import EXAMPLES
from vpcsim.formats.loader import load_example
from vpcsim.model import Network
from vpcsim.model.addressing import managed_interface
from vpcsim.testing import PRESETS
from vpcsim.testing.strategies import networks


def _groups(network: Network) -> list[str]:
    return sorted(network.subnets) + sorted(network.security_groups)


def _check_union(network: Network) -> None:
    nat_enis = {g.network_interface_id for g in network.nat_gateways.values()}
    for ref in _groups(network):
        group = group_of(network, ref)
        assert group is not None and group.id == ref
        enis = [e.network_interface_id for e in group_enis(network, group)]
        assert not set(enis) & nat_enis
        expected_inside = sorted(
            e.network_interface_id
            for e in network.network_interfaces.values()
            if e.network_interface_id not in nat_enis
            and managed_interface(e.interface_type, e.description) is None
            and (e.subnet_id == ref or ref in e.groups)
        )
        assert enis == expected_inside
        if not enis:
            with pytest.raises(EndpointError, match="without a network interface"):
                resolve_source(network, ref)
            continue
        side = resolve_source(network, ref)
        union = [h for eni in enis for h in resolve_source(network, eni).hosts]
        assert sorted(side.hosts, key=repr) == sorted(union, key=repr)
        for from_internet in (False, True):
            dst = resolve_destination(network, ref, from_internet=from_internet)
            per_eni = [
                h
                for eni in enis
                for h in resolve_destination(network, eni, from_internet=from_internet).hosts
            ]
            assert sorted(dst.hosts, key=repr) == sorted(per_eni, key=repr)
        if len(enis) == 1:
            assert single_eni(network, ref) == enis[0]
        else:
            with pytest.raises(EndpointError) as caught:
                single_eni(network, ref)
            assert [c.split()[0] for c in caught.value.candidates] == enis


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_subnet_or_group_is_every_eni_in_it(example: str) -> None:
    _check_union(load_example(example).network)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(networks(PRESETS["small"]))
def test_a_subnet_or_group_is_every_eni_in_it_on_generated_networks(network: Network) -> None:
    _check_union(network)


def test_names_resolve_to_subnets_and_groups() -> None:
    network = load_example("bastion-nat").network
    public = group_of(network, "public")
    assert public is not None and public.id in network.subnets
    group = next(iter(g for g in network.security_groups.values() if g.group_name != "default"))
    assert group_of(network, group.group_name) == group
    assert group_of(network, "bastion") is None  # an instance's Name tag: the engine's rule


def test_a_source_nothing_sends_from_is_refused() -> None:
    network = load_example("bastion-nat").network
    for address in ("10.9.9.9", "192.168.1.1", "100.64.0.1", "0.0.0.0"):
        with pytest.raises(EndpointError, match=f"internet:{address}"):
            resolve_source(network, address)
        with pytest.raises(EndpointError):
            require_sender(network, address)
        assert resolve_destination(network, address, from_internet=False).hosts[0].eni_id is None
    require_sender(network, "internet:10.9.9.9")  # explicit: an outside host
    require_sender(network, "10.0.2.20")  # held by app
    require_sender(network, "8.8.8.8")  # an internet host
    assert resolve_source(network, "8.8.8.8").on_internet


@pytest.mark.parametrize("ref", ["internet", "internet:8.8.8.8"])
def test_internet_is_the_keyword_even_when_a_group_is_named_so(ref: str) -> None:
    p = public_private_vpc()
    p.bastion_sg.group_name = "internet"
    p.net.touch()
    assert group_of(p.net, ref) is None
    assert single_eni(p.net, ref) is None
    flow = vpcsim.make_flow(p.net, ref, "bastion", protocol="tcp", port=22)
    assert vpcsim.trace(p.net, flow).reachable
