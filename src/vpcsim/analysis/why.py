"""``why``: every blocker of one flow along the tutorial's checklist, and the smallest set of
changes that opens its path -- each one checked by applying it to the model and tracing again.

Why more than ``trace``: the engine reports every filter that drops the packet, but a walk stops
where no path goes on (no route, a blackhole): blockers further along stay hidden until the
first are fixed. ``why`` fixes what it can on a copy of the network, walks again, and repeats:
the blockers revealed on later rounds are reported too (``revealed: true``), in the checklist's
order (security groups, network ACLs, route tables, placement, internet access, then the rest).

The changes (in the spirit of the "blocked paths" of AWS's CAV 2021 paper) are one per failing
filter or component, the smallest and closest to the cause:

* a security-group rule or network-ACL allow entry (numbered just below the entry that denies)
  for exactly the flow's protocol and port, naming the peer the user asked about: its address,
  or ``0.0.0.0/0`` for ``internet`` (the stand-in host 198.51.100.1 is nobody's real client);
* a route in the table where the packet took the wrong turn: the table of the subnet the packet
  leaves from (a peering route there, not behind the NAT gateway the default route led to), an
  internet-gateway route for a packet a NAT gateway has already translated;
* an Elastic IP, using the public address the destination already has, starting an instance,
  turning off a source/destination check, enabling ``SecurityGroupReferencingSupport`` on the
  transit gateway or VPC attachment that keeps a group reference from resolving.

Then the set is verified (:func:`_verify`): applied to a fresh copy of the network, the reference
engine traces the flow again; the path must open, and each change must be necessary (removing it
leaves the path closed). Unneeded changes are dropped; a set that does not open the path is
reported as advice (``verified: false``), never as a fix. A change to a route table or network
ACL that other subnets use says which (``affects``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..engine import codes as C
from ..engine import explain, explain_transit
from ..engine.compiled import Compiled, compile_network, ip_int, ip_str, is_internet_routable
from ..engine.filters import Packet, acl_decide, sg_decide
from ..engine.flow import (
    DEFAULT_INTERNET_HOST,
    DEFAULT_INTERNET_HOST6,
    ICMP,
    ICMP_REPLIES,
    ICMPV6,
    ICMPV6_REPLIES,
    TCP,
    UDP,
    Flow,
)
from ..engine.ports import format_ranges
from ..engine.result import Blocker, Trace
from ..engine.trace import trace
from ..model import Network, NetworkInterface, Route, RouteTable, protocol_name
from ..model.addressing import FULL_MASK, route_target_field
from ..model.network import ModelError
from .atoms import WALK_OTHER, WALK_TCP, WALK_UDP, icmp_walk
from .skeleton import ROLE_CONST, ROLE_SPORT, FilterCall, skeleton

SCHEMA_VERSION = 1
MAX_ROUNDS = 8
#: The whole internet, as a rule or route names it.
ANYWHERE = "0.0.0.0/0"

#: The tutorial's checklist: which step each code belongs to.
CHECKLIST: dict[str, tuple[int, str]] = {}
for _step, _name, _codes in (
    (
        1,
        "security groups",
        (C.ENI_SG_RULES_MISMATCH, C.SG_HAS_NO_RULES, C.UNKNOWN_PEERED_SGS, C.SG_REFERENCING_SUPPORT),
    ),
    (2, "network ACLs", (C.SUBNET_ACL_RESTRICTION,)),
    (
        3,
        "route tables",
        (C.NO_ROUTE_TO_DESTINATION, C.BAD_STATE_ROUTE, C.VPCSIM_ROUTING_LOOP, C.VPCSIM_ASYMMETRIC_REPLY),
    ),
    (
        4,
        "placement",
        (
            C.DISCONNECTED_VPCS,
            C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
            C.NO_POSSIBLE_DESTINATION,
            C.UNKNOWN_DESTINATION,
            C.NGW_REQUIRES_SOURCE_IN_VPC,
            C.NO_PATH,
        ),
    ),
    (
        5,
        "internet access",
        (
            C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
            C.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
            C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS,
            C.IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS,
            C.BAD_STATE_ATTACHMENT,
            C.VPCSIM_NAT_GATEWAY_NO_INBOUND,
            C.PROTOCOL_RESTRICTION,
        ),
    ),
):
    for _code in _codes:
        CHECKLIST[_code] = (_step, _name)
OTHER_STEP = (6, "instances and components")
#: The codes ``why`` answers with a change it tries and verifies (when the network allows one: a
#: route needs a target, an Elastic IP an internet gateway...); every other code gets advice.
FIXABLE = frozenset(
    {
        C.ENI_SG_RULES_MISMATCH,
        C.SG_HAS_NO_RULES,
        C.SUBNET_ACL_RESTRICTION,
        C.NO_ROUTE_TO_DESTINATION,
        C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS,
        C.BAD_STATE_ROUTE,
        C.BAD_STATE,
        C.ENI_SOURCE_DEST_CHECK_RESTRICTION,
        C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
        C.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
        C.VPCSIM_ASYMMETRIC_REPLY,
        C.SG_REFERENCING_SUPPORT,
    }
)
#: Blockers a route answers: none for the destination, or one that sends it the wrong way.
ROUTE_CODES = (C.NO_ROUTE_TO_DESTINATION, C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS)


@dataclass(frozen=True, slots=True)
class Change:
    code: str
    """The blocker's code this change answers."""
    component: str
    action: str
    """The EC2 API action (``AuthorizeSecurityGroupIngress``, ``CreateNetworkAclEntry``...);
    ``UsePublicAddress`` when the fix is to connect to an address the destination already has;
    ``Manual`` for advice the model cannot try."""
    parameters: tuple[tuple[str, object], ...]
    command: str
    """The same change as an AWS CLI command (or what to do, for ``Manual`` and ``UsePublicAddress``)."""
    applied: bool
    """Tried on a copy of the network (True) or advice the model cannot try (False)."""
    verified: bool = False
    """Applied with the rest of the change set to a fresh copy of the network and traced again: the
    set opens the path and this change is necessary (without it the path stays closed)."""
    affects: tuple[str, ...] = ()
    """Other resources the change alters: the other subnets of a route table or network ACL, the
    other network interfaces of a security group."""

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "component": self.component,
            "action": self.action,
            "parameters": dict(self.parameters),
            "command": self.command,
            "applied": self.applied,
            "verified": self.verified,
            "affects": list(self.affects),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    blocker: Blocker
    round: int

    @property
    def step(self) -> tuple[int, str]:
        return CHECKLIST.get(self.blocker.code, OTHER_STEP)

    def to_dict(self) -> dict[str, object]:
        step, name = self.step
        return {
            **self.blocker.to_dict(),
            "checklist_step": step,
            "checklist": name,
            "revealed": self.round > 0,
        }


