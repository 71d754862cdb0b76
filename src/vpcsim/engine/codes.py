"""Explanation codes: AWS Reachability Analyzer's where AWS has one, ``VPCSIM_`` otherwise.

One code per cause. ``docs/explanation-codes.md`` is generated from this table (and a test
checks that it is current), so the documentation cannot drift from the engine.
"""

from __future__ import annotations

ENI_SG_RULES_MISMATCH = "ENI_SG_RULES_MISMATCH"
SG_HAS_NO_RULES = "SG_HAS_NO_RULES"
SUBNET_ACL_RESTRICTION = "SUBNET_ACL_RESTRICTION"
NO_ROUTE_TO_DESTINATION = "NO_ROUTE_TO_DESTINATION"
BAD_STATE_ROUTE = "BAD_STATE_ROUTE"
BAD_STATE_ATTACHMENT = "BAD_STATE_ATTACHMENT"
BAD_STATE = "BAD_STATE"
IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS = "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS = "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"
IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS = "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"
IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS = "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS"
IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS = "IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS"
VPCE_GATEWAY_PROTOCOL_RESTRICTION = "VPCE_GATEWAY_PROTOCOL_RESTRICTION"
SG_REFERENCES_NOT_PRESERVED = "SG_REFERENCES_NOT_PRESERVED"
SG_REFERENCING_SUPPORT = "SG_REFERENCING_SUPPORT"
VPCSIM_ASYMMETRIC_REPLY = "VPCSIM_ASYMMETRIC_REPLY"
VPCSIM_NAT_UNTRACKED_ICMP_ERROR = "VPCSIM_NAT_UNTRACKED_ICMP_ERROR"
VPCSIM_UNKNOWN_ADDRESS = "VPCSIM_UNKNOWN_ADDRESS"
ENI_SOURCE_DEST_CHECK_RESTRICTION = "ENI_SOURCE_DEST_CHECK_RESTRICTION"
PROTOCOL_RESTRICTION = "PROTOCOL_RESTRICTION"
NGW_REQUIRES_SOURCE_IN_VPC = "NGW_REQUIRES_SOURCE_IN_VPC"
PCX_REQUIRES_ADDRESS_IN_VPC_CIDR = "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"
NO_PATH = "NO_PATH"
DISCONNECTED_VPCS = "DISCONNECTED_VPCS"
NO_POSSIBLE_DESTINATION = "NO_POSSIBLE_DESTINATION"
UNKNOWN_DESTINATION = "UNKNOWN_DESTINATION"
UNKNOWN_RESOURCE = "UNKNOWN_RESOURCE"
UNKNOWN_PEERED_SGS = "UNKNOWN_PEERED_SGS"
VPCSIM_NAT_GATEWAY_NO_INBOUND = "VPCSIM_NAT_GATEWAY_NO_INBOUND"
VPCSIM_OUTSIDE_MODEL = "VPCSIM_OUTSIDE_MODEL"
VPCSIM_SERVICE_PORT_CLOSED = "VPCSIM_SERVICE_PORT_CLOSED"
VPCSIM_ROUTING_LOOP = "VPCSIM_ROUTING_LOOP"
VPCSIM_NOT_A_HOST = "VPCSIM_NOT_A_HOST"
TGW_ROUTE_AZ_RESTRICTION = "TGW_ROUTE_AZ_RESTRICTION"
TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION = "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION"
TGW_RTB_CANNOT_ROUTE = "TGW_RTB_CANNOT_ROUTE"
TGW_RTB_BAD_STATE_ROUTE = "TGW_RTB_BAD_STATE_ROUTE"
TGW_RTB_ROUTES_ARE_UNKNOWN = "TGW_RTB_ROUTES_ARE_UNKNOWN"
TGW_ATTACH_VPC_AZ_RESTRICTION = "TGW_ATTACH_VPC_AZ_RESTRICTION"
TGW_RTB_MORE_SPECIFIC_ROUTE = "TGW_RTB_MORE_SPECIFIC_ROUTE"
TGW_RTB_HIGHER_PRIORITY_ROUTE = "TGW_RTB_HIGHER_PRIORITY_ROUTE"
TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT = "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT"
TGW_BAD_STATE_VPN = "TGW_BAD_STATE_VPN"
VPCSIM_VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC = "VPCSIM_VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC"
VPCE_INTRA_VPC_TRAFFIC = "VPCE_INTRA_VPC_TRAFFIC"
# Elastic Load Balancing (engine/elb.py)
ELBV2_LISTENERS_MISMATCH = "ELBV2_LISTENERS_MISMATCH"
ELBV2_LISTENER_PORT_RESTRICTION = "ELBV2_LISTENER_PORT_RESTRICTION"
ELB_LISTENERS_MISMATCH = "ELB_LISTENERS_MISMATCH"
ELB_LISTENER_PORT_RESTRICTION = "ELB_LISTENER_PORT_RESTRICTION"
ELBV2_LISTENER_REQUIRES_TG_ACCEPT = "ELBV2_LISTENER_REQUIRES_TG_ACCEPT"
ELBV2_LISTENER_HAS_NO_TG = "ELBV2_LISTENER_HAS_NO_TG"
ELB_INSTALLED_AZ_RESTRICTION = "ELB_INSTALLED_AZ_RESTRICTION"
ELBV2_NO_TARGETS_IN_AZ = "ELBV2_NO_TARGETS_IN_AZ"
ELB_NOT_CROSSZONE = "ELB_NOT_CROSSZONE"
ELB_ACL_RESTRICTION = "ELB_ACL_RESTRICTION"
ELBV2_SOURCE_ADDRESS_PRESERVATION = "ELBV2_SOURCE_ADDRESS_PRESERVATION"
VPCSIM_EIGW_INBOUND_INITIATED = "VPCSIM_EIGW_INBOUND_INITIATED"
VPCSIM_ADDRESS_FAMILY = "VPCSIM_ADDRESS_FAMILY"
VPCSIM_IPV6_NOT_GLOBAL = "VPCSIM_IPV6_NOT_GLOBAL"
# Reachability Analyzer's additional detail codes: informational, given as ``detail`` steps
TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED = "TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED"
RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY = "RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY"
MISSING_TARGET_GROUP_ATTRIBUTES = "MISSING_TARGET_GROUP_ATTRIBUTES"
ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED = "ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED"
ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED = "ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED"
PATH_THROUGH_GWLB_NOT_CHECKED = "PATH_THROUGH_GWLB_NOT_CHECKED"

