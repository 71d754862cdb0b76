"""Reachability Analyzer's shapes over vpcsim's engine: a ``NetworkInsightsPath`` becomes a
:class:`~vpcsim.engine.flow.Flow`, and a :class:`~vpcsim.engine.result.Trace` becomes a
``NetworkInsightsAnalysis``'s answer (``NetworkPathFound``, ``Explanations``,
``ForwardPathComponents``, ``ReturnPathComponents``).

Why a module of its own: the server answers ``StartNetworkInsightsAnalysis`` with the engine's
own trace, and only the *reading* differs -- the hops and steps of a trace are what AWS calls
path components, and each blocker is an explanation. Nothing here decides reachability: every
verdict, code and rule comes from the trace; this module only names the AWS resources the trace
mentions (ids, ARNs, the rule or route a step matched) in the shapes of botocore's EC2 model
(``PathComponent``, ``Explanation``, ``AnalysisSecurityGroupRule``, ``AnalysisAclRule``,
``AnalysisRouteTableRoute``, ``AnalysisPacketHeader``).

Choices where AWS's pages are silent or vpcsim's model differs:

* A path without ``DestinationPort`` (or without ``Protocol``) asks whether *any* such flow gets
  through: :func:`flow_for_path` takes the first flow :func:`vpcsim.reach` allows within the
  path's filters, else the lowest one, whose trace then explains the failure.
* The client's source ports are vpcsim's default (Linux's ephemeral range) unless the path's
  ``FilterAtSource.SourcePortRange`` names them: every port of the range must work, as with
  ``vpcsim trace``.
* A verdict ``unknown`` (the path crosses what is not modelled) is ``NetworkPathFound: false``
  with a ``WarningMessage`` naming the codes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._api import flow_between, reach
from ..engine import EndpointError, Flow, Trace
from ..engine.filters import STAR_RULE
from ..engine.result import Blocker, Header, Hop, Step
from ..model import DEFAULT_ACCOUNT, DEFAULT_REGION, Network, protocol_number
from ..model.resources import NetworkAcl, NetworkAclEntry, Route, RouteTable, SecurityGroup, SecurityGroupRule

Shape = dict[str, Any]

#: Id prefix -> the resource type in an EC2 ARN (longest prefixes first where they overlap).
ARN_TYPES: tuple[tuple[str, str], ...] = (
    ("tgw-attach-", "transit-gateway-attachment"),
    ("tgw-rtb-", "transit-gateway-route-table"),
    ("tgw-", "transit-gateway"),
    ("vpce-", "vpc-endpoint"),
    ("vpc-", "vpc"),
    ("subnet-", "subnet"),
    ("eni-", "network-interface"),
    ("i-", "instance"),
    ("sgr-", "security-group-rule"),
    ("sg-", "security-group"),
    ("acl-", "network-acl"),
    ("rtb-", "route-table"),
    ("igw-", "internet-gateway"),
    ("eigw-", "egress-only-internet-gateway"),
    ("nat-", "natgateway"),
    ("pcx-", "vpc-peering-connection"),
    ("vgw-", "vpn-gateway"),
    ("pl-", "prefix-list"),
    ("eipalloc-", "elastic-ip"),
    ("nip-", "network-insights-path"),
    ("nia-", "network-insights-analysis"),
)

#: Explanation field that names a component, by id prefix (``Explanation`` in the EC2 model).
EXPLANATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("tgw-attach-", "TransitGatewayAttachment"),
    ("tgw-rtb-", "TransitGatewayRouteTable"),
    ("tgw-", "TransitGateway"),
    ("vpce-", "VpcEndpoint"),
    ("vpc-", "Vpc"),
    ("subnet-", "Subnet"),
    ("eni-", "NetworkInterface"),
    ("sg-", "SecurityGroup"),
    ("acl-", "Acl"),
    ("rtb-", "RouteTable"),
    ("igw-", "InternetGateway"),
    ("nat-", "NatGateway"),
    ("pcx-", "VpcPeeringConnection"),
    ("vgw-", "VpnGateway"),
    ("pl-", "PrefixList"),
)

#: What a path's ``Source`` may be for vpcsim (an instance or ENI sends; an internet gateway
#: stands for the internet) -- the other sources AWS accepts are not modelled as senders.
SENDER_PREFIXES = ("i-", "eni-", "igw-")
RECEIVER_PREFIXES = ("i-", "eni-", "igw-")


class PathError(ValueError):
    """A path vpcsim cannot turn into a flow; ``code`` is the EC2 error code to answer with."""

    def __init__(self, message: str, code: str = "InvalidParameterValue") -> None:
        super().__init__(message)
        self.code = code


def _prefixed(resource_id: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for prefix, value in table:
        if resource_id.startswith(prefix):
            return value
    return None


def arn(resource_id: str, *, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> str | None:
    """The EC2 ARN of ``resource_id`` (None for what has no ARN, e.g. ``local``)."""
    kind = _prefixed(resource_id, ARN_TYPES)
    if kind is None:
        return None
    return f"arn:aws:ec2:{region}:{account}:{kind}/{resource_id}"


@dataclass(frozen=True, slots=True)
class Namer:
    """Names the resources of one network as ``AnalysisComponent`` shapes: the id, the ARN
    in the resource's own account and region, and its ``Name`` tag."""

    network: Network
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION

    def component(self, resource_id: str) -> Shape:
        resource = self.network.get(resource_id)
        account = resource.owner_id if resource is not None else self.account
        region = resource.region if resource is not None else self.region
        shape: Shape = {"Id": resource_id}
        found = arn(resource_id, account=account, region=region)
        if found is not None:
            shape["Arn"] = found
        if resource is not None and resource.name:
            shape["Name"] = resource.name
        return shape