@dataclass(frozen=True, slots=True)
class WhyResult:
    flow: Flow
    verdict: str
    blockers: tuple[Finding, ...] = ()
    changes: tuple[Change, ...] = ()
    opens: bool = False
    """The changes, all verified, open the path."""
    verdict_after: str = ""
    """The flow's verdict once every change tried is applied."""
    flow_after: Flow | None = None
    """The flow traced after the changes: the same, or sent to the public address a change names
    (``UsePublicAddress``, or the Elastic IP an ``AssociateAddress`` gives the destination)."""

    @property
    def fixes(self) -> tuple[Change, ...]:
        """The verified changes: together they open the path, each one necessary."""
        return tuple(c for c in self.changes if c.verified)

    @property
    def advice(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.verified)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "flow": self.flow.to_dict(),
            "verdict": self.verdict,
            "blockers": [b.to_dict() for b in self.blockers],
            "changes": [c.to_dict() for c in self.changes],
            "opens": self.opens,
            "verdict_after": self.verdict_after,
            "flow_after": (self.flow_after or self.flow).to_dict(),
        }


def _walk_of(flow: Flow) -> str:
    if flow.protocol == TCP:
        return WALK_TCP
    if flow.protocol == UDP:
        return WALK_UDP
    if flow.protocol == ICMP:
        return icmp_walk(flow.icmp_type if flow.icmp_type is not None else 8)
    if flow.protocol == ICMPV6:
        return icmp_walk(flow.icmp_type if flow.icmp_type is not None else 128, ipv6=True)
    return WALK_OTHER


def _packet(flow: Flow, call: FilterCall) -> Packet:
    """The packet as ``call`` sees it, for the concrete flow."""
    itype = flow.icmp_type if flow.icmp_type is not None else -1
    icode = flow.icmp_code if flow.icmp_code is not None else -1
    if call.path == "return" and flow.protocol == ICMP:
        itype = ICMP_REPLIES.get(itype, itype)
    elif call.path == "return" and flow.protocol == ICMPV6:
        itype = ICMPV6_REPLIES.get(itype, itype)
    if flow.has_ports:
        if call.role == ROLE_SPORT:
            dports = flow.source_ports
        elif call.role == ROLE_CONST:
            dports = call.const_ports
        else:
            port = flow.destination_port or 0
            dports = ((port, port),)
        return Packet(0, 0, flow.protocol, ((0, 0),), dports, itype, icode)
    return Packet(0, 0, flow.protocol, ((0, 0),), ((0, 0),), itype, icode)


def _traffic_args(flow: Flow, pkt: Packet) -> str:
    """The AWS CLI's ``--protocol``/``--port`` arguments for one packet."""
    proto = protocol_name(flow.protocol)
    if flow.has_ports:
        return f"--protocol {proto} --port {format_ranges(pkt.dports, sep=',')}"
    if flow.protocol == ICMP:
        return f"--protocol icmp --port {pkt.itype}"
    return f"--protocol {flow.protocol}"


