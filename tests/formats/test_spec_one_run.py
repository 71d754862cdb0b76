"""Every problem of a spec in one run, not in stages: a file with several independent faults --
of the schema (an unknown key, a bad value), of names (a dangling reference) and of AWS's rules
(overlapping subnets) -- reports exactly the union of what each fault reports alone."""

from __future__ import annotations

import itertools

import pytest

from vpcsim.formats.spec import load_spec
from vpcsim.model.problems import InputError

BASE = {
    "a": "      a: {cidr: 10.0.1.0/24, az: a}",
    "b": "      b: {cidr: 10.0.2.0/24, az: a}",
    "c": "      c: {cidr: 10.0.3.0/24, az: a}",
    "d": "      d: {cidr: 10.0.4.0/24, az: a}",
    "web": "      web: {subnet: a}",
    "db": "      db: {subnet: c}",
}
#: Independent faults, each in its own resource.
FAULTS = {
    "unknown key": {"web": "      web: {subnet: a, sg: [x]}"},
    "bad cidr": {"d": "      d: {cidr: banana, az: a}"},
    "dangling": {"c": "      c: {cidr: 10.0.3.0/24, az: a, route_table: nope}"},
    "overlap": {"b": "      b: {cidr: 10.0.1.0/25, az: a}"},
    "dangling group": {"db": "      db: {subnet: c, security_groups: [zzz]}"},
}


def _spec(faults: tuple[str, ...]) -> str:
    lines = dict(BASE)
    for fault in faults:
        lines.update(FAULTS[fault])
    subnets = "\n".join(lines[k] for k in "abcd")
    instances = "\n".join(lines[k] for k in ("web", "db"))
    return f"vpcs:\n  main:\n    cidr: 10.0.0.0/16\n    subnets:\n{subnets}\n    instances:\n{instances}\n"


def _problems(faults: tuple[str, ...]) -> set[tuple[str | None, str]]:
    with pytest.raises(InputError) as caught:
        load_spec(_spec(faults), filename="net.yaml")
    return {(p.location.path, p.code) for p in caught.value.problems}


def test_the_base_loads() -> None:
    load_spec(_spec(()), filename="net.yaml")


@pytest.mark.parametrize(
    "faults",
    [combo for size in (2, 3, len(FAULTS)) for combo in itertools.combinations(sorted(FAULTS), size)],
    ids=lambda combo: "+".join(combo),
)
def test_every_fault_is_reported_in_one_run(faults: tuple[str, ...]) -> None:
    alone = set().union(*(_problems((fault,)) for fault in faults))
    assert _problems(faults) == alone