#: code -> (where it comes from, what it means). Order: the tutorial's checklist.
CODES: dict[str, tuple[str, str]] = {
    ENI_SG_RULES_MISMATCH: (
        "AWS",
        "A security group of the sending ENI (outbound) or receiving ENI (inbound) has no rule that "
        "allows the packet. Security groups only allow; replies of an allowed flow always pass.",
    ),
    SG_REFERENCES_NOT_PRESERVED: (
        "AWS",
        "A security group rule references a group, but the traffic was forwarded by a middlebox ENI, which does "
        "not preserve group membership: only CIDR and prefix-list rules can match it.",
    ),
    SG_REFERENCING_SUPPORT: (
        "AWS",
        "Only an inbound rule referencing a group of another VPC would allow the packet, which crossed a transit "
        "gateway, and the reference does not resolve: the transit gateway (default off) or a VPC attachment (default "
        "on) lacks `SecurityGroupReferencingSupport`, so the traffic loses its group identity. One blocker per "
        "resource to enable. Outbound references never resolve across a transit gateway "
        "(`ENI_SG_RULES_MISMATCH`).",
    ),
    SG_HAS_NO_RULES: (
        "AWS",
        "Every security group of the ENI has no rule at all in that direction, so nothing is allowed.",
    ),
    SUBNET_ACL_RESTRICTION: (
        "AWS",
        "A network ACL rule denies the packet entering or leaving a subnet (the lowest-numbered matching "
        "rule decides; the `*` rule denies the rest). NACLs are stateless: the reply is judged again, "
        "on the client's ports; `ports` lists the client ports that fail when only some do.",
    ),
    NO_ROUTE_TO_DESTINATION: ("AWS", "No route of the subnet's route table covers the destination."),
    BAD_STATE_ROUTE: (
        "AWS",
        "The winning route is a blackhole (its target is deleted, stopped or not functional); AWS does "
        "not fall back to a shorter route.",
    ),
    BAD_STATE_ATTACHMENT: (
        "AWS",
        "The route's gateway is not attached to the VPC (an internet gateway detached or attached elsewhere), "
        "or a transit gateway attachment is not available (pending, deleted, a peering not accepted).",
    ),
    BAD_STATE: (
        "AWS",
        "A component is not in a functional state (a stopped instance neither sends nor receives).",
    ),
    IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS: (
        "AWS",
        "Traffic leaves through an internet gateway from a private address that has no public IPv4 or "
        "Elastic IP; the gateway drops it.",
    ),
    IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS: (
        "AWS",
        "Traffic from the internet is addressed to a private address; the internet cannot route it and no "
        "internet gateway translates it.",
    ),
    IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS: (
        "AWS",
        "An internet gateway does not carry traffic to RFC 1918 (or other non-internet) destinations.",
    ),
    IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS: (
        "AWS",
        "An internet gateway does not carry traffic to RFC 6598 (100.64.0.0/10, shared address space) destinations.",
    ),
    IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS: (
        "AWS",
        "An internet gateway does not accept traffic from RFC 1918 (or other non-internet) sources.",
    ),
    IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS: (
        "AWS",
        "An internet gateway does not accept traffic from RFC 6598 (100.64.0.0/10) sources.",
    ),
    ENI_SOURCE_DEST_CHECK_RESTRICTION: (
        "AWS",
        "Source/destination check is on for an ENI that forwards traffic that is not its own (an "
        "appliance or NAT instance must have it disabled).",
    ),
    PROTOCOL_RESTRICTION: (
        "AWS",
        "The component cannot carry this protocol (a NAT gateway carries TCP, UDP and ICMP only).",
    ),
    VPCE_GATEWAY_PROTOCOL_RESTRICTION: (
        "AWS",
        "A gateway VPC endpoint (S3, DynamoDB) carries TCP and ICMP echo only.",
    ),
    NGW_REQUIRES_SOURCE_IN_VPC: (
        "AWS",
        "A NAT gateway only translates traffic from its own VPC (not over peering, VPN or Direct Connect).",
    ),
    PCX_REQUIRES_ADDRESS_IN_VPC_CIDR: (
        "AWS",
        "A peering connection carries a packet only if its source lies in one peer's blocks and its "
        "destination in the other's: no transitive peering, no edge-to-edge routing.",
    ),
    TGW_ROUTE_AZ_RESTRICTION: (
        "AWS",
        "A subnet routes to a transit gateway, but the gateway's VPC attachment has no subnet in the "
        "subnet's Availability Zone: traffic from that zone cannot reach the transit gateway.",
    ),
    TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION: (
        "AWS",
        "The transit gateway attachment the packet arrives from is associated with no transit gateway "
        "route table: the transit gateway drops it.",
    ),
    TGW_RTB_CANNOT_ROUTE: (
        "AWS",
        "No route of the transit gateway route table (static, or propagated from an attachment) covers the "
        "destination.",
    ),
    TGW_RTB_BAD_STATE_ROUTE: (
        "AWS",
        "The transit gateway route that wins for the destination is a blackhole (hiding no usable route), or not active (its "
        "attachment deleted or not available): the packet is dropped, with no fallback to a shorter route.",
    ),
    TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT: (
        "AWS",
        "No route of the transit gateway route table covers the destination, which lies in a VPC attached to "
        "the same transit gateway: the table has no route to that VPC's attachment (not propagated, no static "
        "route). vpcsim's choice where AWS's is unverified: a destination in no attached VPC is "
        "`TGW_RTB_CANNOT_ROUTE`.",
    ),
    TGW_RTB_MORE_SPECIFIC_ROUTE: (
        "AWS",
        "A more specific transit gateway blackhole route wins over a usable shorter "
        "route for the destination: the packet is dropped, with no fallback. vpcsim's choice where AWS's is "
        "unverified: without a usable shorter route, or for a route not active (its attachment deleted or not available), the drop is "
        "`TGW_RTB_BAD_STATE_ROUTE`.",
    ),
    TGW_RTB_HIGHER_PRIORITY_ROUTE: (
        "AWS",
        "A transit gateway route of the same prefix and higher priority (static > prefix list > VPC- > Direct "
        "Connect- > Connect- > VPN-propagated), a blackhole, hides a usable route for the "
        "destination: the packet is dropped. vpcsim's choice where AWS's is unverified: without a hidden "
        "usable route, or for a route not active, the drop is `TGW_RTB_BAD_STATE_ROUTE`.",
    ),
    TGW_BAD_STATE_VPN: (
        "AWS",
        "The transit gateway route that wins for the destination targets a VPN attachment that is not "
        "available (its VPN connection is not functional): the packet is dropped.",
    ),
    TGW_RTB_ROUTES_ARE_UNKNOWN: (
        "AWS",
        "The transit gateway route table's routes are not all known (BGP routes a VPN, Direct Connect or "
        "Connect attachment propagates and the input does not list, or a transit gateway whose route tables "
        "are not in the input).",
    ),
    TGW_ATTACH_VPC_AZ_RESTRICTION: (
        "AWS",
        "The reply crosses a VPC attachment (an inspection VPC) in another Availability Zone than the request "
        "did: without appliance mode the transit gateway keeps each direction in its own zone, and a stateful "
        "appliance never sees the connection's other half.",
    ),
    VPCE_INTRA_VPC_TRAFFIC: (
        "AWS",
        "A VPC endpoint only answers connections its consumers open: traffic addressed to an endpoint that it "
        "would have to initiate (a reply it never sent, a connection from the service side) has no path.",
    ),
    VPCSIM_VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC: (
        "vpcsim",
        "A gateway VPC endpoint (S3, DynamoDB) carries only traffic from its own VPC: not over VPC peering, a "
        "transit gateway, VPN or Direct Connect.",
    ),
    NO_PATH: (
        "AWS",
        "There is no path between the two ends (for example the VPC has no attached internet gateway "
        "for traffic from the internet).",
    ),
    DISCONNECTED_VPCS: (
        "AWS",
        "The destination is in another VPC and no active peering connection joins the two VPCs.",
    ),
    NO_POSSIBLE_DESTINATION: (
        "AWS",
        "No network interface holds the destination address in the VPC it reaches.",
    ),
    UNKNOWN_DESTINATION: (
        "AWS",
        "A public address that nothing in the network owns: traffic from the internet to it never enters the network.",
    ),
    UNKNOWN_RESOURCE: (
        "AWS",
        "The path crosses a component that the input references but does not describe; the answer depends on it.",
    ),
    UNKNOWN_PEERED_SGS: (
        "AWS",
        "A security group rule references a group that is not in the input (another account, or a peered "
        "VPC not imported); whether it matches is unknown.",
    ),
    VPCSIM_NAT_GATEWAY_NO_INBOUND: (
        "vpcsim",
        "A NAT gateway never accepts connections initiated towards it (from the internet or elsewhere).",
    ),
    VPCSIM_NAT_UNTRACKED_ICMP_ERROR: (
        "vpcsim",
        "An ICMP error message (types 3, 4, 5, 11, 12) that belongs to no connection reaches a NAT gateway or NAT "
        "instance: a NAT translates ICMP errors only through the session of the packet they quote (RFC 5508), "
        "and drops them otherwise. Found by the live lab's differential test.",
    ),
    VPCSIM_UNKNOWN_ADDRESS: (
        "vpcsim",
        "An end's private address is a stand-in for one AWS assigns at apply (a Terraform plan), and a rule or "
        "route covers only part of its subnet: the real address may fall on either side, so the answer is unknown.",
    ),
    VPCSIM_OUTSIDE_MODEL: (
        "vpcsim",
        "The path leaves the modelled network (a virtual private gateway, transit gateway or other target "
        "beyond which nothing is described); the verdict is unknown.",
    ),
    VPCSIM_SERVICE_PORT_CLOSED: (
        "vpcsim",
        "A VPC-provided service (DNS resolver: udp/tcp 53; instance metadata: tcp 80; Time Sync: udp 123) "
        "does not answer on this protocol or port.",
    ),
    VPCSIM_ASYMMETRIC_REPLY: (
        "vpcsim",
        "The reply comes back from another address than the one the client addressed (for example a reply "
        "routed out through a NAT gateway, which translates it): the client drops it. Asymmetric routing.",
    ),
    VPCSIM_ROUTING_LOOP: ("vpcsim", "The packet crossed more hops than any real path has: a routing loop."),
    VPCSIM_NOT_A_HOST: (
        "vpcsim",
        "The destination address belongs to a network interface AWS manages for a service that forwards or "
        "only sends (a transit gateway attachment, a Gateway Load Balancer endpoint, a Lambda function): it "
        "answers nothing addressed to it.",
    ),
    ELBV2_LISTENERS_MISMATCH: (
        "AWS",
        "An Application, Network or Gateway Load Balancer has a listener on the destination port, but for "
        "another protocol (a UDP packet to a TCP listener, any ICMP): no listener accepts the traffic.",
    ),
    ELBV2_LISTENER_PORT_RESTRICTION: (
        "AWS",
        "An Application, Network or Gateway Load Balancer accepts traffic only on its listeners' ports: no "
        "listener has the destination port.",
    ),
    ELB_LISTENERS_MISMATCH: (
        "AWS",
        "A Classic Load Balancer has a listener on the destination port, but for another protocol: no listener "
        "accepts the traffic.",
    ),
    ELB_LISTENER_PORT_RESTRICTION: (
        "AWS",
        "A Classic Load Balancer accepts traffic only on its listeners' ports: no listener has the destination port.",
    ),
    ELBV2_LISTENER_REQUIRES_TG_ACCEPT: (
        "AWS",
        "The listener forwards to no target group that accepts the traffic (its target groups are not in the "
        "input, or the listener has no forward action at all).",
    ),
    ELBV2_LISTENER_HAS_NO_TG: (
        "AWS",
        "The listener's target groups (a Classic Load Balancer: the load balancer) have no registered targets.",
    ),
    ELB_INSTALLED_AZ_RESTRICTION: (
        "AWS",
        "A load balancer sends only to targets in Availability Zones enabled on it: every target is in another zone.",
    ),
    ELBV2_NO_TARGETS_IN_AZ: (
        "AWS",
        "Cross-zone load balancing is off (an NLB's or GWLB's default, or the target group's attribute): the node "
        "that received the traffic serves only targets in its own zone, and there are none.",
    ),
    ELB_NOT_CROSSZONE: (
        "AWS",
        "A Classic Load Balancer with cross-zone load balancing off: the node that received the traffic serves "
        "only instances in its own zone, and there are none.",
    ),
    ELB_ACL_RESTRICTION: (
        "AWS",
        "A Classic Load Balancer's subnet network ACL applies to its outbound traffic even to instances in its "
        "own subnet, and denies it.",
    ),
    ELBV2_SOURCE_ADDRESS_PRESERVATION: (
        "AWS",
        "A Network Load Balancer keeps the client's address towards the target (client IP preservation): a "
        "target that is also the client is hashed to itself and the connection fails (no hairpin).",
    ),
    VPCSIM_EIGW_INBOUND_INITIATED: (
        "vpcsim",
        "An egress-only internet gateway (eigw-) forwards IPv6 connections initiated from inside the VPC and "
        "their replies only: it drops a connection initiated from the internet, and the reply of one that "
        "came in another way. Reachability Analyzer does not analyse IPv6, so AWS has no code for it.",
    ),
    VPCSIM_ADDRESS_FAMILY: (
        "vpcsim",
        "The component does not carry this address family: an egress-only internet gateway carries IPv6 "
        "only; a NAT gateway carries IPv4, and IPv6 only to 64:ff9b::/96 (NAT64), never IPv6 to IPv6.",
    ),
    VPCSIM_IPV6_NOT_GLOBAL: (
        "vpcsim",
        "An IPv6 address outside the global unicast space 2000::/3 (unique local fc00::/7, link-local, "
        "AWS's services in fd00:ec2::/32, multicast...) is not an internet address: an internet or "
        "egress-only gateway neither carries traffic to it nor accepts traffic from it.",
    ),
    TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED: (
        "AWS",
        "The request is inspected in a VPC neither end is in (through a transit gateway VPC attachment) and that "
        "attachment has no appliance mode: the reply may cross another Availability Zone's appliance.",
    ),
    RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY: (
        "AWS",
        "The request entered the destination's VPC from a transit gateway, but the route table of the destination's "
        "subnet has no active route for the reply's destination (the client's address) to that transit gateway: "
        "the reply does not go back the way the request came. The reply is traced all the same; where it fails, "
        "its own blocker (`NO_ROUTE_TO_DESTINATION`...) decides the verdict.",
    ),
    MISSING_TARGET_GROUP_ATTRIBUTES: (
        "AWS",
        "A Network Load Balancer sends to a target group whose attributes the input does not give (AWS input "
        "without `describe-target-group-attributes`, or without `preserve_client_ip.enabled` in it), and the "
        "target type and protocol leave client IP preservation open (instance targets; IP targets over TCP or "
        "TLS): the trace rests on an assumption, given next.",
    ),
    ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED: (
        "AWS",
        "With the target group's attributes missing, vpcsim assumes client IP preservation on, AWS's default "
        "for instance targets: the target sees the client's address. Verify the assumption.",
    ),
    ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED: (
        "AWS",
        "With the target group's attributes missing, vpcsim assumes client IP preservation off, AWS's default "
        "for IP targets over TCP or TLS: the target sees the load balancer node's address. Verify the assumption.",
    ),
    PATH_THROUGH_GWLB_NOT_CHECKED: (
        "AWS",
        "The path crosses a Gateway Load Balancer endpoint: the appliances behind the Gateway Load Balancer are "
        "not analysed (the packet goes on unchanged, as if they let it through). A flow addressed to a Gateway "
        "Load Balancer's node is not followed at all: `VPCSIM_OUTSIDE_MODEL`.",
    ),
}

