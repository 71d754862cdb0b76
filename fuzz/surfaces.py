"""The five input surfaces, each: seed documents, how to mutate them, and the command that reads them.

=========  ============================================  ==========================================
surface    seeds (valid documents)                       the bulk command (every input)
=========  ============================================  ==========================================
yaml       src/vpcsim/examples, tests/cli/specs, the     ``vpcsim validate --json spec.yaml``
           specs of docs/spec.md
aws        the folders of tests/fixtures/aws             ``vpcsim validate --json FOLDER`` (or one
                                                         of its files)
terraform  tests/fixtures/terraform                      ``vpcsim validate --json plan.json``
policy     docs/policy.md, fuzz/seeds/*.policy.yaml      ``vpcsim check --json NETWORK policy.yaml
                                                         --junit ... --sarif ...``
cli        fuzz/seeds/commands.txt (command lines on     ``vpcsim ARGS``
           the examples and fixtures)
=========  ============================================  ==========================================

A sample of the accepted documents is then run through the other commands a user would try
(:meth:`Surface.sample`): ``show``, ``import``, ``trace``, ``why``, ``reach``, ``exposure``,
``matrix``, ``export``.

Everything runs in a scratch folder (the current directory during a campaign): the fuzzer names
no other file, so a mutated ``-o`` cannot overwrite anything outside it.
"""

from __future__ import annotations

import copy
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import orjson
import yaml

from . import mutate as mut
from .mutate import Chooser
from .runner import Outcome, run_cli, run_reader

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "seeds"


EXPORTED = "exported.yaml"
"""Where the sample's ``export`` writes, and ``validate`` reads it back."""


@dataclass
class Case:
    """One input: files to write (``None``: delete) before running ``args``, and how it was made."""

    surface: str
    args: list[str]
    files: dict[str, bytes | None] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    input_files: tuple[str, ...] = ()
    """The files whose problems must be located (prefixes: a folder names its files)."""

    def describe(self) -> str:
        return f"vpcsim {shlex.join(self.args)}  # " + "; ".join(self.log)


class Surface:
    """A kind of input. Subclasses set :attr:`name` and implement :meth:`case`."""

    name: ClassVar[str]

    def __init__(self, work: Path) -> None:
        self.work = work
        self._originals: dict[str, bytes | None] = {}

    # -- files in the scratch folder

    def apply(self, case: Case) -> None:
        for rel, data in case.files.items():
            path = self.work / rel
            self._originals.setdefault(rel, path.read_bytes() if path.is_file() else None)
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    def restore(self) -> None:
        for rel, data in self._originals.items():
            path = self.work / rel
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)
        self._originals.clear()

    # -- to implement

    def case(self, c: Chooser) -> Case:
        raise NotImplementedError

    def bulk(self, case: Case) -> Outcome:
        """Run one input the fast way (by default, the command line in-process)."""
        return run_cli(case.args)

    def sample(self, case: Case) -> list[list[str]]:
        """More commands on an accepted input (the full CLI beyond the bulk command)."""
        return []

    def exported_from(self, case: Case) -> str | None:
        """The network the sample's ``export`` wrote to :data:`EXPORTED` (None: none exported)."""
        return None


def read_network(target: str) -> None:
    """What ``vpcsim validate`` does with its NETWORK: the CLI's loader, which runs the model's
    checks (an error is an :class:`InputError`)."""
    from vpcsim.cli.common import load

    load(target)


class NetworkSurface(Surface):
    """A surface whose inputs are networks: the bulk reads them as every command does."""

    def bulk(self, case: Case) -> Outcome:
        return run_reader(lambda: read_network(case.args[-1]))

    def sample(self, case: Case) -> list[list[str]]:
        return _network_commands(case.args[-1])

    def exported_from(self, case: Case) -> str | None:
        return case.args[-1]


def _network_commands(target: str, fmt: str | None = None) -> list[list[str]]:
    force = ["--format", fmt] if fmt else []
    return [
        ["show", target, *force],
        ["show", target, "--json", *force],
        ["import", target, "--json", *force],
        ["exposure", target, "--json", *force],
        ["matrix", target, "--by", "instance", *force],
        ["reach", target, "--from", "internet", "--to", "10.0.1.10", *force],
        ["trace", target, "--from", "internet", "--to", "10.0.1.10", "--port", "22", *force],
        ["why", target, "--from", "internet", "--to", "10.0.1.10", "--port", "22", "--json", *force],
        ["export", target, "--to", "yaml", "-o", EXPORTED],
        ["validate", EXPORTED, "--json"],
    ]


# ----------------------------------------------------------------------------- yaml


def _doc_specs() -> list[str]:
    """The YAML specs shown in docs/spec.md (the blocks that are whole specs)."""
    text = (ROOT / "docs" / "spec.md").read_text()
    return [b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if re.search(r"^vpcs:", b, re.M)]