def _ipv6_permission(flow: Flow, pkt: Packet, peer: str) -> str:
    """The AWS CLI's ``--ip-permissions`` for an IPv6 peer (``--cidr`` takes IPv4 only)."""
    proto = protocol_name(flow.protocol)
    if flow.has_ports:
        lo, hi = pkt.dports[0][0], pkt.dports[-1][1]
        ports = f",FromPort={lo},ToPort={hi}"
    elif flow.protocol in (ICMP, ICMPV6):
        ports = f",FromPort={pkt.itype},ToPort={pkt.icode}"
    else:
        ports = ""
    return f"--ip-permissions 'IpProtocol={proto}{ports},Ipv6Ranges=[{{CidrIpv6={peer}}}]'"


def peer_cidr(remote: int) -> str:
    """The block a rule for ``remote`` names: the address itself, or the whole internet for
    ``internet`` (its stand-in host is nobody's real client: a rule for it opens nothing)."""
    address = ip_str(remote)
    if remote > FULL_MASK:
        return "::/0" if address == DEFAULT_INTERNET_HOST6 else f"{address}/128"
    return ANYWHERE if address == DEFAULT_INTERNET_HOST else f"{address}/32"


def _destination_key(destination: str) -> str:
    """The EC2 API's parameter for a route's destination (IPv6 blocks have their own)."""
    return "DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock"


def _destination_flag(destination: str) -> str:
    return "--destination-ipv6-cidr-block" if ":" in destination else "--destination-cidr-block"


def _target_flag(target: str) -> str:
    """The ``aws ec2 create-route`` option for ``target``: its route field, spelt as an option."""
    return "--" + (route_target_field(target) or "gateway_id").replace("_", "-")


def _subnets_of_table(n: Network, table: RouteTable) -> list[str]:
    return sorted(s for s in n.subnets if (rt := n.route_table_of_subnet(s)) is not None and rt is table)


def _subnets_of_acl(n: Network, acl_id: str) -> list[str]:
    return sorted(
        s
        for s in n.subnets
        if (acl := n.network_acl_of_subnet(s)) is not None and acl.network_acl_id == acl_id
    )


def _route_of(table: RouteTable, destination: str) -> Route | None:
    return next((r for r in table.routes if r.destination == destination), None)


Apply = Callable[[Network], None]


def _transit_reference(compiled: Compiled, call: FilterCall, pkt: Packet) -> bool:
    """An inbound group of ``call`` that a reference rule would open once the transit gateway
    options it lacks are enabled (the engine's own test)."""
    if call.direction != "inbound":
        return False
    eni = compiled.enis.get(call.owner)
    return eni is not None and (
        explain_transit.unresolved_transit_reference(compiled, eni, pkt, call.remote, call.rules)  # type: ignore[arg-type]
        is not None
    )


@dataclass(slots=True)
class _Candidate:
    """A change with the means to replay it on any copy of the original network."""

    change: Change
    apply: Apply | None
    """None: advice the model cannot try."""
    destination: str | None = None
    """The address the flow is sent to once the change is made (a public address to use)."""


