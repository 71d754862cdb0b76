"""Built-in example networks: YAML specs that tell the tutorial's story (``vpcsim demo``).

Each is a spec file of this package (``docs/spec.md``); load one with ``vpcsim.load(name)``.
The order of :data:`EXAMPLES` is the story's.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

#: Name -> what it shows, in the tutorial's order.
EXAMPLES: dict[str, str] = {
    "default-vpc": "the default VPC of a region (172.31.0.0/16, three default subnets, an internet "
    "gateway) with two instances behind the launch wizard's SSH-only group",
    "custom-vpc": 'the tutorial\'s custom VPC ("VPC and more"): two public subnets in two AZs, an internet '
    "gateway, two instances whose group allows all inbound traffic",
    "bastion-nat": "public and private subnets: a bastion host in the public one, an app instance in the "
    "private one reaching the internet through a NAT gateway",
    "web-server": "the two-security-group web server: `internal` (SSH, members talk) on both instances, "
    "`web` (HTTP/HTTPS in and out) on `web` only",
    "transit-hub": "after the tutorial: three VPCs on a transit gateway with two route tables; private "
    "application instances in two zones, a database, an administrators' tools host",
    "dual-stack": "the bastion-and-NAT network with IPv6: ::/0 to the internet gateway from the public "
    "subnet, to an egress-only internet gateway from the private one",
}


def example_file(name: str) -> Traversable:
    """The spec file of example ``name`` (a key of :data:`EXAMPLES`); KeyError if there is none."""
    if name not in EXAMPLES:
        raise KeyError(name)
    return resources.files(__name__).joinpath(f"{name}.yaml")