class YamlSurface(NetworkSurface):
    name = "yaml"
    FILE = "spec.yaml"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        texts = [p.read_text() for p in sorted((ROOT / "src" / "vpcsim" / "examples").glob("*.yaml"))]
        texts += [p.read_text() for p in sorted((ROOT / "tests" / "cli" / "specs").glob("*.yaml"))]
        texts += _doc_specs()
        self.seeds = [(text, yaml.safe_load(text)) for text in texts]

    def case(self, c: Chooser) -> Case:
        text, data = c.choice(self.seeds)
        log: list[str] = []
        if c.integer(0, 9) == 0:
            encoded = text.encode()
        else:
            m = mut.mutate(c, copy.deepcopy(data), yaml_traps=True)
            encoded, log = mut.write_yaml(m), m.log
        if c.integer(0, 7) == 0:
            encoded, what = mut.damage(c, encoded)
            log.append(what)
        return Case(self.name, ["validate", "--json", self.FILE], {self.FILE: encoded}, log, (self.FILE,))


# ----------------------------------------------------------------------------- aws


class AwsSurface(NetworkSurface):
    name = "aws"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        fixtures = ROOT / "tests" / "fixtures" / "aws"
        self.folders: list[tuple[str, list[tuple[str, bytes]]]] = []
        for folder in sorted(p for p in fixtures.iterdir() if p.is_dir()):
            target = work / "aws" / folder.name
            if not target.exists():
                shutil.copytree(folder, target)
            files = sorted(p for p in target.rglob("*.json"))
            self.folders.append(
                (f"aws/{folder.name}", [(str(p.relative_to(work)), p.read_bytes()) for p in files])
            )

    def case(self, c: Chooser) -> Case:
        folder, files = c.choice(self.folders)
        changed: dict[str, bytes | None] = {}
        log: list[str] = []
        for _ in range(c.choice((1, 1, 1, 2))):
            rel, data = c.choice(files)
            kind = c.integer(0, 19)
            if kind == 0:
                changed[rel] = None
                log.append(f"{rel} deleted")
                continue
            if kind == 1:
                encoded, what = mut.damage(c, data)
                changed[rel] = encoded
                log.append(f"{rel}: {what}")
                continue
            m = mut.mutate(c, orjson.loads(data))
            changed[rel] = mut.write_json(m)
            log.extend(f"{rel}: {entry}" for entry in m.log)
        target = folder
        if c.integer(0, 9) == 0:
            # one file given alone (``vpcsim validate Subnets.json``)
            target = c.choice([rel for rel, _ in files])
        return Case(self.name, ["validate", "--json", target], changed, log, (folder,))


# ----------------------------------------------------------------------------- terraform


class TerraformSurface(NetworkSurface):
    name = "terraform"
    FILE = "plan.json"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        fixtures = ROOT / "tests" / "fixtures" / "terraform"
        self.seeds = [p.read_bytes() for p in sorted(fixtures.glob("*.json"))]

    def case(self, c: Chooser) -> Case:
        data = c.choice(self.seeds)
        log: list[str] = []
        if c.integer(0, 9) == 0:
            encoded, what = mut.damage(c, data)
            log.append(what)
        else:
            m = mut.mutate(c, orjson.loads(data))
            encoded, log = mut.write_json(m), m.log
        return Case(self.name, ["validate", "--json", self.FILE], {self.FILE: encoded}, log, (self.FILE,))


# ----------------------------------------------------------------------------- policy


def _doc_policies() -> list[str]:
    text = (ROOT / "docs" / "policy.md").read_text()
    return [b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if "assertions:" in b]


