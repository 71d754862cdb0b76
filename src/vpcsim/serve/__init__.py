"""``vpcsim serve``: the EC2 VPC API (and STS ``GetCallerIdentity``) over a persisted state that is
a vpcsim NETWORK. Requests are parsed and answers serialised from botocore's service models
(:mod:`.protocol`); each action family is a module of :mod:`.actions` (``docs/serve.md``)."""

from __future__ import annotations

from .app import ServerSettings, create_app
from .server import BackgroundServer, run
from .store import Store

__all__ = ["BackgroundServer", "ServerSettings", "Store", "create_app", "run"]