# ------------------------------------------------------------------------------ rules


def _port_range(low: int | None, high: int | None) -> Shape | None:
    if low is None and high is None:
        return None
    return {
        "From": 0 if low is None or low == -1 else low,
        "To": 65535 if high is None or high == -1 else high,
    }


def _protocol_word(protocol: str | int) -> str:
    """``all`` for -1, else the name AWS writes in analysis rules (``tcp``) or the number."""
    number = protocol_number(protocol)
    return {-1: "all", 6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}.get(number, str(number))


def security_group_rule_shape(rule: SecurityGroupRule, *, egress: bool) -> Shape:
    """``AnalysisSecurityGroupRule``: the rule's peer (CIDR, referenced group or prefix list),
    direction, protocol and ports."""
    shape: Shape = {
        "Direction": "egress" if egress else "ingress",
        "Protocol": _protocol_word(rule.ip_protocol),
    }
    if rule.cidr_ipv4 or rule.cidr_ipv6:
        shape["Cidr"] = rule.cidr_ipv4 or rule.cidr_ipv6
    if rule.referenced_group_id:
        shape["SecurityGroupId"] = rule.referenced_group_id
    if rule.prefix_list_id:
        shape["PrefixListId"] = rule.prefix_list_id
    if protocol_number(rule.ip_protocol) in (6, 17):
        ports = _port_range(rule.from_port, rule.to_port)
        shape["PortRange"] = ports or {"From": 0, "To": 65535}
    return shape


def acl_rule_shape(entry: NetworkAclEntry) -> Shape:
    """``AnalysisAclRule``: number, action, direction, CIDR, protocol and ports."""
    shape: Shape = {
        "Cidr": entry.cidr_block or entry.ipv6_cidr_block,
        "Egress": entry.egress,
        "Protocol": _protocol_word(entry.protocol),
        "RuleAction": entry.rule_action,
        "RuleNumber": entry.rule_number,
    }
    if entry.port_range is not None:
        shape["PortRange"] = {"From": entry.port_range[0], "To": entry.port_range[1]}
    return shape


_ROUTE_TARGETS = (
    ("gateway_id", "GatewayId"),
    ("nat_gateway_id", "NatGatewayId"),
    ("network_interface_id", "NetworkInterfaceId"),
    ("instance_id", "InstanceId"),
    ("vpc_peering_connection_id", "VpcPeeringConnectionId"),
    ("transit_gateway_id", "TransitGatewayId"),
    ("egress_only_internet_gateway_id", "EgressOnlyInternetGatewayId"),
)