class PolicySurface(Surface):
    name = "policy"
    FILE = "policy.yaml"
    NETWORK = "bastion-nat"
    """The policies' network: a built-in example whose names the seed policies use."""

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        self._loaded: Any = None
        texts = [p.read_text() for p in sorted(SEEDS.glob("*.policy.yaml"))]
        # the documentation's policies are seeds where they apply to this network (one naming
        # subnets the network lacks would make every input derived from it a rejection)
        texts += [text for text in _doc_policies() if self._accepted(text)]
        self.seeds = [(text, yaml.safe_load(text)) for text in texts]

    def _accepted(self, text: str) -> bool:
        """Whether ``vpcsim check`` takes ``text`` on :attr:`NETWORK` (exit status other than 2)."""
        probe = self.work / "seed-probe.policy.yaml"
        probe.write_text(text)
        try:
            return run_reader(lambda: self.check(str(probe))).status != 2
        finally:
            probe.unlink()

    def case(self, c: Chooser) -> Case:
        text, data = c.choice(self.seeds)
        log: list[str] = []
        if c.integer(0, 9) == 0:
            encoded = text.encode()
        else:
            m = mut.mutate(c, copy.deepcopy(data), yaml_traps=True)
            encoded, log = mut.write_yaml(m), m.log
        if c.integer(0, 7) == 0:
            encoded, what = mut.damage(c, encoded)
            log.append(what)
        args = ["check", "--json", self.NETWORK, self.FILE, "--junit", "out.xml", "--sarif", "out.sarif"]
        return Case(self.name, args, {self.FILE: encoded}, log, (self.FILE,))

    def bulk(self, case: Case) -> Outcome:
        return run_reader(lambda: self.check(self.FILE))

    def check(self, policy: str) -> None:
        """What ``vpcsim check`` does with its POLICY: read it, check it on the (loaded once)
        network, write the JUnit and SARIF reports."""
        from vpcsim.analysis.policy import check
        from vpcsim.analysis.reports import check_junit, check_sarif
        from vpcsim.formats.policy import read_policy

        if self._loaded is None:
            from vpcsim.cli.common import load

            self._loaded = load(self.NETWORK)
        parsed, lines = read_policy(policy)
        loaded = self._loaded
        result = check(loaded.network, parsed, policy_path=policy, lines=lines, skipped=loaded.skipped)
        check_junit(result, Path(policy).name)
        orjson.dumps(check_sarif(result, policy))
        orjson.dumps(result.to_dict())

    def sample(self, case: Case) -> list[list[str]]:
        return [
            ["check", self.NETWORK, self.FILE],
            ["check", self.NETWORK, self.FILE, "--junit", "-"],
            ["check", "web-server", self.FILE, "--sarif", "-"],
        ]


# ----------------------------------------------------------------------------- cli

#: Values an argument may be replaced with: endpoints right and wrong, numbers at the edges,
#: paths that exist, do not, or are folders (all inside the scratch folder), and oddities.
VALUES: tuple[str, ...] = (
    "bastion",
    "app",
    "web",
    "internet",
    "internet:8.8.8.8",
    "internet:10.0.0.1",
    "internet:foo",
    "internet:",
    "8.8.8.8",
    "10.0.1.10",
    "10.9.9.9",
    "300.1.1.1",
    "10.0.0.0/16",
    "::1",
    "i-0123456789abcdef0",
    "eni-",
    "sg-",
    "subnet-",
    "all",
    "tcp",
    "udp",
    "icmp",
    "icmpv6",
    "-1",
    "0",
    "1",
    "6",
    "17",
    "255",
    "256",
    "22",
    "65535",
    "65536",
    "99999999999999999999999",
    "-5",
    "1e3",
    "0x16",
    "\uff12\uff12",
    "1024-65535",
    "65535-1024",
    "1-2-3",
    "-",
    "--",
    "",
    " ",
    "foo",
    "é",
    "\u202e",
    "😀",
    "linux",
    "windows",
    "nat",
    "yaml",
    "aws",
    "terraform",
    "json",
    "instance",
    "subnet",
    "security-group",
    "low",
    "medium",
    "high",
    "spec",
    "trace",
    "error",
    "policy",
    "bastion-nat",
    "web-server",
    "custom-vpc",
    "default-vpc",
    "spec.yaml",
    "plan.json",
    "aws/test-public-subnet",
    "aws/test-public-subnet/aws_configs/Subnets.json",
    "policy.yaml",
    "missing.yaml",
    "missing/parent/out.yaml",
    "a-folder",
    "a-file",
    "a-file/below",
    "out.yaml",
    "out-folder",
    "empty.yaml",
    "garbage.json",
    "x" * 5000,
)

#: The commands fuzzed, and their options. ``collect`` (AWS's API), ``lab`` (network namespaces)
#: and ``demo`` (the tutorial's story, minutes) are left out.
OPTIONS: dict[str, tuple[str, ...]] = {
    "trace": (
        "--from",
        "--to",
        "-p",
        "--protocol",
        "--port",
        "--source-port",
        "--client-ports",
        "--icmp-type",
        "--icmp-code",
        "--from-eni",
        "--format",
        "--brief",
        "--json",
    ),
    "why": (
        "--from",
        "--to",
        "-p",
        "--port",
        "--source-port",
        "--client-ports",
        "--icmp-type",
        "--icmp-code",
        "--from-eni",
        "--format",
        "--json",
    ),
    "reach": ("--from", "--to", "--client-ports", "--format", "--json"),
    "ssh": ("--format", "--brief", "--json"),
    "ping": ("--format", "--brief", "--json"),
    "curl": ("--port", "--format", "--brief", "--json"),
    "exposure": ("--min-severity", "--sarif", "--client-ports", "--format", "--json"),
    "matrix": ("--by", "--csv", "--client-ports", "--format", "--json"),
    "diff": ("--old-format", "--new-format", "--client-ports", "--json"),
    "check": ("--junit", "--sarif", "--print-schema", "--format", "--json"),
    "validate": ("--format", "--json"),
    "show": ("--format", "--json"),
    "import": ("--format", "--json"),
    "export": ("--to", "--format", "-o", "--output", "--input-format", "--json"),
    "schema": ("--json",),
}
FLAGS = frozenset({"--brief", "--json", "--csv", "--print-schema", "--debug"})


