"""The reference engine's throughput (``docs/performance.md``).

On a generated network of 1,000 ENIs with 200 security groups of 20 rules each, 10,000 distinct
seeded flows, no caching across flows: verdicts per second (verdict and blocker codes only) and
full traces per second (hops and steps). Baseline, in the same run: the same engine recompiling
the network for every flow, i.e. rescanning the model's lists per packet, on a sample.
"""

from __future__ import annotations

import collections
import time

from vpcsim.engine import trace
from vpcsim.engine.compiled import _CACHE
from vpcsim.testing import PRESETS, generate_estate_sizes, generate_flows, generate_network

FLOWS = 10_000
BASELINE_SAMPLE = 200
TARGET_VERDICTS, TARGET_FULL, STRETCH_FULL = 20_000, 5_000, 20_000


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    network = generate_network(7, PRESETS["bench"])
    sizes = generate_estate_sizes(network)
    flows = list(dict.fromkeys(generate_flows(network, 11, FLOWS * 2)))[:FLOWS]
    assert len(flows) == FLOWS, "the generator must yield enough distinct flows"
    print(
        f"network: {sizes.get('network_interfaces')} ENIs, {sizes.get('security_groups')} security groups, "
        f"{sizes.get('security_group_rules', '?')} rules; {len(flows)} distinct flows"
    )
    trace(network, flows[0], record=False)  # compile once, as loading a network does

    verdicts: collections.Counter[str] = collections.Counter()
    start = time.perf_counter()
    for flow in flows:
        verdicts[trace(network, flow, record=False).verdict] += 1
    verdict_rate = _rate(len(flows), time.perf_counter() - start)

    start = time.perf_counter()
    for flow in flows:
        trace(network, flow)
    full_rate = _rate(len(flows), time.perf_counter() - start)

    sample = flows[:BASELINE_SAMPLE]
    start = time.perf_counter()
    for flow in sample:
        _CACHE.pop(network, None)
        trace(network, flow, record=False)
    baseline_rate = _rate(len(sample), time.perf_counter() - start)

    print(f"verdicts: {dict(sorted(verdicts.items()))}")
    print(
        f"verdicts/s: {verdict_rate:,.0f} (target {TARGET_VERDICTS:,}: {'met' if verdict_rate >= TARGET_VERDICTS else 'MISSED'})"
    )
    print(
        f"full traces/s: {full_rate:,.0f} (target {TARGET_FULL:,}: {'met' if full_rate >= TARGET_FULL else 'MISSED'}; "
        f"stretch {STRETCH_FULL:,}: {'met' if full_rate >= STRETCH_FULL else 'missed'})"
    )
    print(
        f"baseline (recompile per flow): {baseline_rate:,.1f} verdicts/s; compiled engine is "
        f"{verdict_rate / baseline_rate:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
