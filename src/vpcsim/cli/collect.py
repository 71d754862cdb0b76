"""``vpcsim collect``: write a live account's network as AWS describe-* JSON (for ``vpcsim import``).

The command is a thin shell over :func:`vpcsim.collect.collect`: it builds the boto3 session from
``--profile``, shows a progress bar on stderr (not under ``--json``), and prints a summary. The
lead mounts it with ``app.command("collect")(collect_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..collect import CollectError, CollectProgress, CollectResult, collect
from .errors import EXIT_OK, CliError


def collect_command(
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Folder to write DIR/ACCOUNT/REGION/<Key>.json into.", show_default=False
        ),
    ],
    profile: Annotated[
        str | None, typer.Option("--profile", help="AWS profile (default: the environment's credentials).")
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region", help="Region to collect; repeat for several (default: the profile's region)."
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            help="Send every call to this URL instead of AWS's endpoints, as the AWS CLI's --endpoint-url.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (docs/json.md).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
) -> int:
    """Collect every describe-* call vpcsim imports, per region, into a folder `vpcsim import` reads."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    except botocore.exceptions.ProfileNotFound:
        raise CliError(
            f"AWS profile {profile!r} is not configured (see `aws configure list-profiles`)"
        ) from None
    regions = list(dict.fromkeys(region or ([session.region_name] if session.region_name else [])))
    if not regions:
        raise CliError(
            "no region: pass --region REGION (repeatable), or set AWS_DEFAULT_REGION "
            "(or the profile's region: aws configure set region REGION)"
        )
    if output.exists() and not output.is_dir():
        raise CliError(f"{output} exists and is not a folder")
    try:
        if as_json:
            result = collect(session, regions, output, endpoint_url=endpoint_url)
        else:
            result = _collect_with_progress(session, regions, output, endpoint_url)
    except CollectError as exc:
        raise CliError(str(exc), code=exc.code) from None
    if not result.files:
        raise CliError(
            "nothing was collected: every call was refused",
            code="VPCSIM_AWS_NOTHING",
            details=[{"text": str(w), **w.to_dict()} for w in result.warnings],
        )
    if as_json:
        from .common import emit_json

        emit_json({"schema_version": 1, **result.to_dict()})
    else:
        _print_summary(result)
    return EXIT_OK


def _collect_with_progress(
    session: object, regions: list[str], output: Path, endpoint_url: str | None
) -> CollectResult:
    console = Console(stderr=True, highlight=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("collecting", total=None)

        def on_progress(event: CollectProgress) -> None:
            bar.update(
                task,
                total=event.total,
                completed=event.step,
                description=f"{event.region} {event.operation}",
            )

        return collect(session, regions, output, progress=on_progress, endpoint_url=endpoint_url)


def _print_summary(result: CollectResult) -> None:
    console = Console(highlight=False, soft_wrap=True)
    where = result.out_dir / result.account if result.account else result.out_dir
    console.print(
        f"collected account {result.account or 'unknown'}, {len(result.regions)} region(s) "
        f"({', '.join(result.regions)}) into {where}"
    )
    table = Table("key", "items", box=None, pad_edge=False)
    for key, count in sorted(result.counts.items()):
        table.add_row(key, str(count))
    console.print(table)
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow")
    console.print(f"next: vpcsim import {result.out_dir}")