def route_shape(route: Route) -> Shape:
    """``AnalysisRouteTableRoute``: destination, target, origin (lower case, as AWS writes it
    in analyses) and state."""
    shape: Shape = {}
    if route.destination_prefix_list_id:
        shape["DestinationPrefixListId"] = route.destination_prefix_list_id
    else:
        shape["DestinationCidr"] = route.destination_cidr_block or route.destination_ipv6_cidr_block
    for attribute, name in _ROUTE_TARGETS:
        value = getattr(route, attribute)
        if value:
            shape[name] = value
    shape["Origin"] = route.origin.lower()
    shape["State"] = route.state
    return shape


def _find_sg_rule(network: Network, group_id: str, label: str) -> tuple[SecurityGroupRule, bool] | None:
    """The rule a step's label names: its ``sgr-`` id, or ``GROUP ingress[i]``/``egress[i]``."""
    group = network.security_groups.get(group_id)
    if group is None:
        return None
    if label.startswith("sgr-"):
        for egress, rules in ((False, group.ingress), (True, group.egress)):
            for rule in rules:
                if rule.security_group_rule_id == label:
                    return rule, egress
        return None
    _, _, where = label.partition(" ")
    direction, _, index_text = where.partition("[")
    try:
        index = int(index_text.rstrip("]"))
    except ValueError:
        return None
    rules = group.egress if direction == "egress" else group.ingress
    if 0 <= index < len(rules):
        return rules[index], direction == "egress"
    return None


def _find_acl_entry(acl: NetworkAcl, rule: str, *, egress: bool) -> NetworkAclEntry | None:
    number = STAR_RULE if rule == "*" else int(rule) if rule.isdigit() else None
    if number is None:
        return None
    for entry in acl.entries:
        if entry.egress == egress and entry.rule_number == number and entry.ipv6_cidr_block is None:
            return entry
    if number == STAR_RULE:
        return NetworkAclEntry(
            rule_number=STAR_RULE, protocol="-1", rule_action="deny", egress=egress, cidr_block="0.0.0.0/0"
        )
    return None


def _find_route(table: RouteTable, rule: str) -> Route | None:
    """The route a step's ``DESTINATION -> TARGET`` names."""
    destination, _, target = rule.partition(" -> ")
    destination = destination.split(" ", 1)[0]  # a prefix list's route names the entry: "pl-1 (10.0.0.0/8)"
    for route in table.routes:
        if route.destination == destination and target in (
            *(getattr(route, a) for a, _ in _ROUTE_TARGETS),
            "",
        ):
            return route
    for route in table.routes:
        if route.destination == destination:
            return route
    return None


# ------------------------------------------------------------------------------ headers


def _addresses(address: str) -> list[str]:
    return [f"{address}/32" if "/" not in address else address]


def _ranges(ranges: tuple[tuple[int, int], ...] | None) -> list[Shape]:
    return [{"From": lo, "To": hi} for lo, hi in ranges or ()]


def header_shape(header: Header, protocol: int) -> Shape:
    """``AnalysisPacketHeader``: addresses as /32 blocks, the protocol number as a string."""
    shape: Shape = {
        "Protocol": str(protocol),
        "SourceAddresses": _addresses(header.source),
        "DestinationAddresses": _addresses(header.destination),
    }
    if header.source_ports is not None:
        shape["SourcePortRanges"] = _ranges(header.source_ports)
    if header.destination_ports is not None:
        shape["DestinationPortRanges"] = _ranges(header.destination_ports)
    return shape


def flow_header(flow: Flow) -> Header:
    """The request as the client sends it."""
    ports = flow.has_ports and flow.destination_port is not None
    return Header(
        flow.source,
        flow.destination,
        flow.source_ports if ports else None,
        ((flow.destination_port, flow.destination_port),)
        if ports and flow.destination_port is not None
        else None,
    )


def reply_header(header: Header) -> Header:
    return Header(header.destination, header.source, header.destination_ports, header.source_ports)


# ------------------------------------------------------------------------------ components


