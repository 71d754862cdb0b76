"""Every export format gives back the network it was given (a class the fuzz campaign found: export round
trips that lost or altered data).

For every network vpcsim reads -- the AWS and Terraform fixtures, the built-in examples, and
generated networks of every generator preset -- writing it as a YAML spec (``export --to yaml``)
or as an AWS ``describe-*`` folder (``export --to aws``) and reading that back gives the same
network, field by field (lists whose order AWS ignores compared as sets). The one exception is
the Terraform reader's bookkeeping tags (``vpcsim:terraform_address``, ``vpcsim:unknown_address``):
where in the plan a resource was read, which an exported file is not.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from fuzz.roundtrip import differences, snapshot
from hypothesis import HealthCheck, given, settings
from tests.support.paths import FIXTURES

from vpcsim.examples import EXAMPLES, example_file
from vpcsim.formats.aws import export_aws, load_aws
from vpcsim.formats.loader import load_network
from vpcsim.formats.spec import dump_spec, load_spec
from vpcsim.model import Network
from vpcsim.testing import PRESETS
from vpcsim.testing.strategies import networks


def through_yaml(network: Network) -> Network:
    return load_spec(dump_spec(network), filename="exported.yaml").network


def through_aws(network: Network) -> Network:
    with tempfile.TemporaryDirectory(prefix="vpcsim-round-trip-") as folder:
        export_aws(network, Path(folder))
        result = load_aws(Path(folder))
    assert [str(p) for p in result.warnings if p.severity == "error"] == []
    return result.network


FORMATS = {"yaml": through_yaml, "aws": through_aws}

INPUTS = sorted(
    [str(p.relative_to(FIXTURES)) for p in (FIXTURES / "aws").iterdir() if p.is_dir()]
    + [str(p.relative_to(FIXTURES)) for p in (FIXTURES / "terraform").glob("*.json")]
)


@pytest.mark.parametrize("export", sorted(FORMATS))
@pytest.mark.parametrize("source", INPUTS)
def test_imported_networks_round_trip(source: str, export: str) -> None:
    network = load_network(FIXTURES / source).network
    back = FORMATS[export](network)
    assert differences(snapshot(network), snapshot(back)) == []


@pytest.mark.parametrize("export", sorted(FORMATS))
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_examples_round_trip(example: str, export: str) -> None:
    network = load_spec(example_file(example).read_text(encoding="utf-8"), filename="x.yaml").network
    back = FORMATS[export](network)
    assert differences(snapshot(network), snapshot(back)) == []


@pytest.mark.parametrize("export", sorted(FORMATS))
@pytest.mark.parametrize("preset", ["small", "transit-small", "small-elb", "dual-stack-small"])
def test_generated_networks_round_trip_through_every_format(preset: str, export: str) -> None:
    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(networks(PRESETS[preset]))
    def check(network: Network) -> None:
        # what a reader gives back (ids, defaults, derived fields settled) is the fixed point
        first = through_yaml(network)
        back = FORMATS[export](first)
        assert differences(snapshot(first), snapshot(back)) == []

    check()


def test_a_transit_gateway_peer_outside_the_file_round_trips() -> None:
    """A peering attachment to a gateway of another region or account (absent from the input):
    the spec names the peer by its id, as the AWS and Terraform readers hold it."""
    network = load_network(FIXTURES / "terraform" / "state_transit.json").network
    peers = [a for a in network.transit_gateway_attachments.values() if a.resource_type == "peering"]
    assert peers and all(a.peer_transit_gateway_id not in network.transit_gateways for a in peers)
    back = through_yaml(network)
    for attachment in peers:
        again = back.transit_gateway_attachments[attachment.transit_gateway_attachment_id]
        assert again.peer_transit_gateway_id == attachment.peer_transit_gateway_id
        assert (again.peer_region, again.peer_owner_id) == (attachment.peer_region, attachment.peer_owner_id)


@pytest.mark.parametrize(
    "fixture", ["test-transit-gateway", "test-vpc-endpoint-gateway", "test-load-balancer"]
)
def test_interfaces_of_instances_absent_from_a_partial_dump_keep_their_attachment(
    fixture: str, tmp_path: Path
) -> None:
    """Found by the campaign (``export-loses-data``): without ``Reservations.json`` the ENIs
    stay attached to instances the dump does not describe, and Elastic IPs associated with them
    name those instances; the spec writes the attachment with the instance's id."""
    source = next((FIXTURES / "aws" / fixture).rglob("Vpcs.json")).parent
    folder = tmp_path / "aws"
    shutil.copytree(source, folder)
    (folder / "Reservations.json").unlink()
    network = load_network(folder).network
    outside = [
        e
        for e in network.network_interfaces.values()
        if e.attachment and e.attachment.instance_id and e.attachment.instance_id not in network.instances
    ]
    assert outside
    back = through_yaml(network)
    assert differences(snapshot(network), snapshot(back)) == []


def test_an_elastic_ip_associated_with_an_interface_absent_from_a_partial_dump_keeps_it() -> None:
    """Found by the campaign: ``Addresses.json`` read alone, the association (interface,
    private address, instance) was dropped from the spec; it is written by id."""
    file = next((FIXTURES / "aws" / "test-transit-gateway").rglob("Addresses.json"))
    network = load_network(file).network
    associated = [a for a in network.addresses.values() if a.network_interface_id]
    assert associated and all(a.network_interface_id not in network.network_interfaces for a in associated)
    back = through_yaml(network)
    assert differences(snapshot(network), snapshot(back)) == []


@pytest.mark.parametrize("missing", ["LoadBalancers.json", "LoadBalancerListeners.json"])
def test_a_target_group_keeps_load_balancers_a_partial_dump_does_not_link(
    missing: str, tmp_path: Path
) -> None:
    """Found by the campaign: the load balancer (or its listeners) absent, the target group's
    ``LoadBalancerArns`` were dropped from the spec; they are written as ``load_balancer_arns``."""
    source = next((FIXTURES / "aws" / "test-load-balancer").rglob("Vpcs.json")).parent
    folder = tmp_path / "aws"
    shutil.copytree(source, folder)
    (folder / missing).unlink()
    network = load_network(folder).network
    assert any(tg.load_balancer_arns for tg in network.target_groups.values())
    back = through_yaml(network)
    assert differences(snapshot(network), snapshot(back)) == []


def test_every_file_missing_from_a_dump_round_trips_but_the_open_classes(tmp_path: Path) -> None:
    """Every AWS fixture without each of its files, exported as a spec: read back the same, or
    refused by ``export`` (a spec holds interfaces inside their subnet, subnets inside their
    VPC); the classes still open (docs/fuzzing.md: a transit gateway or its route tables, a VPC's
    default security group absent) are the only differences."""
    from vpcsim.formats.problems import InputError
    from vpcsim.formats.spec_dump import SpecDumpError

    open_classes = (".transit_gateway", ".security_groups.")
    failures: list[str] = []
    for fixture in sorted(p for p in (FIXTURES / "aws").iterdir() if p.is_dir()):
        source = next(fixture.rglob("Vpcs.json")).parent
        for file in sorted(source.glob("*.json")):
            folder = tmp_path / fixture.name / file.stem
            shutil.copytree(source, folder)
            (folder / file.name).unlink()
            try:
                network = load_network(folder).network
            except InputError:
                continue  # an impossible network without it (no default ACL...): refused, located
            try:
                back = through_yaml(network)
            except SpecDumpError:
                continue
            found = differences(snapshot(network), snapshot(back))
            failures += [
                f"{fixture.name} - {file.name}: {d}" for d in found if not d.startswith(open_classes)
            ]
    assert failures == []