@dataclass(slots=True)
class _Fixer:
    """Applies changes to a working copy of the network, keeping each one replayable."""

    n: Network
    flow: Flow
    candidates: list[_Candidate] = field(default_factory=list)

    # ------------------------------------------------------------ bookkeeping

    def _add(self, change: Change, apply: Apply | None, destination: str | None = None) -> bool:
        self.candidates.append(_Candidate(change, apply, destination))
        if apply is None:
            return False
        apply(self.n)
        if destination is not None:
            self.flow = dataclasses.replace(self.flow, destination=destination)
        return True

    def _advice(self, b: Blocker) -> bool:
        key = (b.code, b.component)
        if not any((c.change.code, c.change.component) == key for c in self.candidates):
            self._add(Change(b.code, b.component, "Manual", (("Fix", b.fix),), b.fix, False), None)
        return False

    # ------------------------------------------------------------ filters

    def fix_filters(self, calls: list[FilterCall], *, transit_references: Compiled | None = None) -> bool:
        """A rule or entry for each filter that denies; ``transit_references``: the trace blames
        missing transit gateway options for some group reference (``SG_REFERENCING_SUPPORT``), so
        the groups such a reference would open are left to :meth:`fix_structure` -- judged on
        this compiled network, the one the calls were walked on (before any fix of this round)."""
        applied = False
        for call in calls:
            pkt = _packet(self.flow, call)
            if call.kind == "sg":
                allowed, _ = sg_decide(call.rules, pkt, call.remote)  # type: ignore[arg-type]
                if allowed is None and not (
                    transit_references is not None and _transit_reference(transit_references, call, pkt)
                ):
                    applied |= self._sg_rule(call, pkt)
            else:
                decisions = acl_decide(call.rules, pkt, call.remote)  # type: ignore[arg-type]
                denied = [(ports, rule) for ports, ok, rule in decisions if not ok]
                if denied:
                    applied |= self._acl_entry(call, pkt, denied)
        return applied

    def _sg_rule(self, call: FilterCall, pkt: Packet) -> bool:
        flow = self.flow
        eni = self.n.network_interfaces[call.owner]
        if not eni.groups:
            eni_id = eni.network_interface_id
            return self._add(
                Change(
                    C.ENI_SG_RULES_MISMATCH,
                    eni_id,
                    "ModifyNetworkInterfaceAttribute",
                    (("NetworkInterfaceId", eni_id),),
                    f"aws ec2 modify-network-interface-attribute --network-interface-id {eni_id} --groups SG_ID",
                    False,
                ),
                None,
            )
        group = eni.groups[0]
        egress = call.direction == "outbound"
        peer = peer_cidr(call.remote)
        six = call.remote > FULL_MASK
        rule: dict[str, object] = {
            "ip_protocol": protocol_name(flow.protocol),
            "cidr_ipv6" if six else "cidr_ipv4": peer,
        }
        params: list[tuple[str, object]] = [("GroupId", group), ("IpProtocol", protocol_name(flow.protocol))]
        if flow.has_ports:
            # The port the filter sees: the request's, or a translated constant one (a load
            # balancer's target port, a NAT's range), as the packet it judged carries it.
            low, high = (
                pkt.dports[0] if call.role == ROLE_CONST and pkt.dports else (flow.destination_port or 0,) * 2
            )
            rule["from_port"], rule["to_port"] = low, high
            params += [("FromPort", low), ("ToPort", high)]
        elif flow.protocol in (ICMP, ICMPV6):
            rule["from_port"], rule["to_port"] = pkt.itype, pkt.icode
            params += [("FromPort", pkt.itype), ("ToPort", pkt.icode)]
        params.append(("CidrIpv6" if six else "CidrIp", peer))
        action = "AuthorizeSecurityGroupEgress" if egress else "AuthorizeSecurityGroupIngress"

        def apply(n: Network) -> None:
            if egress:
                n.authorize_security_group_egress(group, **rule)
            else:
                n.authorize_security_group_ingress(group, **rule)

        others = sorted(
            e.network_interface_id
            for e in self.n.network_interfaces.values()
            if group in e.groups and e.network_interface_id != call.owner
        )
        verb = "egress" if egress else "ingress"
        return self._add(
            Change(
                C.ENI_SG_RULES_MISMATCH,
                group,
                action,
                tuple(params),
                f"aws ec2 authorize-security-group-{verb} --group-id {group} "
                + (_ipv6_permission(flow, pkt, peer) if six else f"{_traffic_args(flow, pkt)} --cidr {peer}"),
                True,
                affects=tuple(others),
            ),
            apply,
        )

    def _acl_entry(
        self,
        call: FilterCall,
        pkt: Packet,
        denied: list[tuple[tuple[tuple[int, int], ...] | None, int]],
    ) -> bool:
        flow = self.flow
        acl = self.n.network_acls[call.component]
        acl_id = acl.network_acl_id
        egress = call.direction == "outbound"
        taken = {e.rule_number for e in acl.entries if e.egress == egress}
        lowest = min(rule for _, rule in denied)
        peer = peer_cidr(call.remote)
        others = tuple(s for s in _subnets_of_acl(self.n, acl_id) if s != call.owner)
        ranges: list[tuple[int, int] | None] = []
        for ports, _ in denied:
            ranges.extend(ports if ports is not None else [None])
        applied = False
        for port_range in ranges:
            number = next((k for k in range(lowest - 1, 0, -1) if k not in taken), None)
            params: list[tuple[str, object]] = [
                ("NetworkAclId", acl_id),
                ("Egress", egress),
                ("Protocol", str(flow.protocol)),
                ("RuleAction", "allow"),
                ("Ipv6CidrBlock" if call.remote > FULL_MASK else "CidrBlock", peer),
            ]
            cli = (
                f"aws ec2 create-network-acl-entry --network-acl-id {acl_id} "
                f"{'--egress' if egress else '--ingress'} --protocol {flow.protocol} --rule-action allow "
                f"{'--ipv6-cidr-block' if call.remote > FULL_MASK else '--cidr-block'} {peer}"
            )
            icmp: tuple[int, int] | None = None
            if port_range is not None:
                params.append(("PortRange", {"From": port_range[0], "To": port_range[1]}))
                cli += f" --port-range From={port_range[0]},To={port_range[1]}"
            elif flow.protocol in (ICMP, ICMPV6):
                icmp = (pkt.itype, pkt.icode)
                params.append(("IcmpTypeCode", {"Type": pkt.itype, "Code": pkt.icode}))
                cli += f" --icmp-type-code Type={pkt.itype},Code={pkt.icode}"
            if number is None:
                self._add(
                    Change(
                        C.SUBNET_ACL_RESTRICTION,
                        acl_id,
                        "ReplaceNetworkAclEntry",
                        (*params, ("RuleNumber", lowest)),
                        cli.replace("create-network-acl-entry", "replace-network-acl-entry")
                        + f" --rule-number {lowest}",
                        False,
                        affects=others,
                    ),
                    None,
                )
                continue
            taken.add(number)
            params.append(("RuleNumber", number))

            def apply(
                n: Network,
                number: int = number,
                port_range: tuple[int, int] | None = port_range,
                icmp: tuple[int, int] | None = icmp,
            ) -> None:
                n.create_network_acl_entry(
                    acl_id,
                    number,
                    egress=egress,
                    rule_action="allow",
                    protocol=flow.protocol,
                    cidr_block=peer,
                    port_range=port_range,
                    icmp_type_code=icmp,
                )

            applied |= self._add(
                Change(
                    C.SUBNET_ACL_RESTRICTION,
                    acl_id,
                    "CreateNetworkAclEntry",
                    tuple(params),
                    cli + f" --rule-number {number}",
                    True,
                    affects=others,
                ),
                apply,
            )
        return applied

    # ------------------------------------------------------------ other components

    def fix_structure(self, current: Trace) -> bool:
        """Components other than filters: what the model can try, and advice for the rest."""
        applied = False
        for b in current.blockers:
            if b.code in (C.ENI_SG_RULES_MISMATCH, C.SG_HAS_NO_RULES, C.SUBNET_ACL_RESTRICTION):
                continue
            applied |= self._structure(current, b)
        return applied

    def _structure(self, current: Trace, b: Blocker) -> bool:
        n = self.n
        if (
            b.code == C.BAD_STATE
            and b.component in n.instances
            and n.instances[b.component].state != "running"
        ):
            instance = b.component
            return self._add(
                Change(
                    b.code,
                    instance,
                    "StartInstances",
                    (("InstanceIds", [instance]),),
                    f"aws ec2 start-instances --instance-ids {instance}",
                    True,
                ),
                lambda net: net.start_instance(instance),
            )
        if b.code == C.ENI_SOURCE_DEST_CHECK_RESTRICTION and b.component in n.network_interfaces:
            eni_id = b.component

            def no_check(net: Network) -> None:
                net.network_interfaces[eni_id].source_dest_check = False
                net.touch()

            return self._add(
                Change(
                    b.code,
                    eni_id,
                    "ModifyNetworkInterfaceAttribute",
                    (("NetworkInterfaceId", eni_id), ("SourceDestCheck", False)),
                    f"aws ec2 modify-network-interface-attribute --network-interface-id {eni_id} --no-source-dest-check",
                    True,
                ),
                no_check,
            )
        if b.code == C.SG_REFERENCING_SUPPORT:
            return self._referencing_support(b)
        forward = b.path == "forward"
        tried = (
            (b.code == C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS and forward and self._elastic_ip_for_sender(b))
            or (
                b.code == C.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS and forward and self._public_destination(b)
            )
            or (b.code == C.VPCSIM_ASYMMETRIC_REPLY and self._reply_route(b))
            or (b.code in ROUTE_CODES and self._route(current, b))
            or (b.code == C.BAD_STATE_ROUTE and self._blackhole(b))
        )
        if tried:
            return True
        return self._advice(b)

    def _referencing_support(self, b: Blocker) -> bool:
        """Enable ``SecurityGroupReferencingSupport`` on the transit gateway or VPC attachment the
        blocker names (one change per resource)."""
        n, component = self.n, b.component
        if any((c.change.code, c.change.component) == (b.code, component) for c in self.candidates):
            return False
        if component in n.transit_gateways:
            return self._add(
                Change(
                    b.code,
                    component,
                    "ModifyTransitGateway",
                    (
                        ("TransitGatewayId", component),
                        ("Options", {"SecurityGroupReferencingSupport": "enable"}),
                    ),
                    explain.referencing_support_command(component, transit_gateway=True),
                    True,
                ),
                lambda net: net.modify_transit_gateway(component, security_group_referencing_support=True),
            )
        if component in n.transit_gateway_attachments:
            return self._add(
                Change(
                    b.code,
                    component,
                    "ModifyTransitGatewayVpcAttachment",
                    (
                        ("TransitGatewayAttachmentId", component),
                        ("Options", {"SecurityGroupReferencingSupport": "enable"}),
                    ),
                    explain.referencing_support_command(component, transit_gateway=False),
                    True,
                ),
                lambda net: net.modify_transit_gateway_vpc_attachment(
                    component, security_group_referencing_support=True
                ),
            )
        return self._advice(b)

    def _elastic_ip_for_sender(self, b: Blocker) -> bool:
        n, flow = self.n, self.flow
        eni = n.network_interfaces.get(flow.source_eni or "")
        if eni is None or not any(
            p.private_ip_address == flow.source and not p.public_ip for p in eni.private_ip_addresses
        ):
            return False
        eni_id, private, public = eni.network_interface_id, flow.source, n.next_public_ip()

        def associate(net: Network) -> None:
            net.associate_address(net.allocate_address(public_ip=public), eni_id, private_ip=private)

        return self._add(
            Change(
                b.code,
                eni_id,
                "AssociateAddress",
                (
                    ("AllocationId", "NEW_ELASTIC_IP"),
                    ("NetworkInterfaceId", eni_id),
                    ("PrivateIpAddress", private),
                ),
                f"aws ec2 allocate-address --domain vpc && aws ec2 associate-address --allocation-id ALLOCATION_ID "
                f"--network-interface-id {eni_id} --private-ip-address {private}",
                True,
            ),
            associate,
        )

    def _public_destination(self, b: Blocker) -> bool:
        """The internet sent to a private address: use the public address the ENI has, or give it
        an Elastic IP (in a VPC with an internet gateway); the reply route is the next round's."""
        n, flow = self.n, self.flow
        owners = n.owners_of_private_ip(flow.destination)
        if len(owners) != 1:
            return False
        eni = n.network_interfaces[owners[0].network_interface_id]
        eni_id = eni.network_interface_id
        slot = next((p for p in eni.private_ip_addresses if p.private_ip_address == flow.destination), None)
        if slot is None:
            return False
        if slot.public_ip:
            public = slot.public_ip
            return self._add(
                Change(
                    b.code,
                    eni_id,
                    "UsePublicAddress",
                    (
                        ("NetworkInterfaceId", eni_id),
                        ("PrivateIpAddress", flow.destination),
                        ("PublicIp", public),
                    ),
                    f"connect to {public}, the public address of {eni_id}, not to its private address {flow.destination}",
                    True,
                ),
                lambda net: None,
                destination=public,
            )
        if n.internet_gateway_of_vpc(eni.vpc_id) is None:
            return False
        private, public = flow.destination, n.next_public_ip()

        def associate(net: Network) -> None:
            net.associate_address(net.allocate_address(public_ip=public), eni_id, private_ip=private)

        return self._add(
            Change(
                b.code,
                eni_id,
                "AssociateAddress",
                (
                    ("AllocationId", "NEW_ELASTIC_IP"),
                    ("NetworkInterfaceId", eni_id),
                    ("PrivateIpAddress", private),
                ),
                f"aws ec2 allocate-address --domain vpc && aws ec2 associate-address --allocation-id ALLOCATION_ID "
                f"--network-interface-id {eni_id} --private-ip-address {private}; then connect to the Elastic IP",
                True,
            ),
            associate,
            destination=public,
        )

    def _reply_route(self, b: Blocker) -> bool:
        """The reply left through a NAT (its source is not the address the client sent to): route
        the client from the server's subnet to the internet gateway -- the client's own address
        when the user named one, the whole internet for ``internet``."""
        n, flow = self.n, self.flow
        if flow.source_eni is not None or not is_internet_routable(ip_int(flow.source)):
            return False
        server = n.owner_of_public_ip(flow.destination)
        if server is None:
            return False
        eni = n.network_interfaces[server.network_interface_id]
        table = n.route_table_of_subnet(eni.subnet_id)
        igw = n.internet_gateway_of_vpc(eni.vpc_id)
        if table is None or igw is None:
            return False
        destination = peer_cidr(ip_int(flow.source))
        return self._add_route(b, table, destination, igw.internet_gateway_id, own_subnet=eni.subnet_id)

    def _route(self, current: Trace, b: Blocker) -> bool:
        """A route where the packet took the wrong turn: for an address of another VPC, the
        peering route in the table of the subnet the packet leaves from; for the internet, the
        internet gateway when the sender has a public address (or a NAT gateway translated the
        packet already), else a NAT gateway of another subnet."""
        n, flow = self.n, self.flow
        forward = b.path == "forward"
        dst = ip_int(flow.destination if forward else flow.source)
        origin = self._origin_eni(forward)
        compiled = compile_network(n)
        if origin is not None:
            other = explain.other_vpc(compiled, origin.vpc_id, dst)
            if other is not None:
                table = n.route_table_of_subnet(origin.subnet_id)
                if other.peering is None or table is None:
                    return False
                return self._add_route(b, table, other.block, other.peering, own_subnet=origin.subnet_id)
        if b.code != C.NO_ROUTE_TO_DESTINATION or b.component not in n.route_tables:
            return False
        table = n.route_tables[b.component]
        if not is_internet_routable(dst):
            return False
        own = self._subnet_before(current, b)
        if dst > FULL_MASK:
            # IPv6: ::/0 to the internet gateway (no NAT, no public address needed; a subnet meant
            # to stay private routes ::/0 to an egress-only gateway, which replies cannot cross)
            igw6 = n.internet_gateway_of_vpc(table.vpc_id)
            eigws = sorted(
                g.egress_only_internet_gateway_id
                for g in n.egress_only_internet_gateways.values()
                if g.vpc_id == table.vpc_id
            )
            if forward and eigws:
                return self._add_route(b, table, "::/0", eigws[0], own_subnet=own)
            if igw6 is not None:
                return self._add_route(b, table, "::/0", igw6.internet_gateway_id, own_subnet=own)
            return False
        translated = self._translated_before(current, b)
        sender_public = origin is not None and any(
            p.private_ip_address == (flow.source if forward else origin.private_ip_address) and p.public_ip
            for p in origin.private_ip_addresses
        )
        igw = n.internet_gateway_of_vpc(table.vpc_id)
        nats = sorted(
            nat.nat_gateway_id
            for nat in n.nat_gateways.values()
            if nat.vpc_id == table.vpc_id
            and nat.state == "available"
            and nat.connectivity_type == "public"
            and nat.subnet_id not in _subnets_of_table(n, table)
        )
        if forward and not translated and not sender_public and nats:
            return self._add_route(b, table, ANYWHERE, nats[0], own_subnet=own)
        if igw is not None:
            return self._add_route(b, table, ANYWHERE, igw.internet_gateway_id, own_subnet=own)
        return False

    def _blackhole(self, b: Blocker) -> bool:
        """A blackhole route: accept the pending peering it leads to, else delete it when a
        shorter working route would carry the packet (no fallback past a blackhole)."""
        n, flow = self.n, self.flow
        compiled = compile_network(n)
        table = next(
            (
                s.route_table
                for s in compiled.subnets.values()
                if s.route_table is not None and s.route_table.route_table_id == b.component
            ),
            None,
        )
        if table is None:
            return False
        chosen = table.lookup(ip_int(flow.destination if b.path == "forward" else flow.source))
        if chosen is None or chosen.blackhole is None:
            return False
        pcx = n.vpc_peering_connections.get(chosen.target) if chosen.kind == "pcx" else None
        if pcx is not None and pcx.status == "pending-acceptance":
            pcx_id = pcx.vpc_peering_connection_id
            return self._add(
                Change(
                    b.code,
                    pcx_id,
                    "AcceptVpcPeeringConnection",
                    (("VpcPeeringConnectionId", pcx_id),),
                    f"aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {pcx_id}",
                    True,
                ),
                lambda net: net.accept_vpc_peering_connection(pcx_id),
            )
        dst = ip_int(flow.destination if b.path == "forward" else flow.source)
        if not any(r is not chosen and r.blackhole is None for r in table.all_matching(dst)):
            return False
        table_id, destination = b.component, chosen.destination
        try:
            n.delete_route(table_id, destination)
        except ModelError:
            return False
        others = tuple(_subnets_of_table(n, n.route_tables[table_id]))
        self.candidates.append(
            _Candidate(
                Change(
                    b.code,
                    table_id,
                    "DeleteRoute",
                    (("RouteTableId", table_id), (_destination_key(destination), destination)),
                    f"aws ec2 delete-route --route-table-id {table_id} {_destination_flag(destination)} {destination}",
                    True,
                    affects=others,
                ),
                lambda net: net.delete_route(table_id, destination),
            )
        )
        return True

    def _origin_eni(self, forward: bool) -> NetworkInterface | None:
        """The network interface the packet leaves from on this path: the sender, or for the reply
        the destination (found by its private or public address)."""
        n, flow = self.n, self.flow
        if forward:
            return n.network_interfaces.get(flow.source_eni or "")
        owners = n.owners_of_private_ip(flow.destination)
        owner = owners[0] if len(owners) == 1 else n.owner_of_public_ip(flow.destination)
        return n.network_interfaces.get(owner.network_interface_id) if owner is not None else None

    @staticmethod
    def _subnet_before(current: Trace, b: Blocker) -> str | None:
        """The subnet whose route table ``b`` blames: the last subnet the packet entered before."""
        hops = current.forward if b.path == "forward" else current.return_
        last = None
        for hop in hops:
            if hop.component == b.component:
                return last
            if hop.type == "subnet":
                last = hop.component
        return last

    @staticmethod
    def _translated_before(current: Trace, b: Blocker) -> bool:
        """A NAT gateway translated the packet before it met the route table ``b`` blames."""
        hops = current.forward if b.path == "forward" else current.return_
        for hop in hops:
            if hop.component == b.component:
                return False
            if hop.type == "nat-gateway":
                return True
        return False

    def _add_route(
        self, b: Blocker, table: RouteTable, destination: str, target: str, *, own_subnet: str | None
    ) -> bool:
        table_id = table.route_table_id
        existing = _route_of(table, destination)
        replace = existing is not None
        if existing is not None and existing.gateway_id == "local":
            return False

        def apply(net: Network) -> None:
            if replace:
                net.delete_route(table_id, destination)
            net.create_route(table_id, destination, target)

        try:
            probe = copy.deepcopy(self.n)
            apply(probe)
        except ModelError:
            return False
        others = tuple(s for s in _subnets_of_table(self.n, table) if s != own_subnet)
        # A blackhole route this round's fixes deleted, now created again: one ReplaceRoute.
        deleted = next(
            (
                c
                for c in self.candidates
                if c.change.action == "DeleteRoute"
                and dict(c.change.parameters)
                == {"RouteTableId": table_id, _destination_key(destination): destination}
            ),
            None,
        )
        if deleted is not None:
            self.candidates.remove(deleted)
            replace = True
        verb, action = ("replace-route", "ReplaceRoute") if replace else ("create-route", "CreateRoute")
        change = Change(
            b.code,
            table_id,
            action,
            (("RouteTableId", table_id), (_destination_key(destination), destination), ("Target", target)),
            f"aws ec2 {verb} --route-table-id {table_id} {_destination_flag(destination)} {destination} "
            f"{_target_flag(target)} {target}",
            True,
            affects=others,
        )
        if deleted is None:
            return self._add(change, apply)
        self.n.create_route(table_id, destination, target)  # the working copy lost the route already
        self.candidates.append(_Candidate(change, apply))
        return True