class _Components:
    """Builds one path's ``PathComponent`` list from its hops, numbering as it goes."""

    def __init__(self, namer: Namer, protocol: int, header: Header) -> None:
        self.namer = namer
        self.network = namer.network
        self.protocol = protocol
        self.header = header
        self.items: list[Shape] = []

    def add(self, resource_id: str, **fields: Any) -> Shape:
        shape: Shape = {"SequenceNumber": len(self.items) + 1, "Component": self.namer.component(resource_id)}
        shape.update({k: v for k, v in fields.items() if v is not None})
        self.items.append(shape)
        return shape

    def _eni_fields(self, eni_id: str) -> dict[str, Any]:
        eni = self.network.network_interfaces.get(eni_id)
        if eni is None:
            return {}
        instance = self.network.instance_of_eni(eni_id)
        return {
            "AttachedTo": self.namer.component(instance.instance_id) if instance is not None else None,
            "Subnet": self.namer.component(eni.subnet_id),
            "Vpc": self.namer.component(eni.vpc_id),
        }

    def _sg_step(self, step: Step) -> None:
        found = _find_sg_rule(self.network, step.component, step.rule or "")
        rule = security_group_rule_shape(found[0], egress=found[1]) if found else None
        self.add(step.component, SecurityGroupRule=rule)

    def eni(self, hop: Hop, *, first: bool) -> None:
        inbound = any(s.direction == "inbound" or s.kind == "delivery" for s in hop.steps)
        instance = self.network.instance_of_eni(hop.component)
        rules = [s for s in hop.steps if s.kind in ("security-group", "conntrack")]
        if not inbound:
            if first and instance is not None:
                self.add(instance.instance_id, OutboundHeader=header_shape(self.header, self.protocol))
            self.add(hop.component, **self._eni_fields(hop.component))
            for step in rules:
                self._rule_step(step, hop)
            return
        for step in rules:
            self._rule_step(step, hop)
        self.add(hop.component, **self._eni_fields(hop.component))
        delivered = any(s.kind == "delivery" for s in hop.steps)
        if delivered and instance is not None:
            self.add(instance.instance_id, InboundHeader=header_shape(self.header, self.protocol))

    def _rule_step(self, step: Step, hop: Hop) -> None:
        if step.kind == "security-group":
            self._sg_step(step)
            return
        # a tracked reply: the ENI's groups pass it without a rule
        eni = self.network.network_interfaces.get(hop.component)
        for group_id in eni.groups if eni is not None else ():
            self.add(group_id)

    def subnet(self, hop: Hop) -> None:
        for step in hop.steps:
            if step.kind != "network-acl":
                continue
            acl = self.network.network_acls.get(step.component)
            entry = (
                _find_acl_entry(acl, step.rule or "", egress=step.direction == "outbound") if acl else None
            )
            self.add(
                step.component,
                AclRule=acl_rule_shape(entry) if entry is not None else None,
                Subnet=self.namer.component(hop.component),
            )

    def route_table(self, hop: Hop) -> None:
        table = self.network.route_tables.get(hop.component)
        for step in hop.steps:
            if step.kind != "route":
                continue
            route = _find_route(table, step.rule or "") if table is not None else None
            self.add(hop.component, RouteTableRoute=route_shape(route) if route is not None else None)

    def gateway(self, hop: Hop) -> None:
        """A gateway or connection: a translation there shows the headers before and after."""
        fields: dict[str, Any] = {}
        for step in hop.steps:
            if step.kind == "nat" and step.before is not None and step.after is not None:
                fields["InboundHeader"] = header_shape(step.before, self.protocol)
                fields["OutboundHeader"] = header_shape(step.after, self.protocol)
                self.header = step.after
        vpc = self._vpc_of(hop.component)
        if vpc is not None:
            fields["Vpc"] = self.namer.component(vpc)
        self.add(hop.component, **fields)

    def _vpc_of(self, resource_id: str) -> str | None:
        resource = self.network.get(resource_id)
        vpc_id = getattr(resource, "vpc_id", None)
        if isinstance(vpc_id, str):
            return vpc_id
        attachments = getattr(resource, "attachments", None) or ()
        for attachment in attachments:
            found = getattr(attachment, "vpc_id", None)
            if isinstance(found, str):
                return found
        return None


def until_blocked(hops: tuple[Hop, ...]) -> tuple[tuple[Hop, ...], bool]:
    """The hops up to the first blocker (its hop ending with the blocked step), and whether one
    was met: AWS lists the path as far as it goes; the engine walks on to find every blocker."""
    kept: list[Hop] = []
    for hop in hops:
        for index, step in enumerate(hop.steps):
            if step.kind == "blocked":
                kept.append(Hop(hop.component, hop.type, hop.steps[: index + 1]))
                return tuple(kept), True
        kept.append(hop)
    return tuple(kept), False


