"""Hypothesis strategies over generated networks and flows, for property tests.

Why a separate module: hypothesis is a development dependency, so only tests import this;
:mod:`vpcsim.testing` stays importable without it. The strategies draw seeds and build on the
seed-based generator, so a failing example is reported by its seed and can be replayed with
``generate_network(seed, config)``; hypothesis shrinks towards seed 0 and towards fewer flows.
"""

from __future__ import annotations

from hypothesis import strategies as st

from ..engine.flow import Flow
from ..model import Network
from .flow_sampler import FlowSampler
from .network_generator import PRESETS, GeneratorConfig, generate_network

__all__ = ["SEEDS", "flows", "network_and_flows", "networks"]

#: Seeds are unsigned 32-bit integers.
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def networks(config: GeneratorConfig | None = None) -> st.SearchStrategy[Network]:
    """Generated networks; the ``small`` preset (2-3 VPCs) unless ``config`` says otherwise."""
    chosen = config if config is not None else PRESETS["small"]
    return SEEDS.map(lambda seed: generate_network(seed, chosen))


def flows(network: Network, *, pinned_ratio: float = 0.3) -> st.SearchStrategy[Flow]:
    """Single flows over ``network`` (see :class:`vpcsim.testing.flow_sampler.FlowSampler` for the mix)."""
    sampler = FlowSampler(network, pinned_ratio=pinned_ratio)
    return SEEDS.map(lambda seed: sampler.sample_many(seed, 1)[0])


def network_and_flows(
    config: GeneratorConfig | None = None,
    *,
    min_flows: int = 1,
    max_flows: int = 20,
    pinned_ratio: float = 0.3,
) -> st.SearchStrategy[tuple[Network, list[Flow]]]:
    """A generated network and ``min_flows``..``max_flows`` flows over it."""
    if not 0 <= min_flows <= max_flows:
        raise ValueError(f"need 0 <= min_flows <= max_flows, not {min_flows} and {max_flows}")

    def with_flows(network: Network) -> st.SearchStrategy[tuple[Network, list[Flow]]]:
        return st.tuples(
            st.just(network),
            st.lists(flows(network, pinned_ratio=pinned_ratio), min_size=min_flows, max_size=max_flows),
        )

    return networks(config).flatmap(with_flows)
