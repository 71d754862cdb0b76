"""Build a :class:`~vpcsim.model.Network` from a checked :class:`NetworkSpec`.

Why a builder of its own: the spec names things (``route_table: public``), the model holds ids.
This module registers every key first (so references may point forward in the file), then
creates resources in dependency order through the model's EC2-like builder methods -- which
create AWS's implicit resources: a VPC's main route table, default network ACL and default
security group, an instance's primary ENI. It records, for every resource id and model field,
the key path that produced it, so that a problem found later (by :func:`vpcsim.model.validate`)
still points at ``file:line:column``.

Problems are collected, not raised one by one: a user fixing a file wants every dangling name at
once. Nothing half-built leaves this module: any problem raises :class:`InputError`.

The builder is split by family of resources, like the AWS and Terraform readers:
:mod:`.spec_build_base` (names, ids, key paths, addresses), :mod:`.spec_build_network`,
:mod:`.spec_build_security` and :mod:`.spec_build_compute`; this module puts them in order.
"""

from __future__ import annotations

from ..model import UnknownResource
from .problems import InputError
from .spec_build_compute import ComputeBuilders
from .spec_build_elb import ElbBuilders
from .spec_build_network import NetworkBuilders
from .spec_build_security import SecurityBuilders
from .spec_build_transit import TransitBuilders
from .spec_schema import VpcSpec
from .spec_yaml import Path


class SpecBuilder(NetworkBuilders, SecurityBuilders, ComputeBuilders, TransitBuilders, ElbBuilders):
    """One load: names -> ids, then resources in dependency order, then where each came from."""

    complete = False

    def build(self) -> None:
        self.register()
        self.reserve_addresses()
        if any(p.code in ("VPCSIM_SPEC_ID", "InvalidParameterValue") for p in self.problems):
            raise InputError(self.problems)  # ids are broken: nothing can be built on them
        self.build_prefix_lists()
        for key, vpc in self.spec.vpcs.items():
            self.build_vpc(key, vpc)
        self.build_internet_gateways()
        self.build_vpn_and_transit_gateways()
        self.build_elastic_ips()
        for key, vpc in self.spec.vpcs.items():
            self.build_vpc_contents(key, vpc)
        for key, vpc in self.spec.vpcs.items():
            self.build_nat_gateways(key, vpc)
        for key, vpc in self.spec.vpcs.items():
            self.build_interfaces(key, vpc)
        for key, vpc in self.spec.vpcs.items():
            self.build_instances(key, vpc)
            self.interface_states(key, vpc)
        self.build_peering_connections()
        self.build_transit_gateways()
        for key, vpc in self.spec.vpcs.items():
            self.build_security_group_rules(key, vpc)
            self.build_routes(key, vpc)
            self.build_endpoints(key, vpc)
        self.build_outside_target_groups()
        for key, vpc in self.spec.vpcs.items():
            self.build_load_balancers(key, vpc)
        self.build_unknown_resources()
        self.complete = True  # every resource built but those with a problem: validate() can run
        if self.problems:
            raise InputError(self.problems)

    def build_vpc_contents(self, vkey: str, spec: VpcSpec) -> None:
        """Subnets, route tables, network ACLs, groups (without rules), egress-only gateways."""
        self.build_subnets(vkey, spec)
        self.build_route_tables(vkey, spec)
        self.build_network_acls(vkey, spec)
        self.build_security_groups(vkey, spec)
        self.build_egress_only_gateways(vkey, spec)
        self.associate_subnets(vkey, spec)

    def build_unknown_resources(self) -> None:
        for key, item in self.spec.unknown_resources.items():
            path: Path = ("unknown_resources", key)
            with self.model_errors(path):
                self.net.add(
                    UnknownResource(
                        resource_id=key,
                        resource_type=item.type,
                        reason=item.reason,
                        referenced_by=list(item.referenced_by),
                        tags=dict(item.tags),
                        **self.scope_of(item.account, item.region),
                    )
                )
            self.record(key, path)
