"""``why``: every blocker of one flow along the tutorial's checklist, and the smallest set of
changes that opens its path.

Why more than ``trace``: the engine reports every filter that drops the packet, but a walk stops
where no path goes on (no route, a blackhole): blockers further along stay hidden until the
first are fixed. ``why`` fixes what it can on a copy of the network, walks again, and repeats:
the blockers revealed on later rounds are reported too (``revealed: true``), in the checklist's
order (security groups, network ACLs, route tables, placement, internet access, then the rest).

The changes (in the spirit of the "blocked paths" of AWS's CAV 2021 paper) are one per failing
filter or component: a security-group rule for exactly the flow's protocol, port and peer
address; a network-ACL allow entry numbered just below the entry that denies, for exactly the
failing ports; a route, an Elastic IP, starting an instance, turning off a source/destination
check. Each is necessary (every failing filter drops the flow on its own) and together they open
the path when ``opens`` is true; changes the model cannot try (``applied: false``) are advice.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..engine import codes as C
from ..engine import explain
from ..engine.compiled import compile_network, ip_int, ip_str, is_internet_routable
from ..engine.filters import Packet, acl_decide, sg_decide
from ..engine.flow import ICMP, ICMP_REPLIES, TCP, UDP, Flow
from ..engine.ports import format_ranges
from ..engine.result import Blocker, Trace
from ..engine.trace import trace
from ..model import Network, protocol_name
from ..model.addressing import route_target_field
from ..model.network import ModelError
from .atoms import WALK_OTHER, WALK_TCP, WALK_UDP, icmp_walk
from .skeleton import ROLE_CONST, ROLE_SPORT, FilterCall, skeleton

SCHEMA_VERSION = 1
MAX_ROUNDS = 8

#: The tutorial's checklist: which step each code belongs to.
CHECKLIST: dict[str, tuple[int, str]] = {}
for _step, _name, _codes in (
    (1, "security groups", (C.ENI_SG_RULES_MISMATCH, C.SG_HAS_NO_RULES, C.UNKNOWN_PEERED_SGS)),
    (2, "network ACLs", (C.SUBNET_ACL_RESTRICTION,)),
    (
        3,
        "route tables",
        (C.NO_ROUTE_TO_DESTINATION, C.BAD_STATE_ROUTE, C.VPCSIM_ROUTING_LOOP, "VPCSIM_ASYMMETRIC_REPLY"),
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


@dataclass(frozen=True, slots=True)
class Change:
    code: str
    """The blocker's code this change answers."""
    component: str
    action: str
    """The EC2 API action (``AuthorizeSecurityGroupIngress``, ``CreateNetworkAclEntry``...)."""
    parameters: tuple[tuple[str, object], ...]
    command: str
    """The same change as an AWS CLI command."""
    applied: bool
    """Tried on a copy of the network (True) or advice the model cannot try (False)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "component": self.component,
            "action": self.action,
            "parameters": dict(self.parameters),
            "command": self.command,
            "applied": self.applied,
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
    verdict_after: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "flow": self.flow.to_dict(),
            "verdict": self.verdict,
            "blockers": [b.to_dict() for b in self.blockers],
            "changes": [c.to_dict() for c in self.changes],
            "opens": self.opens,
            "verdict_after": self.verdict_after,
        }


def _walk_of(flow: Flow) -> str:
    if flow.protocol == TCP:
        return WALK_TCP
    if flow.protocol == UDP:
        return WALK_UDP
    if flow.protocol == ICMP:
        return icmp_walk(flow.icmp_type if flow.icmp_type is not None else 8)
    return WALK_OTHER


def _packet(flow: Flow, call: FilterCall) -> Packet:
    """The packet as ``call`` sees it, for the concrete flow."""
    itype = flow.icmp_type if flow.icmp_type is not None else -1
    icode = flow.icmp_code if flow.icmp_code is not None else -1
    if call.path == "return" and flow.protocol == ICMP:
        itype = ICMP_REPLIES.get(itype, itype)
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


class _Fixer:
    """Applies changes to a working copy of the network."""

    def __init__(self, network: Network) -> None:
        self.n = network
        self.changes: list[Change] = []

    def fix_filters(self, flow: Flow, calls: list[FilterCall]) -> bool:
        applied = False
        for call in calls:
            pkt = _packet(flow, call)
            if call.kind == "sg":
                allowed, _ = sg_decide(call.rules, pkt, call.remote)  # type: ignore[arg-type]
                if allowed is None:
                    applied |= self._sg_rule(flow, call, pkt)
            else:
                decisions = acl_decide(call.rules, pkt, call.remote)  # type: ignore[arg-type]
                denied = [(ports, rule) for ports, ok, rule in decisions if not ok]
                if denied:
                    applied |= self._acl_entry(flow, call, pkt, denied)
        return applied

    def _sg_rule(self, flow: Flow, call: FilterCall, pkt: Packet) -> bool:
        eni = self.n.network_interfaces[call.owner]
        if not eni.groups:
            self.changes.append(
                Change(
                    C.ENI_SG_RULES_MISMATCH,
                    eni.network_interface_id,
                    "ModifyNetworkInterfaceAttribute",
                    (("NetworkInterfaceId", eni.network_interface_id),),
                    f"aws ec2 modify-network-interface-attribute --network-interface-id {eni.network_interface_id} --groups SG_ID",
                    False,
                )
            )
            return False
        group = eni.groups[0]
        egress = call.direction == "outbound"
        peer = f"{ip_str(call.remote)}/32"
        rule: dict[str, object] = {"ip_protocol": protocol_name(flow.protocol), "cidr_ipv4": peer}
        params: list[tuple[str, object]] = [("GroupId", group), ("IpProtocol", protocol_name(flow.protocol))]
        if flow.has_ports:
            port = flow.destination_port or 0
            rule["from_port"] = rule["to_port"] = port
            params += [("FromPort", port), ("ToPort", port)]
        elif flow.protocol == ICMP:
            rule["from_port"], rule["to_port"] = pkt.itype, pkt.icode
            params += [("FromPort", pkt.itype), ("ToPort", pkt.icode)]
        params.append(("CidrIp", peer))
        action = "AuthorizeSecurityGroupEgress" if egress else "AuthorizeSecurityGroupIngress"
        if egress:
            self.n.authorize_security_group_egress(group, **rule)
        else:
            self.n.authorize_security_group_ingress(group, **rule)
        cli = _traffic_args(flow, pkt)
        verb = "egress" if egress else "ingress"
        self.changes.append(
            Change(
                C.ENI_SG_RULES_MISMATCH,
                group,
                action,
                tuple(params),
                f"aws ec2 authorize-security-group-{verb} --group-id {group} {cli} --cidr {peer}",
                True,
            )
        )
        return True

    def _acl_entry(
        self,
        flow: Flow,
        call: FilterCall,
        pkt: Packet,
        denied: list[tuple[tuple[tuple[int, int], ...] | None, int]],
    ) -> bool:
        acl = self.n.network_acls[call.component]
        egress = call.direction == "outbound"
        taken = {e.rule_number for e in acl.entries if e.egress == egress}
        lowest = min(rule for _, rule in denied)
        peer = f"{ip_str(call.remote)}/32"
        ranges: list[tuple[int, int] | None] = []
        for ports, _ in denied:
            ranges.extend(ports if ports is not None else [None])
        applied = False
        for port_range in ranges:
            number = next((k for k in range(lowest - 1, 0, -1) if k not in taken), None)
            params: list[tuple[str, object]] = [
                ("NetworkAclId", acl.network_acl_id),
                ("Egress", egress),
                ("Protocol", str(flow.protocol)),
                ("RuleAction", "allow"),
                ("CidrBlock", peer),
            ]
            cli = (
                f"aws ec2 create-network-acl-entry --network-acl-id {acl.network_acl_id} "
                f"{'--egress' if egress else '--ingress'} --protocol {flow.protocol} --rule-action allow "
                f"--cidr-block {peer}"
            )
            icmp = None
            if port_range is not None:
                params.append(("PortRange", {"From": port_range[0], "To": port_range[1]}))
                cli += f" --port-range From={port_range[0]},To={port_range[1]}"
            elif flow.protocol == ICMP:
                icmp = (pkt.itype, pkt.icode)
                params.append(("IcmpTypeCode", {"Type": pkt.itype, "Code": pkt.icode}))
                cli += f" --icmp-type-code Type={pkt.itype},Code={pkt.icode}"
            if number is None:
                self.changes.append(
                    Change(
                        C.SUBNET_ACL_RESTRICTION,
                        acl.network_acl_id,
                        "ReplaceNetworkAclEntry",
                        (*params, ("RuleNumber", lowest)),
                        cli.replace("create-network-acl-entry", "replace-network-acl-entry")
                        + f" --rule-number {lowest}",
                        False,
                    )
                )
                continue
            taken.add(number)
            params.append(("RuleNumber", number))
            self.n.create_network_acl_entry(
                acl,
                number,
                egress=egress,
                rule_action="allow",
                protocol=flow.protocol,
                cidr_block=peer,
                port_range=port_range,
                icmp_type_code=icmp,
            )
            self.changes.append(
                Change(
                    C.SUBNET_ACL_RESTRICTION,
                    acl.network_acl_id,
                    "CreateNetworkAclEntry",
                    tuple(params),
                    cli + f" --rule-number {number}",
                    True,
                )
            )
            applied = True
        return applied

    def fix_structure(self, flow: Flow, blockers: list[Blocker]) -> bool:
        """Components other than filters: what the model can try, and advice for the rest."""
        applied = False
        for b in blockers:
            if b.code in (C.ENI_SG_RULES_MISMATCH, C.SG_HAS_NO_RULES, C.SUBNET_ACL_RESTRICTION):
                continue
            applied |= self._structure(flow, b)
        return applied

    def _advice(self, b: Blocker) -> bool:
        key = (b.code, b.component)
        if not any((c.code, c.component) == key for c in self.changes):
            self.changes.append(Change(b.code, b.component, "Manual", (("Fix", b.fix),), b.fix, False))
        return False

    def _structure(self, flow: Flow, b: Blocker) -> bool:
        n = self.n
        if (
            b.code == C.BAD_STATE
            and b.component in n.instances
            and n.instances[b.component].state != "running"
        ):
            n.start_instance(b.component)
            self.changes.append(
                Change(
                    b.code,
                    b.component,
                    "StartInstances",
                    (("InstanceIds", [b.component]),),
                    f"aws ec2 start-instances --instance-ids {b.component}",
                    True,
                )
            )
            return True
        if b.code == C.ENI_SOURCE_DEST_CHECK_RESTRICTION and b.component in n.network_interfaces:
            n.network_interfaces[b.component].source_dest_check = False
            n.touch()
            self.changes.append(
                Change(
                    b.code,
                    b.component,
                    "ModifyNetworkInterfaceAttribute",
                    (("NetworkInterfaceId", b.component), ("SourceDestCheck", False)),
                    f"aws ec2 modify-network-interface-attribute --network-interface-id {b.component} --no-source-dest-check",
                    True,
                )
            )
            return True
        if (
            b.code == C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS
            and flow.source_eni in n.network_interfaces
            and b.path == "forward"
        ):
            eni = n.network_interfaces[flow.source_eni]
            if any(p.private_ip_address == flow.source and not p.public_ip for p in eni.private_ip_addresses):
                eip = n.allocate_address()
                n.associate_address(eip, eni, private_ip=flow.source)
                self.changes.append(
                    Change(
                        b.code,
                        eni.network_interface_id,
                        "AssociateAddress",
                        (
                            ("AllocationId", "NEW_ELASTIC_IP"),
                            ("NetworkInterfaceId", eni.network_interface_id),
                            ("PrivateIpAddress", flow.source),
                        ),
                        f"aws ec2 allocate-address --domain vpc && aws ec2 associate-address --allocation-id ALLOCATION_ID "
                        f"--network-interface-id {eni.network_interface_id} --private-ip-address {flow.source}",
                        True,
                    )
                )
                return True
        if b.code == C.NO_ROUTE_TO_DESTINATION and b.component in n.route_tables:
            return self._route(flow, b)
        return self._advice(b)

    def _route(self, flow: Flow, b: Blocker) -> bool:
        n = self.n
        table = n.route_tables[b.component]
        destination, target = None, None
        dst = ip_int(flow.destination if b.path == "forward" else flow.source)
        # The route the engine's own fix names: the other VPC's block through the peering.
        other = explain.other_vpc(compile_network(n), table.vpc_id, dst)
        if other is not None:
            if other.peering is not None:
                destination, target = other.block, other.peering
        elif is_internet_routable(dst):
            # One change: a NAT gateway for a sender without a public address, else the IGW.
            sender = n.network_interfaces.get(flow.source_eni or "")
            has_public = sender is not None and any(
                p.private_ip_address == flow.source and p.public_ip for p in sender.private_ip_addresses
            )
            nats = sorted(
                nat.nat_gateway_id
                for nat in n.nat_gateways.values()
                if nat.vpc_id == table.vpc_id
                and nat.state == "available"
                and nat.connectivity_type == "public"
                and nat.subnet_id not in table.subnet_ids
            )
            igw = n.internet_gateway_of_vpc(table.vpc_id)
            if b.path == "forward" and not has_public and nats:
                destination, target = "0.0.0.0/0", nats[0]
            elif igw is not None:
                destination, target = "0.0.0.0/0", igw.internet_gateway_id
        if destination is None or target is None:
            return self._advice(b)
        try:
            n.create_route(table, destination, target)
        except ModelError:
            return self._advice(b)
        self.changes.append(
            Change(
                b.code,
                table.route_table_id,
                "CreateRoute",
                (
                    ("RouteTableId", table.route_table_id),
                    ("DestinationCidrBlock", destination),
                    ("Target", target),
                ),
                f"aws ec2 create-route --route-table-id {table.route_table_id} --destination-cidr-block {destination} "
                f"{_target_flag(target)} {target}",
                True,
            )
        )
        return True


def _target_flag(target: str) -> str:
    """The ``aws ec2 create-route`` option for ``target``: its route field, spelt as an option."""
    return "--" + (route_target_field(target) or "gateway_id").replace("_", "-")


def why(network: Network, flow: Flow) -> WhyResult:
    """Every blocker of ``flow`` over rounds of fixing, and the changes that open its path."""
    first: Trace = trace(network, flow, record=False)
    found: list[Finding] = []
    work = copy.deepcopy(network)
    work.touch()
    fixer = _Fixer(work)
    seen: set[tuple[str, str, str, str | None]] = set()
    current = first
    for round_ in range(MAX_ROUNDS):
        for blocker in current.blockers:
            key = (blocker.code, blocker.component, blocker.path, blocker.direction)
            if key not in seen:
                seen.add(key)
                found.append(Finding(blocker, round_))
        if current.reachable or not current.blockers:
            break
        sk = skeleton(compile_network(work), _walk_of(flow), flow.source, flow.destination, flow.source_eni)
        applied = fixer.fix_filters(flow, sk.filters)
        applied |= fixer.fix_structure(flow, list(current.blockers))
        if not applied:
            break
        current = trace(work, flow, record=False)
    found.sort(key=lambda f: (f.step[0], f.round, 0 if f.blocker.path == "forward" else 1))
    return WhyResult(
        flow,
        first.verdict,
        tuple(found),
        tuple(fixer.changes),
        opens=current.reachable and all(c.applied for c in fixer.changes),
        verdict_after=current.verdict,
    )
