"""``matrix`` over IPv6: the cells of every pair of ENIs' IPv6 addresses.

Why apart from :mod:`~vpcsim.analysis.matrix`: the IPv4 cells come from address classes and rows
of big integers (:mod:`~vpcsim.analysis.bulk`, :mod:`~vpcsim.analysis.matrix_fast`); the IPv6
ones from every address pair, walked once per class pair (:mod:`~vpcsim.analysis.pairs6`) and
decided over one IPv6 traffic space. A cell means the same over both families -- the traffic some ENI of ``X`` can
send some ENI of ``Y``, its lists disjoint with the best case winning -- and says its family
(``"family": "ipv6"``). Over IPv6 the addresses are global: a path may leave one VPC through
its internet gateway (or egress-only gateway) and come back in through another VPC's, and the
engine walks it so.
"""

from __future__ import annotations

from collections import defaultdict

from ..model import Network
from ..progress import NO_PROGRESS, Progress
from .intervals import Interval
from .matrix_fast import Acc
from .pairs6 import Pair6, Side6, Space6, ipv6_hosts


def ipv6_accs(
    network: Network,
    labels_of: dict[str, tuple[str, ...]],
    owner_of: dict[str, str],
    *,
    same_owner: bool,
    client_ports: Interval,
    progress: Progress = NO_PROGRESS,
) -> tuple[Space6 | None, dict[tuple[str, str], Acc], int]:
    """What each cell gathers over IPv6: (the space, label pair -> accumulator, pairs judged).

    ``labels_of``/``owner_of``: the host ENIs' labels and owners (instance or ENI), as the IPv4
    side computed them; ``same_owner``: pairs of two ENIs of one owner count (``False`` for
    ``--by instance``: an instance to itself is no cell). An ENI to itself is never a pair."""
    side = Side6.of(network)
    hosts = [h for h in ipv6_hosts(side.c) if h.eni_id in labels_of]
    if not hosts:
        return None, {}, 0
    pairs: list[Pair6] = []
    progress.start("matrix over IPv6 (address pairs)", len(hosts))
    for a in hosts:
        progress.advance()
        for b in hosts:
            if a.eni_id == b.eni_id:
                continue
            if not same_owner and owner_of[a.eni_id or ""] == owner_of[b.eni_id or ""]:
                continue
            pairs.append(side.pair(a, b))
    space = Space6({id(p.ctx): p.ctx for p in pairs}.values(), client_ports, side.host_rules())
    accs: dict[tuple[str, str], Acc] = defaultdict(Acc)
    for pair in pairs:
        out = space.pair_outcome(network, pair)
        if out.empty:
            continue
        for x in labels_of[pair.source.eni_id or ""]:
            for y in labels_of[pair.destination.eni_id or ""]:
                accs[(x, y)].add(out)
    return space, accs, len(pairs)


__all__ = ["ipv6_accs"]
