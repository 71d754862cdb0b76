"""The analyses on a generated 50,000-ENI estate (``docs/performance.md``).

Figures: ``reach`` for one pair (median), ``exposure`` for the whole estate, ``matrix --by
security-group`` and ``--by subnet`` for the whole estate, ``matrix --by instance`` on a 5,000-ENI
network, ``diff`` of two estates that differ in one security-group rule. Generating and compiling
the estate (what loading costs) is timed separately. Each figure is followed by the naive method
(the reference engine, pair by pair or flow by flow, one traced flow per atom and per client-port
atom) timed on a sample in the same run, extrapolated to the whole question, and the speed-up
ratio. Memory is the process's peak resident size (``ru_maxrss``), which includes the estate.

``python -m benchmarks analysis`` runs everything on the tidy ``estate`` preset; ``--preset messy``
runs it on the ``messy`` one (rules like real accounts', :func:`vpcsim.testing.messy_config`),
``--enis N`` rescales the estate (the ``matrix --by instance`` network stays at 5,000 ENIs), and
``--quick`` runs it on the 1,000-ENI ``bench`` preset (a smoke run of the same code).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import gc
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from vpcsim.analysis import check, diff, exposure, matrix, reach
from vpcsim.analysis.bulk import Bulk
from vpcsim.analysis.endpoints import Host
from vpcsim.analysis.matrix import _candidate_vpcs
from vpcsim.analysis.naive import naive_outcome
from vpcsim.engine import make_flow, trace
from vpcsim.engine.compiled import compile_network
from vpcsim.model import Network, SecurityGroupRule
from vpcsim.model.policy import Policy
from vpcsim.testing import PRESETS, GeneratorConfig, generate_estate_sizes, generate_network, messy_config
from vpcsim.testing.network_generator import GROUP_ROLES

T = TypeVar("T")

TARGETS = {"reach": 0.010, "exposure": 30.0, "matrix": 120.0, "instance": 120.0, "diff": 10.0}
MEMORY_GIB = {"exposure": 4.0, "matrix": 8.0}
SEED = 1
MEDIUM = GeneratorConfig(
    vpcs=10,
    subnets_per_vpc=8,
    network_interfaces=5_000,
    security_groups=200,
    rules_per_group=10,
    nacl_rules=20,
)


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


#: CPU seconds of the last :func:`_timed` call: on a shared machine, wall time measures the load too.
LAST_CPU = [0.0]


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    LAST_CPU[0] = time.process_time() - cpu
    return value, time.perf_counter() - start


def _cpu() -> str:
    return f"CPU {LAST_CPU[0]:.1f} s, load average {os.getloadavg()[0]:.1f}"


def _verdict(seconds: float, target: float) -> str:
    return f"target {target:g} s: {'met' if seconds <= target else 'MISSED'}"


def _estate(config: GeneratorConfig, label: str) -> Network:
    network, gen = _timed(lambda: generate_network(SEED, config))
    _, comp = _timed(lambda: compile_network(network))
    sizes = generate_estate_sizes(network)
    print(
        f"{label}: {sizes['network_interfaces']:,} ENIs, {sizes['subnets']} subnets, {sizes['security_groups']:,} groups, "
        f"{sizes['security_group_rules']:,} rules, {sizes['network_acl_entries']:,} ACL entries; "
        f"generated in {gen:.1f} s, compiled in {comp:.1f} s (loading, timed apart)"
    )
    return network


def _instance_pairs(
    network: Network, rng: random.Random, count: int, same_vpc: float = 0.7
) -> list[tuple[str, str]]:
    instances = sorted(network.instances.values(), key=lambda i: i.instance_id)
    by_vpc: dict[str, list[str]] = {}
    for i in instances:
        by_vpc.setdefault(i.vpc_id, []).append(i.instance_id)
    pairs = []
    while len(pairs) < count:
        a = rng.choice(instances)
        pool = by_vpc[a.vpc_id] if rng.random() < same_vpc else [i.instance_id for i in instances]
        b = rng.choice(pool)
        if b != a.instance_id:
            pairs.append((a.instance_id, b))
    return pairs


def bench_reach(network: Network, samples: int, naive_sample: int | None = None) -> None:
    rng = random.Random(SEED)
    pairs = _instance_pairs(network, rng, samples)
    times = []
    for a, b in pairs:
        _, seconds = _timed(lambda a=a, b=b: reach(network, a, b))  # type: ignore[misc]
        times.append(seconds)
    median = statistics.median(times)
    naive = []
    for a, b in pairs[: naive_sample or max(5, samples // 10)]:
        _, seconds = _timed(lambda a=a, b=b: reach(network, a, b, naive=True))  # type: ignore[misc]
        naive.append(seconds)
    naive_median = statistics.median(naive)
    # Exhaustive: one trace per concrete flow (every tcp and udp port -- the engine takes the client
    # range in one trace --, every ICMP type and code, every other protocol), per address pair.
    flows = 2 * 65536 + 256 * 256 + 253
    sample_flows = [
        make_flow(network, a, b, protocol="tcp", port=rng.randint(0, 65535)) for a, b in pairs[:50]
    ]
    start = time.perf_counter()
    for flow in sample_flows:
        trace(network, flow, record=False)
    per_trace = (time.perf_counter() - start) / len(sample_flows)
    print(
        f"reach one pair: median {median * 1000:.2f} ms, p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.2f} ms "
        f"over {len(times)} instance pairs ({_verdict(median, TARGETS['reach'])})"
    )
    print(
        f"  naive, one traced flow per atom: median {naive_median * 1000:.2f} ms (speed-up {naive_median / median:.1f}x); "
        f"naive, every concrete flow ({flows:,} traces at {per_trace * 1e6:.0f} us): {flows * per_trace:.1f} s per pair "
        f"(speed-up {flows * per_trace / median:,.0f}x)"
    )


def bench_exposure(network: Network, sample: int) -> None:
    before = _rss_gib()
    result, seconds = _timed(lambda: exposure(network))
    peak = _rss_gib()
    print(
        f"exposure: {seconds:.1f} s ({_cpu()}) for {result.public_addresses:,} public addresses, {len(result.findings):,} findings "
        f"on {result.exposed_enis:,} ENIs ({_verdict(seconds, TARGETS['exposure'])}); peak RSS {peak:.2f} GiB "
        f"(+{peak - before:.2f} over the estate; target {MEMORY_GIB['exposure']} GiB: "
        f"{'met' if peak <= MEMORY_GIB['exposure'] else 'MISSED'})"
    )
    if sample == 0:
        return  # ``--naive 0``: no naive sample (minutes of CPU per address on large messy estates)
    bulk = Bulk(network)
    publics = [(e.eni_id, p) for e in bulk.c.enis.values() for p in e.public_of.values()]
    rng = random.Random(SEED)
    chosen = rng.sample(publics, min(sample, len(publics)))
    start = time.perf_counter()
    for eni_id, public in chosen:
        for piece, _ in bulk.internet(Host(public, eni_id), internet_is_source=True):
            rep = bulk.universe.index.first_in(*piece[0])
            assert rep is not None
            naive_outcome(network, bulk.space, rep, public, None)
    per_address = (time.perf_counter() - start) / len(chosen)
    total = per_address * len(publics)
    print(
        f"  naive (trace every atom from every internet address piece): {per_address * 1000:.0f} ms per address on "
        f"{len(chosen)} addresses -> {total:,.0f} s for the estate; speed-up {total / seconds:.0f}x"
    )


def _pair_count(bulk: Bulk) -> int:
    """Address pairs the matrix considers (VPCs a path may join), for extrapolating."""
    per_vpc: dict[str, int] = {}
    for eni in bulk.c.enis.values():
        if eni.nat_gateway is None:
            per_vpc[eni.vpc_id] = per_vpc.get(eni.vpc_id, 0) + len(eni.addresses)
    candidates = _candidate_vpcs(bulk)
    total = 0
    for vpc, count in per_vpc.items():
        reach_set = candidates.get(vpc)
        targets = per_vpc.values() if reach_set is None else [per_vpc.get(v, 0) for v in reach_set]
        total += count * sum(targets)
    return total


def _naive_pairs(network: Network, bulk: Bulk, sample: int) -> float:
    """Seconds per address pair of the naive method, on pairs of the same VPC or a peer."""
    hosts = [Host(a, e.eni_id) for e in bulk.c.enis.values() if e.nat_gateway is None for a in e.addresses]
    candidates = _candidate_vpcs(bulk)
    rng = random.Random(SEED)
    chosen = []
    while len(chosen) < sample:
        a, b = rng.choice(hosts), rng.choice(hosts)
        va, vb = bulk.c.enis[a.eni_id or ""].vpc_id, bulk.c.enis[b.eni_id or ""].vpc_id
        reach_set = candidates.get(va)
        if a.eni_id != b.eni_id and (reach_set is None or vb in reach_set):
            chosen.append((a, b))
    start = time.perf_counter()
    for a, b in chosen:
        naive_outcome(network, bulk.space, a.address, b.address, a.eni_id)
    return (time.perf_counter() - start) / len(chosen)


def bench_matrix(network: Network, by: str, sample: int, target: float, memory: float | None) -> None:
    before = _rss_gib()
    bulk = Bulk(network)
    result, seconds = _timed(lambda: matrix(network, by, bulk=bulk))  # type: ignore[arg-type]
    peak = _rss_gib()
    pairs = _pair_count(bulk)
    per_pair = _naive_pairs(network, bulk, sample)
    total = per_pair * pairs
    memory_text = (
        f"; peak RSS {peak:.2f} GiB (+{peak - before:.2f}; target {memory} GiB: {'met' if peak <= memory else 'MISSED'})"
        if memory is not None
        else f"; peak RSS {peak:.2f} GiB"
    )
    print(
        f"matrix --by {by}: {seconds:.1f} s ({_cpu()}), {len(result.cells):,} cells, {result.class_pairs:,} class pairs walked, "
        f"{result.member_pairs:,} member pairs judged one by one ({_verdict(seconds, target)}){memory_text}"
    )
    print(
        f"  naive (trace every atom of every address pair): {per_pair * 1000:.1f} ms per pair on {sample} pairs x "
        f"{pairs:,} pairs -> {total:,.0f} s; speed-up {total / seconds:,.0f}x"
    )


def bench_diff(config: GeneratorConfig, sample: int) -> None:
    old = generate_network(SEED, config)
    new = copy.deepcopy(old)
    # The group whose members have the most public addresses: the new rule opens something.
    exposed: dict[str, int] = {}
    for eni in new.network_interfaces.values():
        if any(p.public_ip for p in eni.private_ip_addresses):
            for g in eni.groups:
                exposed[g] = exposed.get(g, 0) + 1
    group = new.security_groups[max(sorted(exposed), key=lambda g: exposed[g])]
    group.ingress.append(
        SecurityGroupRule(ip_protocol="tcp", from_port=3389, to_port=3389, cidr_ipv4="0.0.0.0/0")
    )
    new.touch()
    _, comp = _timed(lambda: (compile_network(old), compile_network(new)))
    result, seconds = _timed(lambda: diff(old, new))
    members = sum(1 for e in new.network_interfaces.values() if group.group_id in e.groups)
    print(
        f"diff: {seconds:.1f} s ({_cpu()}) after compiling both estates ({comp:.1f} s, loading), one inbound rule added to a group "
        f"of {members} ENIs: {len(result.pairs)} endpoint pairs changed, incremental={result.incremental} "
        f"({_verdict(seconds, TARGETS['diff'])})"
    )
    bulk = Bulk(new)
    per_pair = _naive_pairs(new, bulk, sample)
    total = 2 * per_pair * _pair_count(bulk)
    print(
        f"  naive (both estates, every address pair traced atom by atom): {total:,.0f} s; speed-up {total / seconds:,.0f}x"
    )


def bench_policy(network: Network) -> Policy:
    """Typical assertions over the estate: no SSH from the internet to any ENI; one instance
    reaches another on HTTPS; the web tier never reaches the db tier on SSH or RDP, and the db
    tier sends nothing to the internet (tiers of the largest VPC, by ``Tier`` tags the benchmark
    gives every instance from its first group's role). Tags change nothing the network compiles."""
    by_vpc: dict[str, list[str]] = {}
    for instance in sorted(network.instances.values(), key=lambda i: i.instance_id):
        eni = network.network_interfaces[instance.network_interface_ids[0]]
        group = network.security_groups.get(eni.groups[0]) if eni.groups else None
        role = (group.tags.get("Name") or "").rsplit("-", 1)[-1] if group is not None else ""
        if role in GROUP_ROLES:  # the generator names groups {vpc}-{role}: the tier is the first group's
            instance.tags["Tier"] = role
        by_vpc.setdefault(instance.vpc_id, []).append(instance.instance_id)
    vpc = max(sorted(by_vpc), key=lambda v: len(by_vpc[v]))
    one, other = by_vpc[vpc][:2]
    return Policy.model_validate(
        {
            "assertions": [
                {"name": "no SSH from the internet", "from": "internet", "to": "all", "deny": ["tcp/22"]},
                {
                    "name": "one instance reaches another on HTTPS",
                    "from": one,
                    "to": other,
                    "allow": ["tcp/443"],
                },
                {
                    "name": "web never reaches db on SSH or RDP",
                    "from": {"vpc": vpc, "tag": {"Tier": "web"}},
                    "to": {"vpc": vpc, "tag": {"Tier": "db"}},
                    "deny": ["tcp/22", "tcp/3389"],
                },
                {
                    "name": "db sends nothing to the internet",
                    "from": {"vpc": vpc, "tag": {"Tier": "db"}},
                    "to": "internet",
                    "deny": ["all"],
                },
            ]
        }
    )


def bench_check(network: Network) -> None:
    policy = bench_policy(network)
    result, seconds = _timed(lambda: check(network, policy))
    peak = _rss_gib()
    print(f"check: {seconds:.1f} s ({_cpu()}), {len(policy.assertions)} assertions; peak RSS {peak:.2f} GiB")
    for a in result.assertions:
        print(f"  {a.name}: {a.status}, {a.pairs:,} pairs, {a.violation_count:,} violations")


def _configs(preset: str, enis: int | None, quick: bool) -> tuple[GeneratorConfig, GeneratorConfig]:
    """The estate and the ``matrix --by instance`` network of a preset."""
    if preset == "messy":
        if quick:
            return messy_config(1_000), messy_config(1_000)
        return messy_config(enis or 50_000), messy_config(5_000)
    if quick:
        return PRESETS["bench"], PRESETS["bench"]
    big = PRESETS["estate"]
    if enis is not None:
        big = dataclasses.replace(
            big, network_interfaces=enis, vpcs=max(2, enis // 1_000), security_groups=max(2, enis // 25)
        )
    return big, MEDIUM


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_analysis", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="the 1,000-ENI bench preset instead of the estate"
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="reach exposure matrix-sg matrix-subnet matrix-instance diff check",
    )
    parser.add_argument("--preset", choices=("estate", "messy"), default="estate", help="the estate's kind")
    parser.add_argument("--enis", type=int, default=None, help="ENIs in the estate (default 50,000)")
    parser.add_argument(
        "--naive",
        type=int,
        default=None,
        help="pairs/addresses in each naive sample (default 100, 50, 200; exposure: 0 skips it)",
    )
    args = parser.parse_args(argv if argv is not None else [])
    big, medium = _configs(args.preset, args.enis, args.quick)
    wanted = set(
        args.only or ["reach", "exposure", "matrix-sg", "matrix-subnet", "matrix-instance", "diff", "check"]
    )
    samples = 30 if args.quick else 200
    naive = args.naive
    if wanted & {"reach", "exposure", "matrix-sg", "matrix-subnet", "check"}:
        estate = _estate(big, f"{args.preset} estate")
        if "reach" in wanted:
            bench_reach(estate, samples, naive)
        if "exposure" in wanted:
            bench_exposure(estate, naive if naive is not None else (20 if args.quick else 50))
        if "matrix-sg" in wanted:
            bench_matrix(estate, "security-group", naive or 100, TARGETS["matrix"], MEMORY_GIB["matrix"])
        if "matrix-subnet" in wanted:
            bench_matrix(estate, "subnet", naive or 100, TARGETS["matrix"], MEMORY_GIB["matrix"])
        if "check" in wanted:
            bench_check(estate)
        del estate
        gc.collect()
    if "matrix-instance" in wanted:
        network = _estate(medium, "medium network")
        bench_matrix(network, "instance", naive or 100, TARGETS["instance"], None)
        del network
        gc.collect()
    if "diff" in wanted:
        bench_diff(big, naive or 100)


if __name__ == "__main__":
    main(sys.argv[1:])
