"""Interface VPC endpoints (PrivateLink) of AWS services: what their ENIs answer.

An interface endpoint puts one ENI in each chosen subnet; its security groups filter traffic
*to* it (the walk applies them like any ENI's) and the subnet's network ACL applies. The ENI
answers the AWS service's API (HTTPS, TCP 443) for the connections consumers open; it carries
TCP only ("An interface endpoint supports TCP traffic only") and never initiates. An endpoint of
another provider's service (an endpoint service behind a Network Load Balancer) answers on
ports vpcsim does not know: its ENIs stay unknown (:func:`vpcsim.engine.explain.not_a_host`).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from ..model import Network, VpcEndpoint
from . import codes as C
from . import explain, explain_transit
from .compiled import Compiled, CompiledEni, ip_str
from .explain import describe_traffic
from .filters import Packet
from .flow import TCP
from .result import Blocker, Step

if TYPE_CHECKING:
    from .walk import Arrival, Walk

#: What an AWS service's interface endpoint answers on: its HTTPS API.
AWS_SERVICE_PORTS = frozenset({(TCP, 443)})
AWS_SERVICE_PREFIX = "com.amazonaws."

_CACHE: weakref.WeakKeyDictionary[Network, tuple[Compiled, dict[str, VpcEndpoint]]] = (
    weakref.WeakKeyDictionary()
)


def _endpoint_of_eni(compiled: Compiled) -> dict[str, VpcEndpoint]:
    cached = _CACHE.get(compiled.network)
    if cached is not None and cached[0] is compiled:
        return cached[1]
    out: dict[str, VpcEndpoint] = {}
    n = compiled.network
    for endpoint in n.vpc_endpoints.values():
        if endpoint.vpc_endpoint_type != "Interface":
            continue
        for eni_id in endpoint.network_interface_ids:
            out[eni_id] = endpoint
    for eni in n.network_interfaces.values():
        if eni.description.startswith("VPC Endpoint Interface "):
            endpoint_ = n.vpc_endpoints.get(eni.description.rsplit(" ", 1)[-1])
            if endpoint_ is not None and endpoint_.vpc_endpoint_type == "Interface":
                out.setdefault(eni.network_interface_id, endpoint_)
    _CACHE[compiled.network] = (compiled, out)
    return out


def aws_service_endpoint(walk: Walk, eni: CompiledEni) -> VpcEndpoint | None:
    """The interface endpoint of an AWS service that ``eni`` belongs to, if any."""
    endpoint = _endpoint_of_eni(walk.compiled).get(eni.eni_id)
    if endpoint is None or not endpoint.service_name.startswith(AWS_SERVICE_PREFIX):
        return None
    return endpoint


def gwlb_endpoint(walk: Walk, vpce_id: str) -> VpcEndpoint | None:
    """The Gateway Load Balancer endpoint ``vpce_id`` names, if it is one."""
    endpoint = walk.network.vpc_endpoints.get(vpce_id)
    return endpoint if endpoint is not None and endpoint.vpc_endpoint_type == "GatewayLoadBalancer" else None


def via_gwlb_endpoint(walk: Walk, endpoint: VpcEndpoint, pkt: Packet, *, reply: bool) -> Arrival | None:
    """A route to a Gateway Load Balancer endpoint: the packet goes, GENEVE-encapsulated, to the
    appliances behind the load balancer and comes back unchanged (the load balancer is
    transparent: no NAT), then leaves the endpoint by its subnet's route table. What the
    appliances decide is not analysed (Reachability Analyzer's ``PATH_THROUGH_GWLB_NOT_CHECKED``):
    the walk goes on as if they let it through. The endpoint's subnet's network ACL applies as to
    any ENI of that subnet (in, and out when the destination is elsewhere)."""
    rec = walk.recorder
    vpce_id = endpoint.vpc_endpoint_id
    walk.hop(vpce_id, "vpc-endpoint")
    if endpoint.state != "available":
        rec.block(explain_transit.endpoint_not_available(rec.path, vpce_id, endpoint.state))
        return None
    subnet = next((walk.compiled.subnets[s] for s in endpoint.subnet_ids if s in walk.compiled.subnets), None)
    if subnet is None:
        rec.block(
            explain.unknown_target(
                rec.path, walk.compiled, vpce_id, "Gateway Load Balancer endpoint", pkt.dst
            )
        )
        return None
    walk.hop(subnet.subnet_id, "subnet")
    if subnet.acl is not None:
        walk.hooks.on_network_acl(walk, subnet, pkt, inbound=True)
    if walk.record:
        rec.step(
            Step(
                "gateway",
                vpce_id,
                "forward",
                f"to the appliances behind {endpoint.service_name} and back, unchanged",
            )
        )
        rec.step(
            Step(
                "detail",
                vpce_id,
                "forward",
                f"{C.PATH_THROUGH_GWLB_NOT_CHECKED}: what the appliances behind {endpoint.service_name} decide "
                "is not analysed; the path goes on as if they let the packet through (analyse them separately)",
                rule=C.PATH_THROUGH_GWLB_NOT_CHECKED,
            )
        )
    if subnet.acl is not None and pkt.dst & subnet.mask != subnet.net:
        walk.hooks.on_network_acl(walk, subnet, pkt, inbound=False)
    return walk.route(subnet, pkt, reply=reply)


def endpoint_initiates(walk: Walk, eni: CompiledEni) -> bool:
    """A flow whose source is an interface endpoint's ENI: the endpoint initiates nothing
    (``VPCE_INTRA_VPC_TRAFFIC``); True when that ends the walk."""
    endpoint = _endpoint_of_eni(walk.compiled).get(eni.eni_id)
    if endpoint is None:
        return False
    walk.hop(eni.eni_id, "network-interface")
    walk.recorder.block(
        explain_transit.endpoint_initiates(walk.recorder.path, eni.eni_id, endpoint.vpc_endpoint_id)
    )
    return True


def answer_at_endpoint(walk: Walk, eni: CompiledEni, endpoint: VpcEndpoint, pkt: Packet) -> Arrival | None:
    """The request reached an endpoint ENI (its groups have judged it): the service answers
    TCP 443 when the endpoint is available."""
    from .walk import Arrival

    rec = walk.recorder
    name = f"{endpoint.service_name} ({endpoint.vpc_endpoint_id})"
    walk.hooks.on_service(walk, eni, name, AWS_SERVICE_PORTS)
    if endpoint.state != "available":
        rec.block(explain_transit.endpoint_not_available(rec.path, endpoint.vpc_endpoint_id, endpoint.state))
        return None
    port = pkt.dports[0][0] if pkt.has_ports else None
    if pkt.proto != TCP:
        rec.block(
            Blocker(
                C.PROTOCOL_RESTRICTION,
                endpoint.vpc_endpoint_id,
                rec.path,
                f"interface endpoint {endpoint.vpc_endpoint_id} carries TCP only, not {describe_traffic(pkt)}",
                f"reach {endpoint.service_name} over TCP 443",
            )
        )
        return None
    if (TCP, port) not in AWS_SERVICE_PORTS:
        rec.block(
            Blocker(
                C.VPCSIM_SERVICE_PORT_CLOSED,
                endpoint.vpc_endpoint_id,
                rec.path,
                f"{name} answers only on tcp/443, not {describe_traffic(pkt)}",
                "use tcp/443",
            )
        )
        return None
    if walk.record:
        rec.step(rec.delivery(eni.eni_id, f"delivered to {name} at {ip_str(pkt.dst)}"))
    return Arrival("eni", pkt, eni, eni.eni_id)


__all__ = [
    "AWS_SERVICE_PORTS",
    "answer_at_endpoint",
    "aws_service_endpoint",
    "endpoint_initiates",
    "gwlb_endpoint",
    "via_gwlb_endpoint",
]
