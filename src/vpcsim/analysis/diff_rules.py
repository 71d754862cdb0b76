"""The rules an incremental ``diff``'s questions meet: the traffic space it is judged over.

Why: ``diff`` compares two inputs atom by atom, and its atoms were the estate's -- cut at every
port boundary any rule of either input mentions. On messy estates (random port ranges in
thousands of groups) that is thousands of atoms (10,993 at 50,000 ENIs), and every row of a
subnet's receivers costs receivers x atoms bits, every pair's state and comparison atoms too,
though one changed rule touches the pairs of a few VPCs. As for ``exposure``
(:mod:`~vpcsim.analysis.local_atoms`), the atoms only need to respect the rules that the
recomputed pairs' paths meet: cut by those alone, they do not grow with the rest of the estate.

What is gathered, per input: every filter the engine's walk recorded in the skeletons of every
class pair (sender class, receiver class) the diff evaluates and of every internet class it asks
about, with the class mates' own groups in place of the representative's where the skeletons
consult the representative's (the directions the walk consults them in), and every port a VPC
service on them answers on. Both inputs' rules make one space, so atoms compare one to one.
Exactness is the argument of the global atoms: every rule and entry on the evaluated paths is an
atom boundary, so one representative flow decides each atom; entries are printed from sets of
flows, so the coarser partition prints the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..engine.compiled import AclEntry, SgRule
from .bulk import Bulk, HostKey
from .endpoints import Host
from .local_atoms import QuestionRules
from .skeleton import Skeleton

Direction = str


class DiffRules:
    """Gathers the rule lists of the paths a diff evaluates, over one or both inputs."""

    def __init__(self) -> None:
        self.rules = QuestionRules()
        self._seen: set[int] = set()
        self.load_balancer = False
        """A path reaches a load balancer's node, whose legs to the targets meet filters no
        skeleton lists: the caller must judge over every rule instead."""

    def _add(self, lst: list[SgRule] | list[AclEntry], kind: str) -> None:
        if id(lst) in self._seen:
            return
        self._seen.add(id(lst))
        self.rules.lists.append(lst)
        if kind == "sg":
            self.rules.add_sg(lst)  # type: ignore[arg-type]
        else:
            self.rules.add_acl(lst)  # type: ignore[arg-type]

    def _skeletons(self, skeletons: dict[str, Skeleton], ends: dict[str, set[Direction]]) -> None:
        """A walk's filters; the security groups of ``ends``' ENIs (the representatives, whose
        class mates' groups are substituted) are noted per direction instead."""
        for sk in skeletons.values():
            self.load_balancer |= sk.load_balancer
            if sk.service:
                self.rules.add_service_ports(sk.service_ports)
            for call in sk.filters:
                if call.kind == "sg" and call.owner in ends:
                    ends[call.owner].add(call.direction)  # the class mate's own groups judge
                else:
                    self._add(call.rules, call.kind)

    def _eni_lists(self, bulk: Bulk, host: Host, directions: Iterable[Direction]) -> None:
        if host.eni_id is None:
            return
        eni = bulk.c.enis[host.eni_id]
        for direction in directions:
            self._add(eni.egress if direction == "outbound" else eni.ingress, "sg")

    def pairs(self, bulk: Bulk, senders: Iterable[Host], receivers: Sequence[Host]) -> None:
        """Every path from a sender to a receiver of another ENI (the class pairs
        :class:`~vpcsim.analysis.matrix_fast.FastMatrix` and ``Bulk.pair`` evaluate)."""
        classes: dict[HostKey, list[Host]] = {}
        for b in receivers:
            classes.setdefault(bulk.pair_key(b), []).append(b)
        sender_classes: dict[HostKey, list[Host]] = {}
        for a in senders:
            sender_classes.setdefault(bulk.pair_key(a), []).append(a)
        src_dirs: dict[HostKey, set[Direction]] = {}
        dst_dirs: dict[HostKey, set[Direction]] = {}
        for ka, mates in sender_classes.items():
            for kb, members in classes.items():
                pair = _two_enis(mates, members)
                if pair is None:
                    continue  # one ENI's own addresses: never a pair
                pc = bulk.pair_class(*pair)
                if pc.blocked:
                    continue
                ends: dict[str, set[Direction]] = {}
                src_eni, dst_eni = pc.source.eni_id, pc.destination.eni_id
                for eni in (src_eni, dst_eni):
                    if eni is not None:
                        ends[eni] = set()
                self._skeletons(pc.skeletons, ends)
                if src_eni is not None:
                    src_dirs.setdefault(ka, set()).update(ends[src_eni])
                if dst_eni is not None:
                    dst_dirs.setdefault(kb, set()).update(ends[dst_eni])
        for ka, mates in sender_classes.items():
            directions = sorted(src_dirs.get(ka, ()))
            if directions:
                for a in mates:
                    self._eni_lists(bulk, a, directions)
        for kb, members in classes.items():
            directions = sorted(dst_dirs.get(kb, ()))
            if directions:
                for b in members:
                    self._eni_lists(bulk, b, directions)

    def internet(self, bulk: Bulk, host: Host, *, inbound: bool) -> None:
        """Every path between ``host`` and the internet (``Bulk.internet``)."""
        ic = bulk.internet_class(host, internet_is_source=inbound)
        rep = ic.host.eni_id
        directions: set[Direction] = set()
        for _, skeletons in ic.contexts:
            ends: dict[str, set[Direction]] = {rep: set()} if rep is not None else {}
            self._skeletons(skeletons, ends)
            if rep is not None:
                directions |= ends[rep]
        self._eni_lists(bulk, host, sorted(directions))


def _two_enis(senders: list[Host], receivers: list[Host]) -> tuple[Host, Host] | None:
    """A sender and a receiver of two different ENIs, if any."""
    a = senders[0]
    b = next((m for m in receivers if m.eni_id != a.eni_id), None)
    if b is not None:
        return a, b
    # Every receiver is ``a``'s ENI: any sender of another ENI pairs with them.
    other = next((x for x in senders if x.eni_id != a.eni_id), None)
    return (other, receivers[0]) if other is not None else None


__all__ = ["DiffRules"]