def _verify(
    network: Network, flow: Flow, candidates: Sequence[_Candidate]
) -> tuple[list[Change], bool, Trace]:
    """Apply the candidates to fresh copies of ``network`` and trace again: drop the changes the
    path opens without, mark the rest verified when they open it. Returns the changes, whether
    they open the path, and the trace with every change tried."""

    def traced(subset: Sequence[_Candidate]) -> Trace | None:
        """The trace with ``subset`` made; None when a change cannot be made without one left out
        (a route created where a deleted one stood): the path stays closed."""
        work = copy.deepcopy(network)
        work.touch()
        destination = flow.destination
        try:
            for c in subset:
                assert c.apply is not None
                c.apply(work)
                if c.destination is not None:
                    destination = c.destination
        except ModelError:
            return None
        return trace(work, dataclasses.replace(flow, destination=destination), record=False)

    def opens(subset: Sequence[_Candidate]) -> bool:
        result = traced(subset)
        return result is not None and result.reachable

    tried = [c for c in candidates if c.apply is not None]
    full = traced(tried)
    assert full is not None, "every change was made on the working copy in this order"
    if not full.reachable:
        return [c.change for c in candidates], False, full
    kept = list(tried)
    dropped = True
    while dropped:
        dropped = False
        for c in kept:
            rest = [k for k in kept if k is not c]
            if opens(rest):
                kept, dropped = rest, True
                break
    return [dataclasses.replace(c.change, verified=True) for c in kept], True, full


