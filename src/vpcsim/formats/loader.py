"""The NETWORK argument of every command: a path in, a loaded network out.

One rule for every command and for :func:`vpcsim.load`, so that ``validate``, ``show`` and ``trace`` never
disagree on what a file is:

1. ``--format yaml|aws|terraform`` wins when given;
2. a directory is an AWS ``describe-*`` folder;
3. ``.yaml`` / ``.yml`` is a vpcsim spec; an SQLite file is the state of ``vpcsim serve``, and so
   is an ``http(s)://`` URL (the server's);
4. JSON with ``format_version`` is Terraform (``terraform show -json`` of a plan or a state), and
   so is a raw ``terraform.tfstate`` (``terraform_version`` and ``lineage``);
5. JSON with ``describe-*`` keys (``Vpcs``, ``Subnets``, ``Reservations``...) is AWS;
6. anything else is an :class:`InputError` with a hint (a binary Terraform plan says how to turn
   it into JSON).

The AWS and Terraform readers are imported only when needed, so a spec loads without them.

One validation policy for every format: the network read is checked against AWS's rules
(:func:`vpcsim.model.validate`). An error -- a network AWS would never hold, such as overlapping
subnets, or a part of the file the reader had to leave out, such as a malformed ARN -- refuses the load (:class:`InputError`, exit 2) listing every problem with the file, the
place in it (YAML ``line:column`` and key path; AWS and Terraform JSON path) and the resource;
warnings load, and are reported with the reader's own in ``LoadResult.warnings``. A trace over an
impossible network would answer nonsense, whatever file it came from. Only ``vpcsim import``, which
summarises what a reader found (a single ``describe-vpcs`` output, say), reads an AWS or Terraform
input without the check; the YAML reader is strict by itself (a person wrote the file).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import orjson

from ..examples import EXAMPLES, example_file
from ..heap import quiet_gc
from ..model import Problem, validate
from .problems import InputError, LoadProblem, LoadResult, Location
from .spec import byte_position, load_spec, read_text

__all__ = [
    "EXAMPLES",
    "FORMATS",
    "checked",
    "detect_format",
    "load_example",
    "load_network",
    "load_source",
]

FORMATS = ("yaml", "aws", "terraform")

#: Top-level keys of ``aws ec2 describe-*`` output that mark a JSON file as AWS.
AWS_KEYS = frozenset(
    {
        "Vpcs",
        "Subnets",
        "RouteTables",
        "InternetGateways",
        "EgressOnlyInternetGateways",
        "NatGateways",
        "NetworkAcls",
        "SecurityGroups",
        "SecurityGroupRules",
        "NetworkInterfaces",
        "Reservations",
        "Instances",
        "Addresses",
        "VpcPeeringConnections",
        "VpnGateways",
        "TransitGateways",
        "TransitGatewayAttachments",
        "TransitGatewayVpcAttachments",
        "TransitGatewayRouteTables",
        "TransitGatewayPeeringAttachments",
        "TransitGatewayRouteTableAssociations",
        "TransitGatewayPropagations",
        "TransitGatewayStaticRoutes",
        "TransitGatewayRoutes",
        "VpcEndpoints",
        "PrefixLists",
        "ManagedPrefixLists",
    }
)

_ZIP_MAGIC = b"PK\x03\x04"


def _problem(path: Path, code: str, message: str) -> InputError:
    return InputError(LoadProblem("error", code, message, Location(file=str(path))))


def _reader(module: str, function: str, what: str, path: Path) -> Callable[[Path], LoadResult]:
    """``vpcsim.formats.<module>.<function>``, imported now; InputError if it is not installed."""
    name = f"{__package__}.{module}"
    try:
        loaded = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise _problem(path, "VPCSIM_FORMAT_UNSUPPORTED", f"{what} are not supported yet ({path})") from None
    return cast(Callable[[Path], LoadResult], getattr(loaded, function))


def load_aws(path: Path) -> LoadResult:
    return _reader("aws", "load_aws", "AWS describe-* folders and files", path)(path)


def load_terraform(path: Path) -> LoadResult:
    return _reader("terraform", "load_terraform", "Terraform JSON files", path)(path)


def _json(path: Path, data: bytes) -> Any:
    try:
        return orjson.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None


def detect_format(path: Path) -> str:
    """``yaml``, ``aws`` or ``terraform`` for ``path``, by the rules of this module's docstring."""
    if path.is_dir():
        return "aws"
    if path.suffix.lower() in (".yaml", ".yml"):
        return "yaml"
    try:
        data = path.read_bytes()
    except OSError:
        read_text(path)  # raises InputError naming the file and the reason
        raise
    if data.startswith(_ZIP_MAGIC):
        raise _problem(
            path,
            "VPCSIM_FORMAT_UNKNOWN",
            f"{path} is a binary Terraform plan; run `terraform show -json {path.name} > plan.json` "
            "and pass plan.json",
        )
    document = _json(path, data)
    if isinstance(document, dict):
        if "format_version" in document:
            return "terraform"
        if AWS_KEYS & document.keys():
            return "aws"
        if {"terraform_version", "lineage"} <= document.keys():
            return "terraform"  # a raw terraform.tfstate, which the Terraform reader also reads
        keys = ", ".join(sorted(document)[:5]) or "none"
        raise _problem(
            path,
            "VPCSIM_FORMAT_UNKNOWN",
            f"{path} is JSON but neither Terraform (`terraform show -json`, with format_version; or a "
            "terraform.tfstate) nor "
            f"AWS describe-* output (with Vpcs, Subnets, Reservations...); its keys: {keys}. "
            "Pass --format if you know better",
        )
    if document is None and data.lstrip()[:1] in (b"{", b"["):
        # Malformed or truncated JSON: tell by its keys what it was meant to be, so that the
        # lenient readers can keep what is usable and report the damage with its position.
        head = data[: 1 << 16].decode("utf-8", "replace")
        if '"format_version"' in head:
            return "terraform"
        if any(f'"{key}"' in head for key in AWS_KEYS):
            return "aws"
        try:
            orjson.loads(data.decode("utf-8-sig"))
        except orjson.JSONDecodeError as exc:
            where = Location(file=str(path), line=exc.lineno, column=exc.colno)
            message = f"{path} is not valid JSON: {exc}"
            raise InputError(LoadProblem("error", "VPCSIM_JSON_INVALID", message, where)) from None
        except UnicodeDecodeError as exc:
            message = f"{path} is not valid JSON: it is not UTF-8 text (byte {exc.start})"
            where = Location(str(path), *byte_position(data, exc.start))
            raise InputError(LoadProblem("error", "VPCSIM_JSON_INVALID", message, where)) from None
    if path.suffix.lower() == ".tf":
        hint = "vpcsim reads Terraform JSON: run `terraform show -json > state.json` (or of a plan)"
    elif document is not None:
        hint = "it is JSON but not an object"
    else:
        hint = "name a spec .yaml/.yml, or pass --format yaml|aws|terraform"
    raise _problem(path, "VPCSIM_FORMAT_UNKNOWN", f"cannot tell the format of {path}: {hint}")