_FILTERS = (
    "a path-specification code: a vpcsim trace is one concrete flow (source, destination, protocol, ports), with "
    "no intermediate component, included or excluded component, or filter at the source or destination to contradict"
)
_ROUTE_CHOICE = (
    "vpcsim follows the route that wins (longest prefix; the route step names it; a blackhole winner is "
    "`BAD_STATE_ROUTE`, no route `NO_ROUTE_TO_DESTINATION`): why another route is not taken matters only when a "
    "path must cross a given component (Reachability Analyzer's intermediate component), which a vpcsim trace "
    "cannot ask"
)
_TRANSLATION = (
    "a translation, not a blocker, in vpcsim: the trace's `nat` step shows the header before and after; the code "
    "would only explain a path filter the translated header contradicts, and vpcsim has no path filters"
)
_NOT_A_PATH = (
    "a path that cannot be analysed at all: vpcsim refuses such a flow before tracing, as a usage error (exit 2) "
    "that names the endpoint and what is wrong with it"
)

#: Reachability Analyzer's codes (the reference's complete list) that vpcsim never gives, each with
#: why; ``docs/explanation-codes.md`` lists them. Every code of AWS's list is in :data:`CODES` or here
#: (``tests/engine/test_code_coverage.py``).
NOT_GIVEN: dict[str, str] = {
    # Load balancers
    "TARGET_ADDRESS_RESTRICTION": "A load balancer sends only to registered targets' addresses. vpcsim derives "
    "every leg from the registration, so a leg never has another address; a flow addressed to an instance goes to "
    "it directly, never through a load balancer it did not address. The code answers a path required to reach an "
    "unregistered address through the load balancer, which a vpcsim trace cannot ask (" + _FILTERS + ").",
    "TARGET_PORT_RESTRICTION": "A load balancer sends only on the registered port. vpcsim sends each leg on the "
    "target's registered port (else its group's), shown in the leg's `nat` step; a flow on another port is "
    "refused at the listener (`ELBV2_LISTENER_PORT_RESTRICTION`). Like `TARGET_ADDRESS_RESTRICTION`, it answers a "
    "path filter vpcsim has no way to give.",
    "GWLB_DESTINATION_PORT_RESTRICTION": "vpcsim does not follow a Gateway Load Balancer to its appliances (a flow "
    "to its node is `VPCSIM_OUTSIDE_MODEL`, verdict unknown; through a Gateway Load Balancer endpoint the packet "
    "comes back unchanged: `PATH_THROUGH_GWLB_NOT_CHECKED`), so the GENEVE leg on UDP 6081 is never judged.",
    "GWLB_PROTOCOL_RESTRICTION": "As `GWLB_DESTINATION_PORT_RESTRICTION`: the GENEVE leg between a Gateway Load "
    "Balancer and its appliances is not modelled.",
    # VPC endpoints
    "VPCE_GATEWAY_EGRESS_SOURCE_ADDRESS_RESTRICTION": "A gateway endpoint emits only sources inside its prefix "
    "lists. In vpcsim a packet leaves a gateway endpoint into the VPC only as the service's reply, whose source is "
    "the service address the request was routed to by the prefix-list route, so always inside the list; traffic "
    "the service would initiate never enters through the endpoint (`VPCE_INTRA_VPC_TRAFFIC`).",
    "VPCE_SERVICE_NOT_INSTALLED_IN_AZ": "The input holds no endpoint service's Availability Zones "
    "(`describe-vpc-endpoint-services` is not read: `ServiceDetails` is skipped), AWS creates an endpoint's ENIs "
    "only in zones its service supports, and an endpoint of another provider's service is not followed "
    "(`VPCSIM_OUTSIDE_MODEL`).",
    # Transit gateways
    "UNIDIRECTIONAL_PATH_ANALYSIS_ONLY": "Reachability Analyzer analyses some transit gateway paths forward only; "
    "vpcsim always walks the reply too (`path: return`), so no trace is forward only.",
    # Routing
    "CANNOT_ROUTE": _ROUTE_CHOICE + ".",
    "MORE_SPECIFIC_ROUTE": _ROUTE_CHOICE + ".",
    "HIGHER_PRIORITY_ROUTE": _ROUTE_CHOICE + "; a VPC route table holds one route per destination (route "
    "propagation from a virtual private gateway is not modelled), so no two routes of one prefix compete.",
    "VPC_LOCAL_ROUTE_CIDR_RESTRICTION": "vpcsim's local route covers exactly the VPC's CIDR blocks: a destination "
    "outside them takes another route or is `NO_ROUTE_TO_DESTINATION`, one inside them that no ENI holds is "
    "`NO_POSSIBLE_DESTINATION`. " + _ROUTE_CHOICE[0].upper() + _ROUTE_CHOICE[1:] + ".",
    "INGRESS_RTB_NO_PUBLIC_IP": "Not applied (yet): vpcsim follows a gateway route table (ingress routing) to "
    "the appliance ENI and judges each packet by the rules it meets there; this check of the appliance's public "
    "address is not made.",
    "INGRESS_RTB_TRAFFIC_REDIRECTION": "Not applied (yet): with ingress routing, a reply that bypasses the "
    "appliance by the subnet's direct route to the internet gateway is judged packet by packet; vpcsim models no "
    "appliance state, so it does not flag the asymmetry Reachability Analyzer reports.",
    # Gateways
    "IGW_NAT_REFLECTION": "Reachability Analyzer does not analyse a path that leaves through an internet gateway "
    "and comes back in (an instance addressing another's public address); vpcsim follows it as AWS carries it: "
    "out through the gateway's one-to-one NAT, across the internet, and in again.",
    "IGW_DESTINATION_ADDRESS_IN_VPC_CIDRS": "vpcsim delivers traffic from the internet only to a public or "
    "Elastic IP address an ENI holds (translated to its private address); an address nothing owns is "
    "`UNKNOWN_DESTINATION`, a private one `IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS`.",
    "IGW_EXPECTS_PUBLIC_ADDRESS": _FILTERS[0].upper()
    + _FILTERS[1:]
    + "; a flow from the internet to a private "
    "address is `IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS`.",
    "GATEWAY_REJECTS_SPOOFED_TRAFFIC": "Not applied (yet): vpcsim's flows start from an ENI's own address; an "
    "ENI sending from another address is judged by source/destination check "
    "(`ENI_SOURCE_DEST_CHECK_RESTRICTION`), and a forwarded packet by each gateway's own rules (an internet "
    "gateway translates only addresses that have a public IP, a NAT gateway only sources in its VPC).",
    "ENI_ADDRESS_RESTRICTION": "vpcsim's flows start from the sending ENI's own address; an ENI that sends or "
    "receives for another address is a forwarder, judged by source/destination check "
    "(`ENI_SOURCE_DEST_CHECK_RESTRICTION`).",
    "NGW_DEST_ADDRESS_PRESERVATION": _TRANSLATION[0].upper() + _TRANSLATION[1:] + ".",
    "NGW_SOURCE_ADDRESS_REASSIGN": _TRANSLATION[0].upper() + _TRANSLATION[1:] + ".",
    "REMAP_EPHEMERAL_PORT": _TRANSLATION[0].upper() + _TRANSLATION[1:] + " (its text names this code).",
    "REGIONAL_NGW_ROUTE_AZ_RESTRICTION": "Regional NAT gateways are not modelled: every NAT gateway is zonal.",
    "VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS": "A virtual private gateway is a target beyond which the network is "
    "unknown (`VPCSIM_OUTSIDE_MODEL`, verdict unknown): vpcsim does not judge what it carries.",
    "VGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS": "As `VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS`: traffic from beyond a "
    "virtual private gateway is not traced.",
    "BAD_STATE_VPN": "VPN connections of virtual private gateways are not modelled (`VpnConnections` is skipped; "
    "the gateway is `VPCSIM_OUTSIDE_MODEL`); a transit gateway's VPN attachment that is not available is "
    "`TGW_BAD_STATE_VPN`.",
    # Not modelled
    "FIREWALL_RULES_RESTRICTION": "AWS Network Firewall is not modelled (`NetworkFirewalls` is skipped at "
    "import), so its rules are never judged.",
    "FIREWALL_UNSUPPORTED_HIGHER_PRIORITY_RULE_GROUP_TYPE": "AWS Network Firewall is not modelled: no firewall rule is judged.",
    "FIREWALL_UNSUPPORTED_HIGHER_PRIORITY_RULES": "AWS Network Firewall is not modelled: no firewall rule is judged.",
    "FIREWALL_UNSUPPORTED_RULE_OPTIONS": "AWS Network Firewall is not modelled: no firewall rule is judged.",
    "VPC_BLOCK_PUBLIC_ACCESS_ENABLED": "VPC Block Public Access is not modelled (the import does not read it): "
    "vpcsim judges internet traffic as if it were off.",
    "AVAILABILITY_ZONE_CROSSED": "Not given (yet): an informational detail; the trace's subnet hops show where the "
    "path goes, and each subnet's zone is in the input.",
    # Path specification
    "COMPONENT_FILTER_RESTRICTION": _FILTERS[0].upper() + _FILTERS[1:] + ".",
    "COMPONENT_FILTER_RESTRICTION_REMOVED_COMPONENT": _FILTERS[0].upper() + _FILTERS[1:] + ".",
    **{
        f"FILTER_AT_{where}_{what}": _FILTERS[0].upper() + _FILTERS[1:] + "."
        for where in ("SOURCE", "DESTINATION")
        for what in (
            "DESTINATION_ADDRESS",
            "DESTINATION_PORT_RANGE",
            "PROTOCOL",
            "SOURCE_ADDRESS",
            "SOURCE_PORT_RANGE",
        )
    },
    "NO_SOURCE_OR_DESTINATION": _NOT_A_PATH[0].upper() + _NOT_A_PATH[1:] + ".",
    "UNASSOCIATED_COMPONENT": _NOT_A_PATH[0].upper() + _NOT_A_PATH[1:] + ".",
    "UNSUPPORTED_COMPONENT": _NOT_A_PATH[0].upper()
    + _NOT_A_PATH[1:]
    + "; a component vpcsim does not model is "
    "skipped at import and counted, and a path into it is `VPCSIM_OUTSIDE_MODEL` or `UNKNOWN_RESOURCE`.",
}

