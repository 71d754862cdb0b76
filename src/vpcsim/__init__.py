"""vpcsim: simulate AWS VPC networks offline.

The public API: build or load a :class:`Network`, then ``network.trace(...)``.
"""

from .model import Network

__all__ = ["Network"]
__version__ = "0.1.0"