def path_components(namer: Namer, hops: tuple[Hop, ...], protocol: int, header: Header) -> list[Shape]:
    """The ``PathComponent`` list of one path (forward or return) of a trace, as far as the
    packet goes."""
    builder = _Components(namer, protocol, header)
    hops, _ = until_blocked(hops)
    for index, hop in enumerate(hops):
        if hop.type == "network-interface":
            builder.eni(hop, first=index == 0)
        elif hop.type == "subnet":
            builder.subnet(hop)
        elif hop.type == "route-table":
            builder.route_table(hop)
        elif hop.type in ("internet", "vpc-service"):
            # not AWS components (the outside host, a VPC service's address); a gateway that
            # refused the packet there is where the path stops
            for step in hop.steps:
                if step.kind == "blocked" and _prefixed(step.component, ARN_TYPES) is not None:
                    builder.add(step.component)
        else:
            builder.gateway(hop)
    return builder.items


# ------------------------------------------------------------------------------ explanations


def _blocked_hop(trace: Trace, blocker: Blocker) -> Hop | None:
    """The hop where a blocker stopped the packet (its ``blocked`` step)."""
    hops = trace.forward if blocker.path == "forward" else trace.return_
    marker = f"{blocker.code}: {blocker.detail}"
    for hop in hops:
        for step in hop.steps:
            if step.kind == "blocked" and step.component == blocker.component and step.detail == marker:
                return hop
    return None


def explanation(namer: Namer, trace: Trace, blocker: Blocker) -> Shape:
    """``Explanation`` of one blocker: its code, the component to blame under its typed field
    (``SecurityGroup``, ``Acl``, ``RouteTable``...), where it happened, and the rule involved."""
    network = namer.network
    shape: Shape = {"ExplanationCode": blocker.code, "Component": namer.component(blocker.component)}
    typed = _prefixed(blocker.component, EXPLANATION_FIELDS)
    if typed is not None:
        shape[typed] = namer.component(blocker.component)
    if blocker.direction is not None:
        shape["Direction"] = "ingress" if blocker.direction == "inbound" else "egress"
    if blocker.ports is not None:
        shape["PortRanges"] = _ranges(blocker.ports)
    hop = _blocked_hop(trace, blocker)
    if hop is not None and hop.component != blocker.component:
        where = _prefixed(hop.component, EXPLANATION_FIELDS)
        if where is not None and where not in shape:
            shape[where] = namer.component(hop.component)
    eni_id = shape.get("NetworkInterface", {}).get("Id")
    if eni_id is not None and eni_id in network.network_interfaces:
        eni = network.network_interfaces[eni_id]
        if blocker.code in ("ENI_SG_RULES_MISMATCH", "SG_HAS_NO_RULES"):
            shape["SecurityGroups"] = [namer.component(g) for g in eni.groups]
        shape.setdefault("Subnet", namer.component(eni.subnet_id))
        shape.setdefault("Vpc", namer.component(eni.vpc_id))
    if blocker.code == "SUBNET_ACL_RESTRICTION" and hop is not None:
        acl = network.network_acls.get(blocker.component)
        for step in hop.steps:
            if step.kind == "network-acl" and step.action == "deny" and acl is not None:
                entry = _find_acl_entry(acl, step.rule or "", egress=step.direction == "outbound")
                if entry is not None:
                    shape["AclRule"] = acl_rule_shape(entry)
                break
        subnet = network.subnets.get(hop.component)
        if subnet is not None:
            shape.setdefault("Vpc", namer.component(subnet.vpc_id))
    resource = network.get(blocker.component)
    vpc_id = getattr(resource, "vpc_id", None)
    if isinstance(vpc_id, str) and "Vpc" not in shape:
        shape["Vpc"] = namer.component(vpc_id)
    if isinstance(resource, SecurityGroup) and "SecurityGroups" not in shape:
        shape["SecurityGroups"] = [namer.component(resource.group_id)]
    return shape


