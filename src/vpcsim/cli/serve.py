"""``vpcsim serve``: the EC2 VPC API over a persisted state (``docs/serve.md``)."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from .errors import CliError

__all__ = ["serve_command"]


def _keys(pairs: list[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for pair in pairs:
        access, sep, secret = pair.partition(":")
        if not sep or not access or not secret:
            raise CliError(f"--key takes ACCESS_KEY_ID:SECRET_ACCESS_KEY, not {pair!r}", code="VPCSIM_USAGE")
        keys[access] = secret
    return keys


def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 4566,
    state: Annotated[
        str, typer.Option("--state", help="SQLite file of the state (created if absent); :memory: for none.")
    ] = "vpcsim-serve.sqlite",
    source: Annotated[
        str | None,
        typer.Option(
            "--from", help="Seed the state with this NETWORK (YAML spec, AWS folder, Terraform JSON)."
        ),
    ] = None,
    verify_signatures: Annotated[
        bool, typer.Option("--verify-signatures", help="Refuse requests not SigV4-signed with a --key.")
    ] = False,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="ACCESS_KEY_ID:SECRET for --verify-signatures (repeat; or $VPCSIM_SERVE_KEYS, comma-separated).",
        ),
    ] = None,
    max_body: Annotated[int, typer.Option("--max-body", help="Largest request body accepted, in bytes.")] = 1
    << 20,
    lab: Annotated[
        bool,
        typer.Option(
            "--lab",
            help="Run what the API builds in a live lab (root; docs/lab.md), changed with every request.",
        ),
    ] = False,
    lab_name: Annotated[
        str, typer.Option("--lab-name", help="The lab's name (vpcsim lab ... --name).")
    ] = "serve",
    watchdog: Annotated[
        bool, typer.Option("--watchdog/--no-watchdog", help="With --lab: probe what each change can affect.")
    ] = True,
) -> None:
    """Serve the EC2 VPC API (boto3, the AWS CLI, any SDK: --endpoint-url http://HOST:PORT) over a
    persisted state that every vpcsim command reads as NETWORK (the URL or the --state file)."""
    from ..serve import ServerSettings, Store, run
    from ..serve.seed import not_served, seed
    from .common import load

    pairs = list(key or []) + [p for p in os.environ.get("VPCSIM_SERVE_KEYS", "").split(",") if p]
    keys = _keys(pairs)
    if verify_signatures and not keys:
        raise CliError(
            "--verify-signatures needs at least one --key ACCESS_KEY_ID:SECRET", code="VPCSIM_USAGE"
        )
    store = Store(state)
    if source is not None:
        network = load(source).network
        counts = seed(store, network)
        typer.echo(f"seeded {sum(counts.values())} resources from {source}", err=True)
        left = not_served(network)
        if left:
            typer.echo(
                "vpcsim serve answers the EC2 API only: left out "
                + ", ".join(f"{n} {key}" for key, n in sorted(left.items()))
                + " (Elastic Load Balancing)",
                err=True,
            )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = ServerSettings(verify_signatures=verify_signatures, keys=keys, max_body=max_body)
    live = None
    if lab:
        from ..lab import LabError
        from ..serve.live import LiveLab

        try:
            live = LiveLab(store, lab_name, watchdog=watchdog)
            lab_state = live.start()
        except LabError as exc:  # includes LabEnvironmentError (not root, ip/nft missing)
            raise CliError(f"--lab: {exc}", code="VPCSIM_LAB") from None
        settings.after_commit = live.after_commit
        settings.health = live.health
        typer.echo(
            f"vpcsim serve: lab {lab_name} is up ({len(lab_state.namespaces)} namespaces); "
            f"`vpcsim lab exec --name {lab_name} INSTANCE -- CMD`, `vpcsim lab down --name {lab_name}`",
            err=True,
        )
    typer.echo(f"vpcsim serve: http://{host}:{port} (state {state})", err=True)
    try:
        run(store, host, port, settings)
    finally:
        if live is not None:
            live.stop()
