"""Traffic atoms per question: the partition cut only by the rules one question's paths meet.

Why: the network's traffic space (:class:`~vpcsim.analysis.atoms.TrafficSpace` over every rule)
is cut at every port boundary any rule of the estate mentions. On tidy estates that is a hundred
atoms; on messy ones (random port ranges in thousands of groups) it grows with the estate --
10,993 atoms at 50,000 ENIs -- and every set of atoms is an integer of that many bits, so every
``&``, ``|``, hash and per-atom loop of every question costs in proportion to the *estate*, and
whole analyses grow quadratically. A question about one ENI from the internet meets a handful of
rule lists: its subnet's network ACL, the ENI's own groups, what the path crosses. Cut by those
alone, the atoms are tens, and the question's cost no longer depends on the rest of the estate.

Exactness is the same argument as for the global space: every rule and entry on the question's
paths (every filter the engine's walk recorded in the skeletons, with a class mate's own groups
substituted, and every port a VPC service on them answers on) is a boundary, so each of them is
constant on every atom and one representative flow decides the atom -- for the filter-by-filter
evaluation and for the per-atom tracing fallback alike. Entries are printed from sets of flows,
never from atom indices, so a coarser partition prints the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..engine.compiled import AclEntry, SgRule
from .atoms import RuleSet, TrafficSpace
from .evaluate import FilterEvaluator, Keyer, Outcome, Subst
from .intervals import Interval
from .skeleton import Skeleton


@dataclass(slots=True, eq=False)
class LocalSpace:
    """One question's traffic space, its filter evaluator and its memo of outcomes (outcomes are
    bit sets over this space: they are never mixed with another space's)."""

    space: TrafficSpace
    ev: FilterEvaluator
    memo: dict[tuple[object, ...], Outcome] = field(default_factory=dict)
    built: dict[tuple[object, ...], object] = field(default_factory=dict)
    """What an analysis derived from this space's outcomes (entries), keyed by outcome ids."""


@dataclass(slots=True)
class QuestionRules(RuleSet):
    """A rule set and the rule lists it was gathered from (the skeletons' filters)."""

    lists: list[list[SgRule] | list[AclEntry]] = field(default_factory=list)


def question_rules(
    skeleton_sets: Iterable[dict[str, Skeleton]], subst: Subst, service_ports: Iterable[tuple[int, int]]
) -> QuestionRules:
    """Every rule list the skeletons' filters consult (a security group's rules as ``subst``
    makes them: a class mate's own groups), and every port a VPC service on them answers on."""
    rules = QuestionRules()
    seen: set[int] = set()
    for skeletons in skeleton_sets:
        for sk in skeletons.values():
            if sk.service:
                rules.add_service_ports(sk.service_ports)
            for call in sk.filters:
                lst, _ = subst.apply(call)
                if id(lst) in seen:
                    continue
                seen.add(id(lst))
                rules.lists.append(lst)
                if call.kind == "sg":
                    rules.add_sg(lst)  # type: ignore[arg-type]
                else:
                    rules.add_acl(lst)  # type: ignore[arg-type]
    rules.add_service_ports(service_ports)
    return rules


def local_space(rules: RuleSet, client_ports: Interval, keyer: Keyer) -> LocalSpace:
    space = TrafficSpace(rules, client_ports)
    return LocalSpace(space, FilterEvaluator(space, keyer))


__all__ = ["LocalSpace", "local_space", "question_rules"]
