"""The partition the analyses rely on is complete: the engine's walk (filters aside) depends on
the protocol only through the walk classes, on ICMP types only through ``icmp_walk``, and on
no port at all. If the engine starts to branch on something new, this fails first."""

from __future__ import annotations

import random

from hypothesis import given, settings

from vpcsim.analysis.atoms import WALK_OTHER, icmp_walk
from vpcsim.analysis.skeleton import MARK_SPORT, Skeleton, flow_skeleton, skeleton
from vpcsim.engine.compiled import compile_network, ip_str
from vpcsim.engine.flow import ICMP, TCP, UDP, Flow
from vpcsim.testing import PRESETS, generate_network
from vpcsim.testing.strategies import SEEDS


def _shape(sk: Skeleton) -> tuple[object, ...]:
    return (
        tuple((b.code, b.component, b.path) for b in sk.blockers),
        tuple((c.kind, c.owner, c.direction, c.path, c.remote, c.role, c.const_ports) for c in sk.filters),
        sk.delivered,
        sk.has_reply,
        sk.service,
    )


def _walk(network: object, flow: Flow) -> Skeleton:
    return flow_skeleton(compile_network(network), flow, "probe")  # type: ignore[arg-type]


@settings(max_examples=12)
@given(SEEDS)
def test_walk_classes_are_homogeneous(seed: int) -> None:
    network = generate_network(seed, PRESETS["small"])
    c = compile_network(network)
    rng = random.Random(seed)
    enis = sorted(c.enis.values(), key=lambda e: e.eni_id)
    publics = sorted(c.public)
    for _ in range(6):
        a = rng.choice(enis)
        if rng.random() < 0.3 and publics:
            src, src_eni, dst = "8.8.8.8", None, ip_str(rng.choice(publics))
        else:
            b = rng.choice(enis)
            src, src_eni, dst = ip_str(min(a.addresses)), a.eni_id, ip_str(min(b.addresses))
        for icmp_type in [*rng.sample(range(256), 24), 0, 3, 8, 11, 13, 14, 15, 17]:
            probe = skeleton(c, icmp_walk(icmp_type), src, dst, src_eni)
            exact = _walk(
                network,
                Flow(
                    protocol=ICMP,
                    source=src,
                    destination=dst,
                    icmp_type=icmp_type,
                    icmp_code=0,
                    source_eni=src_eni,
                ),
            )
            assert _shape(probe) == _shape(exact), icmp_type
        for protocol in rng.sample([p for p in range(256) if p not in (ICMP, TCP, UDP)], 8):
            probe = skeleton(c, WALK_OTHER, src, dst, src_eni)
            exact = _walk(network, Flow(protocol=protocol, source=src, destination=dst, source_eni=src_eni))
            assert _shape(probe) == _shape(exact), protocol
        for protocol, walk in ((TCP, "tcp"), (UDP, "udp")):
            probe = skeleton(c, walk, src, dst, src_eni)
            port = rng.randint(0, 65535)
            exact = _walk(
                network,
                Flow(
                    protocol=protocol,
                    source=src,
                    destination=dst,
                    destination_port=port,
                    source_ports=((MARK_SPORT, MARK_SPORT),),
                    source_eni=src_eni,
                ),
            )
            # Ports differ from the marker's, so compare everything but the roles.
            assert _shape(probe)[0] == _shape(exact)[0]
            assert [f.owner for f in probe.filters] == [f.owner for f in exact.filters]
