"""Test data for vpcsim: seeded random networks and flows, and property-test strategies over them.

- :mod:`.network_generator` -- :func:`generate_network` builds a random, valid network from a
  seed and a :class:`GeneratorConfig` (or one of the :data:`PRESETS`);
- :mod:`.flow_sampler` -- :func:`generate_flows` / :class:`FlowSampler` draw flows over any network;
- :mod:`.strategies` -- property-test strategies over both (import that module explicitly: its
  library is a development dependency, which nothing else here needs).

The property tests, the live lab's differential tests, ``vpcsim.fidelity`` and the benchmarks
all draw from here, so that one seed names the same network everywhere.
"""

from .flow_sampler import INTERNET_HOSTS, FlowSampler, generate_flows
from .network_generator import (
    INTERNET_CIDRS,
    PRESETS,
    GeneratorConfig,
    generate_estate_sizes,
    generate_network,
    messy_config,
)

__all__ = [
    "INTERNET_CIDRS",
    "INTERNET_HOSTS",
    "PRESETS",
    "FlowSampler",
    "GeneratorConfig",
    "generate_estate_sizes",
    "generate_flows",
    "generate_network",
    "messy_config",
]
