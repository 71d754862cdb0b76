"""The web console: the network as nested boxes, click-to-trace, what-if edits, exposure.

``create_app(get_network)`` is the Starlette application (``vpcsim console`` serves it on
127.0.0.1; ``vpcsim serve`` mounts it at ``/console`` over its live state). The page is static
files under ``static/`` (plain ES modules; cytoscape vendored by ``scripts/vendor-console.sh``).
See ``docs/console.md``.
"""

from .app import NetworkUnavailable, create_app

__all__ = ["NetworkUnavailable", "create_app"]