class CliSurface(Surface):
    """Command lines: valid ones from ``fuzz/seeds/commands.txt``, token by token mutated."""

    name = "cli"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        lines = (SEEDS / "commands.txt").read_text().splitlines()
        self.seeds = [shlex.split(line) for line in lines if line.strip() and not line.startswith("#")]
        (work / "a-folder").mkdir(exist_ok=True)
        (work / "a-file").write_text("not a network\n")
        (work / "empty.yaml").write_text("")
        (work / "garbage.json").write_bytes(b'{"Vpcs": [{"VpcId": 3}')
        (work / "spec.yaml").write_text((ROOT / "tests" / "cli" / "specs" / "two-vpcs.yaml").read_text())
        shutil.copy(ROOT / "tests" / "fixtures" / "terraform" / "plan_web.json", work / "plan.json")
        shutil.copy(SEEDS / "bastion-nat.policy.yaml", work / "policy.yaml")
        if not (work / "aws" / "test-public-subnet").exists():
            shutil.copytree(
                ROOT / "tests" / "fixtures" / "aws" / "test-public-subnet",
                work / "aws" / "test-public-subnet",
            )
        self._loaded: dict[tuple[str, str | None], Any] = {}
        self.keep = {p.name for p in work.iterdir()}
        self.snapshot = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
        self.stamps = self._stamps()

    def _stamps(self) -> dict[Path, tuple[int, int]]:
        stamps = {}
        for path in self.work.rglob("*"):
            if path.is_file():
                stat = path.stat()
                stamps[path] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def restore(self) -> None:
        """Remove what a command wrote (``-o``, ``--junit``...) and put back what it overwrote."""
        super().restore()
        for entry in self.work.iterdir():
            if entry.name not in self.keep:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        stamps = self._stamps()
        if stamps == self.stamps:
            return
        for path in stamps.keys() - self.snapshot.keys():
            path.unlink()
        for path, data in self.snapshot.items():
            if stamps.get(path) != self.stamps[path]:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        self.stamps = self._stamps()

    def case(self, c: Chooser) -> Case:
        args = list(c.choice(self.seeds))
        log: list[str] = []
        for _ in range(c.choice((1, 1, 2, 3))):
            self._mutate(c, args, log)
        return Case(self.name, args, {}, log, ())

    def _mutate(self, c: Chooser, args: list[str], log: list[str]) -> None:
        command = args[0] if args and args[0] in OPTIONS else "trace"
        kind = c.integer(0, 9)
        at = c.integer(0, len(args)) if args else 0
        if kind in (0, 1, 2) and args:  # a value replaced
            at = min(at, len(args) - 1)
            value = c.choice(VALUES)
            log.append(f"args[{at}] {args[at]!r} -> {value!r}")
            args[at] = value
        elif kind == 3 and args:
            at = min(at, len(args) - 1)
            log.append(f"args[{at}] {args[at]!r} dropped")
            del args[at]
        elif kind == 4 and args:
            at = min(at, len(args) - 1)
            log.append(f"args[{at}] {args[at]!r} repeated")
            args.insert(at, args[at])
        elif kind in (5, 6):  # an option of the command, with a value (or not, for a flag)
            option = c.choice(OPTIONS[command])
            extra = [option] if option in FLAGS and c.integer(0, 3) else [option, c.choice(VALUES)]
            log.append(f"inserted {extra!r} at {at}")
            args[at:at] = extra
        elif kind == 7 and args:  # --option=value spelling, or a value glued to a flag
            at = min(at, len(args) - 1)
            value = c.choice(VALUES)
            log.append(f"args[{at}] {args[at]!r} -> {args[at]}={value!r}")
            args[at] = f"{args[at]}={value}"
        elif kind == 8 and args:
            at = min(at, len(args) - 1)
            extra = c.choice(mut.UNICODE[:12])
            log.append(f"args[{at}] += {extra!r}")
            args[at] += extra.replace("\x00", "")
        else:
            command_name = c.choice(tuple(OPTIONS))
            log.append(f"command -> {command_name}")
            if args:
                args[0] = command_name
            else:
                args.append(command_name)
        # NUL cannot be in an argv: a shell could never pass it
        args[:] = [a.replace("\x00", "") for a in args]


SURFACES: dict[str, type[Surface]] = {
    s.name: s for s in (YamlSurface, AwsSurface, TerraformSurface, PolicySurface, CliSurface)
}