#: Reachability Analyzer's additional detail codes: a ``detail`` step of the trace (its ``rule``),
#: never a blocker, so they never change a verdict.
DETAIL_CODES = frozenset(
    {
        TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED,
        RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY,
        MISSING_TARGET_GROUP_ATTRIBUTES,
        ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED,
        ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED,
        PATH_THROUGH_GWLB_NOT_CHECKED,
    }
)

#: Codes that make a verdict ``unknown`` rather than ``unreachable``.
UNKNOWN_CODES = frozenset(
    {
        UNKNOWN_RESOURCE,
        UNKNOWN_PEERED_SGS,
        VPCSIM_OUTSIDE_MODEL,
        VPCSIM_UNKNOWN_ADDRESS,
        TGW_RTB_ROUTES_ARE_UNKNOWN,
    }
)


def codes_markdown() -> str:
    """The explanation-code table of ``docs/explanation-codes.md``."""
    lines = [
        "# Explanation codes",
        "",
        "Generated from `src/vpcsim/engine/codes.py` (`python -m vpcsim.engine.codes > docs/explanation-codes.md`).",
        "Codes from AWS Reachability Analyzer keep AWS's names so that AWS's documentation applies;",
        "causes AWS has no code for are prefixed `VPCSIM_`. Codes marked (verdict `unknown`) make the answer unknown (exit 3) rather than unreachable.",
        "Codes marked (additional detail) are Reachability Analyzer's additional detail codes: informational, shown",
        "as a `detail` step of the trace (its `rule`), never a blocker.",
        "",
        "| code | source | meaning |",
        "| --- | --- | --- |",
    ]
    for code, (source, meaning) in CODES.items():
        suffix = " (verdict `unknown`)" if code in UNKNOWN_CODES else ""
        if code in DETAIL_CODES:
            suffix = " (additional detail)"
        lines.append(f"| `{code}` | {source} | {meaning}{suffix} |")
    lines += [
        "",
        "## Reachability Analyzer codes vpcsim does not give",
        "",
        "Every other code of AWS's lists (explanation codes and additional detail codes), and why vpcsim never",
        "gives it: the question it answers cannot be asked of vpcsim, vpcsim answers it under another code, or",
        "the component is not modelled (yet).",
        "",
        "| code | not given by vpcsim, because |",
        "| --- | --- |",
    ]
    for code, why in sorted(NOT_GIVEN.items()):
        lines.append(f"| `{code}` | {why} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(codes_markdown(), end="")
