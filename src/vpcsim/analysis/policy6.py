"""``check`` over IPv6: an assertion's senders and receivers by their IPv6 addresses.

Why apart from :mod:`~vpcsim.analysis.policy`: the IPv4 pairs are evaluated with the bulk
machinery; the IPv6 ones pair by pair (walked once per class pair) and with the IPv6 internet as
``reach`` walks it (:mod:`~vpcsim.analysis.pairs6`), each walk done once per check and shared by
the assertions. Each assertion is judged over an IPv6 traffic space of its own, cut at its paths'
rules and at its flows (so each flow is a union of atoms), by the same
:class:`~vpcsim.analysis.policy_judge.Judge` as IPv4. Over IPv6 a policy's ``icmp`` is ICMPv6
(types in ICMPv6's numbering: echo request 128).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..engine.compiled import SgRule
from ..model import Network
from .endpoints import Host
from .evaluate import Outcome
from .intervals import Interval, Intervals
from .pairs6 import Pair6, Side6, Space6, ipv6_hosts
from .policy_judge import INTERNET, Judge
from .reach import Context

Item = tuple[Context | Pair6, str, str, Intervals, Intervals]
"""What to judge: (a context or an address pair, source label, destination label, sources,
destinations)."""


class Check6:
    """A check's IPv6 walks, cached across assertions."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.side = Side6.of(network)
        self._pairs: dict[tuple[Host, Host], Pair6] = {}
        self._internet: dict[tuple[Host, bool], list[Context]] = {}

    def hosts(self, eni_id: str) -> list[Host]:
        return ipv6_hosts(self.side.c, (eni_id,))

    def pair(self, a: Host, b: Host) -> Pair6:
        found = self._pairs.get((a, b))
        if found is None:
            found = self._pairs[(a, b)] = self.side.pair(a, b)
        return found

    def internet(self, host: Host, *, inbound: bool) -> list[Context]:
        found = self._internet.get((host, inbound))
        if found is None:
            found = self._internet[(host, inbound)] = self.side.internet(host, inbound=inbound)
        return found

    def items(
        self,
        senders: set[str] | None,
        receivers: set[str] | None,
        label: Callable[[str], str],
        unaddressable: list[str],
    ) -> Iterator[Item]:
        """What an assertion judges over IPv6; receivers the IPv6 internet cannot address (no IPv6
        address) are appended to ``unaddressable``."""
        if senders is None or receivers is None:
            inbound = senders is None
            for eni_id in sorted((receivers if inbound else senders) or ()):
                if eni_id not in self.side.c.enis:
                    continue
                hosts = self.hosts(eni_id)
                if inbound and not hosts:
                    unaddressable.append(eni_id)
                for host in hosts:
                    point: Intervals = ((host.address, host.address),)
                    for ctx in self.internet(host, inbound=inbound):
                        if inbound:
                            yield ctx, INTERNET, label(eni_id), ctx.sources, point
                        else:
                            yield ctx, label(eni_id), INTERNET, point, ctx.destinations
            return
        for a_id in sorted(senders):
            if a_id not in self.side.c.enis:
                continue
            a_label = label(a_id)
            for b_id in sorted(receivers):
                if b_id == a_id or b_id not in self.side.c.enis:
                    continue
                b_label = label(b_id)
                if a_label == b_label and a_label.startswith("i-"):
                    continue
                for a in self.hosts(a_id):
                    for b in self.hosts(b_id):
                        yield (
                            self.pair(a, b),
                            a_label,
                            b_label,
                            ((a.address, a.address),),
                            ((b.address, b.address),),
                        )

    def judge(
        self,
        items: list[Item],
        client_ports: Interval,
        extra: list[SgRule],
        make_judge: Callable[[Space6], Judge],
        unaddressable: list[str],
        label: Callable[[str], str],
    ) -> tuple[Judge, Space6]:
        """Judge the items over one IPv6 space cut at their paths' rules and at ``extra``."""
        contexts = {
            id(c): c for c in (item[0].ctx if isinstance(item[0], Pair6) else item[0] for item in items)
        }
        space = Space6(contexts.values(), client_ports, [*extra, *self.side.host_rules()])
        judge = make_judge(space)
        outcomes: dict[int, Outcome] = {}
        for what, src_label, dst_label, srcs, dsts in items:
            out = outcomes.get(id(what))
            if out is None:
                out = outcomes[id(what)] = (
                    space.pair_outcome(self.network, what)
                    if isinstance(what, Pair6)
                    else space.outcome(self.network, what)
                )
            judge.judge(out, src_label, dst_label, srcs, dsts)
        for eni_id in unaddressable:
            judge.unaddressable(label(eni_id), self.side.universe.intervals, ())
        return judge, space


__all__ = ["Check6"]