def load_network(path: str | Path, *, format: str | None = None, check: bool = True) -> LoadResult:
    """Load the network a command was given (a spec, an AWS folder or file, a Terraform JSON).

    ``check=False`` returns what a lenient reader (AWS, Terraform) read without judging the
    network (``vpcsim import`` summarises a partial dump that way); analyses always check."""
    with quiet_gc():  # reading and validating build millions of objects that live on (vpcsim.heap)
        return _load_network(Path(path), format, check)


def _load_network(path: Path, format: str | None, check: bool) -> LoadResult:
    if format is not None and format not in FORMATS:
        raise _problem(path, "VPCSIM_USAGE", f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    try:
        path.stat()
    except FileNotFoundError:
        raise _problem(
            path, "VPCSIM_FILE_UNREADABLE", f"cannot read {path}: no such file or directory"
        ) from None
    except OSError as exc:  # a name too long, a loop of links, a parent that is a file
        raise _problem(path, "VPCSIM_FILE_UNREADABLE", f"cannot read {path}: {exc.strerror or exc}") from None
    if format is None and _is_serve_state(path):
        from .aws_state import load_state_file

        result = load_state_file(path)
        return checked(result, path) if check else result
    kind = format or detect_format(path)
    if kind == "yaml":
        if path.is_dir():
            raise _problem(
                path, "VPCSIM_FILE_UNREADABLE", f"cannot read {path}: it is a directory, not a spec"
            )
        return load_spec(read_text(path), filename=str(path))
    result = load_aws(path) if kind == "aws" else load_terraform(path)
    return checked(result, path) if check else result


def checked(result: LoadResult, path: Path) -> LoadResult:
    """Apply the validation policy (module docstring) to what a lenient reader (AWS, Terraform)
    returned; the YAML spec applies it itself, with line numbers."""
    found = validate(result.network)
    result.validation = found
    located = [_located(result, path, p) for p in found]
    # What the reader itself refused (a malformed ARN, a rule it could not read...) is an error as
    # much as what validation finds: the network read is not the one the file describes.
    read = [p for p in result.warnings if p.severity == "error"]
    errors = [*read, *(p for p in located if p.severity == "error")]
    if errors:
        warnings = [p for p in (*result.warnings, *located) if p.severity != "error"]
        raise InputError([*errors, *warnings])
    result.warnings.extend(located)
    return result


def _located(result: LoadResult, path: Path, problem: Problem) -> LoadProblem:
    """A model problem as a load problem: the resource as the input names it in the message, the
    file (and JSON path) it was read from as the location."""
    name, where = result.locate(problem.resource) if result.locate is not None else (problem.resource, None)
    if where is None or where.file is None:
        where = Location(file=str(path), path=where.path if where is not None else None)
    subject = f"{name}.{problem.field}" if problem.field else name
    return LoadProblem(problem.severity, problem.code, f"{subject}: {problem.message}", where)


def load_example(name: str) -> LoadResult:
    """A built-in example network by name (see :data:`EXAMPLES`)."""
    try:
        spec = example_file(name)
    except KeyError:
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_USAGE",
                f"no built-in example {name!r}; the examples are {', '.join(EXAMPLES)}",
            )
        ) from None
    return load_spec(spec.read_text(encoding="utf-8"), filename=f"{name}.yaml")


#: The first bytes of every SQLite database file (the format's header string).
SQLITE_MAGIC = b"SQLite format 3\x00"


def _is_serve_state(path: Path) -> bool:
    """A ``vpcsim serve --state`` file (SQLite). Told without importing the AWS reader, which
    reads such a file: a folder or a spec must load (and say what is missing) without it."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def load_source(source: str | Path, *, format: str | None = None, check: bool = True) -> LoadResult:
    """A NETWORK as every command and :func:`vpcsim.load` take it: a path, the URL of a
    ``vpcsim serve`` (its state), or the name of a built-in example where no such file exists (and
    no format is forced). ``check`` as for :func:`load_network`."""
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        from .aws_state import load_url

        result = load_url(source)
        return checked(result, Path(source)) if check else result
    if format is None and isinstance(source, str) and source in EXAMPLES and not Path(source).exists():
        return load_example(source)
    return load_network(source, format=format, check=check)
