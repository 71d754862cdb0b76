"""Turn AWS ``describe-*`` JSON documents into a :class:`~vpcsim.model.Network`.

Why it is shaped this way:

* **The top-level key decides.** Each document is a JSON object whose keys are what the AWS
  CLI / boto3 returned (``Vpcs``, ``Subnets``, ``Reservations``...). Keys the model covers are
  read; keys it does not (``VpnConnections``, ``DhcpOptions``...) are counted in
  ``LoadResult.skipped``; nothing is dropped without a word.
* **Order does not matter.** Whatever the order of files, steps that need other resources
  (rules of ``SecurityGroupRules`` merged into their groups, instance ENIs created only when no
  ``NetworkInterfaces`` document has them, Elastic IPs applied to ENIs, references checked) run in
  :meth:`AwsImporter.finish`, once everything has been read.
* **Lenient, never wrong in silence.** A reference to something absent from the dump (a route to
  a NAT gateway, a rule naming a group of another account, an ENI's subnet) becomes an
  :class:`~vpcsim.model.UnknownResource` plus a warning with file and JSON path, so a trace that
  crosses it answers ``unknown``. A value that cannot be used (wrong type, out of range) drops
  the smallest enclosing object (a rule, a route, an ENI) and is reported as an error with its
  path; the rest goes on.
* **Fast.** Objects are built straight into the network's collections, fields read with small
  typed helpers; JSON paths are only formatted when there is something to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Network,
    VpcPeeringConnection,
)
from ..model.network import COLLECTIONS
from .aws_fields import Bad, type_name
from .aws_import_base import UNSET, Scope
from .aws_read_compute import ComputeReaders
from .aws_read_elb import ELB_KEYS, ElbReaders
from .aws_read_network import NetworkReaders
from .aws_read_security import SecurityReaders
from .aws_read_transit import TransitReaders
from .aws_references import ReferenceChecks
from .problems import LoadResult

__all__ = ["ENVELOPE", "KEY_RANK", "NOT_MODELLED", "READ_ORDER", "UNSET", "AwsImporter", "Scope"]

#: Keys the model reads, in the order that is cheapest to process (referenced before referencing).
READ_ORDER = (
    "Vpcs",
    "Subnets",
    "InternetGateways",
    "EgressOnlyInternetGateways",
    "VpnGateways",
    "TransitGateways",
    "TransitGatewayRouteTables",
    "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments",
    "TransitGatewayPeeringAttachments",
    "TransitGatewayRouteTableAssociations",
    "TransitGatewayPropagations",
    "TransitGatewayStaticRoutes",
    "TransitGatewayRoutes",
    "PrefixLists",
    "ManagedPrefixLists",
    "ManagedPrefixListEntries",
    "SecurityGroups",
    "SecurityGroupRules",
    "NetworkAcls",
    "RouteTables",
    "NatGateways",
    "VpcPeeringConnections",
    "VpcEndpoints",
    "NetworkInterfaces",
    "Reservations",
    "Addresses",
    *ELB_KEYS,
)
KEY_RANK = {key: rank for rank, key in enumerate(READ_ORDER)}

#: Listings of the account's context, not resources: read where useful (a zone names the region),
#: never "skipped" -- nothing in them carries traffic.
CONTEXT_ONLY = frozenset({"AvailabilityZones", "Regions"})

#: Keys AWS tools write that the model does not cover (yet): counted in ``skipped``, no warning.
NOT_MODELLED = frozenset(
    {
        "AvailabilityZones",
        "CustomerGateways",
        "VpnConnections",
        "TargetHealthDescriptions",
        "ServiceDetails",
        "ServiceNames",
        "DBInstances",
        "DomainStatusList",
        "TransitGatewayConnects",
        "TransitGatewayMulticastDomains",
        "DhcpOptions",
        "FlowLogs",
        "NetworkInterfacePermissions",
        "LocalGatewayRouteTables",
        "CarrierGateways",
        "ClientVpnEndpoints",
        "NetworkFirewalls",
        "Regions",
        "KeyPairs",
        "Images",
        "Volumes",
    }
)
#: Keys of the API envelope, not data.
ENVELOPE = frozenset({"ResponseMetadata", "NextToken", "Marker", "NextMarker"})


class AwsImporter(
    NetworkReaders, SecurityReaders, ComputeReaders, ElbReaders, ReferenceChecks, TransitReaders
):
    """Reads documents one at a time (:meth:`read`), then completes the network (:meth:`finish`)."""

    def __init__(self, network: Network | None = None) -> None:
        super().__init__(network)
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "Vpcs": self._vpc,
            "Subnets": self._subnet,
            "InternetGateways": self._internet_gateway,
            "EgressOnlyInternetGateways": self._egress_only_internet_gateway,
            "VpnGateways": self._vpn_gateway,
            "PrefixLists": self._prefix_list,
            "ManagedPrefixLists": self._managed_prefix_list,
            "ManagedPrefixListEntries": self._managed_prefix_list_entries,
            "SecurityGroups": self._security_group,
            "SecurityGroupRules": self._security_group_rule,
            "NetworkAcls": self._network_acl,
            "RouteTables": self._route_table,
            "NatGateways": self._nat_gateway,
            "VpcPeeringConnections": self._vpc_peering_connection,
            "VpcEndpoints": self._vpc_endpoint,
            "NetworkInterfaces": self._network_interface,
            "Reservations": self._reservation,
            "Addresses": self._address,
            **self.transit_handlers(),
            "LoadBalancers": self._load_balancer,
            "LoadBalancerDescriptions": self._classic_load_balancer,
            "TargetGroups": self._target_group,
            "Listeners": self._listeners,
            "LoadBalancerListeners": self._load_balancer_listeners,
            "LoadBalancerTargetHealth": self._target_health,
            "LoadBalancerAttributes": self._load_balancer_attributes,
            "TargetGroupAttributes": self._target_group_attributes,
            "ListenerRules": self._listener_rules,
            "Rules": self._rules,
        }

    def read(self, source: str, document: object, scope: Scope) -> None:
        """Read one parsed document (the content of one file)."""
        if scope not in self.scopes:
            self.scopes.append(scope)
        scope.sources.append(source)
        if type(document) is not dict:
            self.report(
                "error",
                "VPCSIM_WRONG_TYPE",
                f"expected a JSON object keyed by describe-* result (Vpcs, Subnets...), not {type_name(document)}; "
                "the file was not read",
                source,
                "$",
            )
            return
        keys = sorted(document, key=lambda k: KEY_RANK.get(k, len(KEY_RANK)))
        for key in keys:
            self.read_key(source, key, document[key], scope)

    def read_key(self, source: str, key: str, value: object, scope: Scope) -> None:
        if key in ENVELOPE:
            return
        handler = self._handlers.get(key)
        if handler is None:
            count = len(value) if isinstance(value, list | dict) else 1
            if count and key not in CONTEXT_ONLY:
                self._skip(key, count)  # an empty listing skips nothing
            if key in NOT_MODELLED:
                self.recognised += 1
                if key == "AvailabilityZones" and scope.region is None and type(value) is list:
                    for zone in value:
                        if type(zone) is dict and type(zone.get("RegionName")) is str:
                            scope.region = zone["RegionName"]
                            break
            else:
                self.report(
                    "warning",
                    "VPCSIM_UNKNOWN_KEY",
                    f"top-level key {key!r} is not an AWS describe-* result vpcsim knows; skipped",
                    source,
                    f"$.{key}",
                )
            return
        self.recognised += 1
        if type(value) is not list:
            self.report(
                "error",
                "VPCSIM_WRONG_TYPE",
                f"{key} must be a list, not {type_name(value)}; not read",
                source,
                f"$.{key}",
            )
            return
        self._src, self._key, self._scope = source, key, scope
        for index, item in enumerate(value):
            self._index = index
            if type(item) is not dict:
                self._error("", f"an item of {key} must be an object, not {type_name(item)}; left out")
                continue
            try:
                handler(item)
            except Bad as bad:
                self._error(bad.path, f"{bad.message}; this item of {key} was left out", bad.code)
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                self._error("", f"unreadable item of {key} ({exc}); left out")

    def finish(self) -> None:
        """Everything that needs all documents read: placement, merges, implied resources, references."""
        self._place()
        self._apply_prefix_list_entries()
        self._merge_security_group_rules()
        self._apply_transit()
        self._create_instance_enis()
        self._apply_addresses()
        self._create_nat_gateway_enis()
        self._link_endpoint_prefix_lists()
        self._complete_network_acls()
        self._apply_load_balancers()
        self._set_network_scope()
        self._check_references()
        self._create_unknowns()

    def _place(self) -> None:
        for scope in self.scopes:
            if scope.unplaced and scope.region is None:
                self.report(
                    "warning",
                    "VPCSIM_REGION_ASSUMED",
                    f"no region in folder names or data; assumed {DEFAULT_REGION}",
                    scope.sources[0] if scope.sources else None,
                )
            region = scope.region or DEFAULT_REGION
            account = scope.account or DEFAULT_ACCOUNT
            for resource in scope.unplaced:
                if resource.region is UNSET:
                    resource.region = region
                if resource.owner_id is UNSET:
                    resource.owner_id = account
                if isinstance(resource, VpcPeeringConnection):
                    for side in (resource.requester, resource.accepter):
                        if side.region is UNSET:
                            side.region = region
                        if side.owner_id is UNSET:
                            side.owner_id = account
            scope.unplaced.clear()

    def _set_network_scope(self) -> None:
        for scope in self.scopes:
            if scope.account:
                self.network.account = scope.account
                break
        for scope in self.scopes:
            if scope.region:
                self.network.region = scope.region
                break

    def result(self) -> LoadResult:
        counts = {name: len(getattr(self.network, name)) for name in COLLECTIONS.values()}
        return LoadResult(
            network=self.network,
            format="aws",
            warnings=self.problems,
            skipped=dict(self.skipped),
            counts={name: count for name, count in counts.items() if count},
            locate=self.location_of,
        )