def analysis_answer(
    network: Network, trace: Trace, *, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION
) -> Shape:
    """The fields of a ``NetworkInsightsAnalysis`` that answer it, from the engine's trace."""
    namer = Namer(network, account, region)
    request = flow_header(trace.flow)
    answer: Shape = {
        "Status": "succeeded",
        "NetworkPathFound": trace.reachable,
        "ForwardPathComponents": path_components(namer, trace.forward, trace.flow.protocol, request),
        "ReturnPathComponents": []
        if until_blocked(trace.forward)[1]
        else path_components(namer, trace.return_, trace.flow.protocol, reply_header(request)),
        "Explanations": [explanation(namer, trace, b) for b in trace.blockers],
    }
    if trace.verdict == "unknown":
        codes = ", ".join(dict.fromkeys(trace.codes))
        answer["WarningMessage"] = (
            f"vpcsim: the answer depends on what the network does not describe ({codes}); no path is "
            "reported as found"
        )
    return answer


# ------------------------------------------------------------------------------ the path


def _address_of(filter_: Mapping[str, Any] | None, key: str) -> str | None:
    if not filter_:
        return None
    value = filter_.get(key)
    if not isinstance(value, str) or not value:
        return None
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise PathError(f"{key} {value!r} is not an IPv4 address or CIDR block") from None
    return str(network.network_address)


def _port_filter(filter_: Mapping[str, Any] | None, key: str) -> tuple[int, int] | None:
    if not filter_ or not isinstance(filter_.get(key), Mapping):
        return None
    ports = filter_[key]
    low = ports.get("FromPort", 0)
    high = ports.get("ToPort", 65535 if "FromPort" not in ports else low)
    if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= 65535):
        raise PathError(f"{key} {low}-{high} must satisfy 0 <= FromPort <= ToPort <= 65535")
    return (low, high)


def _end(path: Mapping[str, Any], role: str) -> str:
    """What ``Source``/``Destination`` (and their IPs and filters) stand for as a vpcsim end."""
    resource = path.get(role)
    ip = path.get(f"{role}Ip")
    at_source = path.get("FilterAtSource")
    filtered = _address_of(at_source, f"{role}Address")
    if isinstance(resource, str) and resource.startswith("arn:"):
        resource = resource.rsplit("/", 1)[-1]
    if isinstance(resource, str) and resource:
        allowed = SENDER_PREFIXES if role == "Source" else RECEIVER_PREFIXES
        if not resource.startswith(allowed):
            raise PathError(
                f"vpcsim answers paths between instances, network interfaces and internet gateways; "
                f"{role} {resource} is not modelled as an end",
                "VPCSIM_UNSUPPORTED_PATH",
            )
        if resource.startswith("igw-"):
            host = ip or filtered
            return f"internet:{host}" if host else "internet"
        return ip if isinstance(ip, str) and ip else resource
    if isinstance(ip, str) and ip:
        return ip
    raise PathError(f"the path needs a {role} or a {role}Ip", "MissingParameter")


def flow_for_path(network: Network, path: Mapping[str, Any]) -> Flow:
    """The flow a ``NetworkInsightsPath`` (its describe shape) asks about."""
    source, destination = _end(path, "Source"), _end(path, "Destination")
    protocol = path.get("Protocol")
    port = path.get("DestinationPort")
    at_source = path.get("FilterAtSource")
    client_ports = _port_filter(at_source, "SourcePortRange")
    port_range = _port_filter(at_source, "DestinationPortRange")
    protocols = [protocol.lower()] if isinstance(protocol, str) else ["tcp", "udp"]
    chosen = protocols[0]
    try:
        if port is None:
            port, chosen = _first_allowed(network, source, destination, protocols, port_range, client_ports)
        return flow_between(
            network, source, destination, protocol=chosen, port=port, client_ports=client_ports
        )
    except EndpointError as error:
        raise PathError(str(error), "InvalidParameterValue") from None
    except ValueError as error:
        raise PathError(str(error)) from None


def _first_allowed(
    network: Network,
    source: str,
    destination: str,
    protocols: list[str],
    port_range: tuple[int, int] | None,
    client_ports: tuple[int, int] | None,
) -> tuple[int, str]:
    """The lowest (protocol, port) within the path's filters that the engine lets through, else
    the lowest one the path allows (whose trace explains why it fails)."""
    low, high = port_range or (0, 65535)
    result = reach(network, source, destination, client_ports=client_ports or "linux")
    for wanted in protocols:
        for entry in result.allowed:
            if entry.traffic.protocol not in (wanted, "all"):
                continue
            for lo, hi in entry.traffic.ports or ((0, 65535),):
                if lo <= high and low <= hi:
                    return max(lo, low), wanted
    return low, protocols[0]