def why(network: Network, flow: Flow) -> WhyResult:
    """Every blocker of ``flow`` over rounds of fixing, and the verified changes that open its path."""
    first: Trace = trace(network, flow, record=False)
    found: list[Finding] = []
    work = copy.deepcopy(network)
    work.touch()
    fixer = _Fixer(work, flow)
    seen: set[tuple[str, str, str, str | None]] = set()
    current = trace(work, flow, record=True)
    for round_ in range(MAX_ROUNDS):
        for blocker in current.blockers:
            key = (blocker.code, blocker.component, blocker.path, blocker.direction)
            if key not in seen:
                seen.add(key)
                found.append(Finding(blocker, round_))
        if current.reachable or not current.blockers:
            break
        f = fixer.flow
        compiled = compile_network(work)
        sk = skeleton(compiled, _walk_of(f), f.source, f.destination, f.source_eni)
        transit = any(b.code == C.SG_REFERENCING_SUPPORT for b in current.blockers)
        applied = fixer.fix_filters(sk.filters, transit_references=compiled if transit else None)
        applied |= fixer.fix_structure(current)
        if not applied:
            break
        current = trace(work, fixer.flow, record=True)
    found.sort(key=lambda f: (f.step[0], f.round, 0 if f.blocker.path == "forward" else 1))
    if first.reachable:
        return WhyResult(flow, first.verdict, tuple(found), (), True, first.verdict, flow)
    changes, opens, after = _verify(network, flow, fixer.candidates)
    return WhyResult(
        flow,
        first.verdict,
        tuple(found),
        tuple(changes),
        opens=opens and all(c.verified for c in changes),
        verdict_after=after.verdict,
        flow_after=after.flow,
    )
