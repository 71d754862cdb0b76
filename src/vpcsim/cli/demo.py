"""``vpcsim demo``: the tutorial's story, told with real commands on the built-in examples.

Each step prints the command a user would type and its real output. Where the tutorial changes
the network (removes a route, replaces ACL rules, edits a security group), the demo makes the
change through the model's API, writes the changed network as a YAML spec into a work folder,
and runs the command on that file, so every command shown can be typed again.
The demo checks the story as it goes: a step whose exit status differs from the tutorial's
claim is flagged, and the demo exits 1.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from rich.console import Console
from rich.rule import Rule

from ..formats.loader import EXAMPLES, load_example
from ..formats.spec import dump_spec
from ..model import Network, NetworkAcl, SecurityGroup
from .errors import EXIT_NO, EXIT_OK, CliError

Edit = Callable[[Network], None]


@dataclass(frozen=True)
class Step:
    say: str
    command: list[str]
    """The vpcsim command after ``vpcsim``; ``{net}`` stands for the network file."""
    expect: int
    edit: Edit | None = None
    edit_name: str = ""


@dataclass(frozen=True)
class Chapter:
    example: str
    title: str
    intro: str
    steps: list[Step] = field(default_factory=list)
    live: bool = True
    """Whether ``demo --live`` can tell it (steps through what the lab does not realise -- VPC-provided
    services, load balancers -- are marked "not realised")."""


# ---------------------------------------------------------------------------- edits


def _sg(network: Network, name: str) -> SecurityGroup:
    return network.resolve(name, SecurityGroup)


def _default_acl(network: Network) -> NetworkAcl:
    return next(acl for acl in network.network_acls.values() if acl.is_default)


def _no_public_ip(name: str) -> Edit:
    def edit(network: Network) -> None:
        instance = next(i for i in network.instances.values() if i.name == name)
        for eni_id in instance.network_interface_ids:
            for slot in network.network_interfaces[eni_id].private_ip_addresses:
                slot.public_ip = None
        network.touch()

    return edit


def _delete_default_route(network: Network) -> None:
    for table in network.route_tables.values():
        if any(r.destination == "0.0.0.0/0" for r in table.routes):
            network.delete_route(table, "0.0.0.0/0")


def _detach_igw(network: Network) -> None:
    for igw in list(network.internet_gateways.values()):
        network.detach_internet_gateway(igw)


def _acl_outbound(rules: list[tuple[int, str, str, tuple[int, int] | None]]) -> Edit:
    """Replace the default ACL's outbound rules (number, action, protocol, ports)."""

    def edit(network: Network) -> None:
        acl = _default_acl(network)
        acl.entries = [e for e in acl.entries if not e.egress or e.rule_number == 32767]
        network.touch()
        for number, action, protocol, ports in rules:
            network.create_network_acl_entry(
                acl,
                number,
                egress=True,
                rule_action=action,  # type: ignore[arg-type]
                protocol=protocol,
                port_range=ports,
            )

    return edit


def _revoke_egress(group: str) -> Edit:
    def edit(network: Network) -> None:
        network.revoke_security_group_egress(_sg(network, group))

    return edit


def _egress_echo_only(group: str) -> Edit:
    def edit(network: Network) -> None:
        sg = _sg(network, group)
        network.revoke_security_group_egress(sg)
        network.authorize_security_group_egress(
            sg, ip_protocol="icmp", from_port=8, to_port=-1, cidr_ipv4="0.0.0.0/0"
        )

    return edit


def _drop_zone_b(network: Network) -> None:
    """The web VPC's attachment keeps its zone-a subnet only."""
    for attachment in network.transit_gateway_attachments.values():
        subnets = [network.subnets[s] for s in attachment.subnet_ids]
        attachment.subnet_ids = [s.subnet_id for s in subnets if not s.availability_zone.endswith("b")]
    network.touch()


def _lock_down(network: Network) -> None:
    for group in network.security_groups.values():
        group.ingress, group.egress = [], []
    for acl in network.network_acls.values():
        acl.entries = [e for e in acl.entries if e.rule_number == 32767]
    network.touch()


# ---------------------------------------------------------------------------- the story

STORY: list[Chapter] = [
    Chapter(
        "default-vpc",
        "The default VPC",
        "AWS creates a default VPC in every region: 172.31.0.0/16, one default subnet per availability zone, "
        "an internet gateway. Two instances were launched with the launch wizard's group (SSH in, all out).",
        [
            Step("Look at the network: region > VPC > AZ > subnet > instances.", ["show", "{net}"], EXIT_OK),
            Step(
                "SSH from the internet to instance-1 (172.31.23.249): the group allows tcp/22 from anywhere.",
                ["ssh", "{net}", "internet", "instance-1"],
                EXIT_OK,
            ),
            Step(
                "Ping between the two instances: the launch wizard's group allows only SSH in.",
                ["ping", "{net}", "instance-2", "instance-1", "--brief"],
                EXIT_NO,
            ),
        ],
    ),
    Chapter(
        "custom-vpc",
        "A custom VPC ('VPC and more')",
        "Two public subnets in two AZs, an internet gateway, a public route table, two instances with public "
        "IPs; their group allows all inbound traffic (the tutorial disables the firewall for a few minutes).",
        [
            Step(
                "Two instances in different subnets ping each other by private IP (the local route).",
                ["ping", "{net}", "tutorial-1", "tutorial-2"],
                EXIT_OK,
            ),
            Step(
                "The instance reaches the internet: public IP + route to an attached internet gateway.",
                ["ping", "{net}", "tutorial-1", "internet:8.8.8.8", "--brief"],
                EXIT_OK,
            ),
            Step(
                "Without a public IP, the internet gateway drops its traffic.",
                ["ping", "{net}", "tutorial-1", "internet:8.8.8.8", "--brief"],
                EXIT_NO,
                _no_public_ip("tutorial-1"),
                "no-public-ip",
            ),
            Step(
                "Without the route to the internet gateway, there is no way out.",
                ["ping", "{net}", "tutorial-1", "internet:8.8.8.8", "--brief"],
                EXIT_NO,
                _delete_default_route,
                "no-igw-route",
            ),
            Step(
                "With the internet gateway detached, the route is a blackhole.",
                ["ping", "{net}", "tutorial-1", "internet:8.8.8.8", "--brief"],
                EXIT_NO,
                _detach_igw,
                "igw-detached",
            ),
            Step(
                "Network ACLs: replace the default ACL's outbound rules with a deny. SSH comes in, but the "
                "reply is dropped on the way out (NACLs are stateless).",
                ["ssh", "{net}", "internet", "tutorial-1"],
                EXIT_NO,
                _acl_outbound([(100, "deny", "-1", None)]),
                "nacl-outbound-deny",
            ),
            Step(
                "Allow outbound tcp 32768-40000 only: the client's ports 40001-60999 fail -- an intermittent "
                "failure, and vpcsim names the failing ports.",
                ["ssh", "{net}", "internet", "tutorial-1", "--brief"],
                EXIT_NO,
                _acl_outbound([(100, "allow", "tcp", (32768, 40000))]),
                "nacl-narrow-return",
            ),
            Step(
                "The same connection from a client port inside the allowed range works.",
                [
                    "trace",
                    "{net}",
                    "--from",
                    "internet",
                    "--to",
                    "tutorial-1",
                    "--port",
                    "22",
                    "--source-port",
                    "35000",
                    "--brief",
                ],
                EXIT_OK,
                _acl_outbound([(100, "allow", "tcp", (32768, 40000))]),
                "nacl-narrow-return",
            ),
            Step(
                "Security groups are stateful: with every outbound rule removed, SSH from the internet still works.",
                ["ssh", "{net}", "internet", "tutorial-1", "--brief"],
                EXIT_OK,
                _revoke_egress("tutorial-sg"),
                "sg-no-egress",
            ),
            Step(
                "... but the instance can no longer ping the internet.",
                ["ping", "{net}", "tutorial-1", "internet:8.8.8.8", "--brief"],
                EXIT_NO,
                _revoke_egress("tutorial-sg"),
                "sg-no-egress",
            ),
            Step(
                "An outbound rule allowing only ICMP echo makes ping work again ...",
                ["ping", "{net}", "tutorial-1", "internet:8.8.8.8", "--brief"],
                EXIT_OK,
                _egress_echo_only("tutorial-sg"),
                "sg-echo-only",
            ),
            Step(
                "... and nothing else.",
                ["curl", "{net}", "tutorial-1", "internet:8.8.8.8", "--port", "443", "--brief"],
                EXIT_NO,
                _egress_echo_only("tutorial-sg"),
                "sg-echo-only",
            ),
            Step(
                "The Amazon DNS resolver (VPC base +2) answers even when every SG and NACL denies everything.",
                [
                    "trace",
                    "{net}",
                    "--from",
                    "tutorial-1",
                    "--to",
                    "10.0.0.2",
                    "--protocol",
                    "udp",
                    "--port",
                    "53",
                    "--brief",
                ],
                EXIT_OK,
                _lock_down,
                "locked-down",
            ),
        ],
    ),
    Chapter(
        "web-server",
        "The common scenario and two security groups",
        "Group `internal`: SSH from anywhere, all traffic among its members. Group `web`: 80/443 in from "
        "anywhere and out to anywhere. Instance `web` holds both; `app` holds `internal` only.",
        [
            Step(
                "Members ping each other (the group references itself).",
                ["ping", "{net}", "app", "web", "--brief"],
                EXIT_OK,
            ),
            Step("From the internet, SSH works ...", ["ssh", "{net}", "internet", "app", "--brief"], EXIT_OK),
            Step(
                "... and nothing else reaches `app`.",
                ["curl", "{net}", "internet", "app", "--brief"],
                EXIT_NO,
            ),
            Step(
                "The two groups on `web` merge: HTTP from the internet reaches it.",
                ["curl", "{net}", "internet", "web", "--brief"],
                EXIT_OK,
            ),
            Step(
                "`web` can reach the internet on 443 to install a web server ...",
                ["curl", "{net}", "web", "internet", "--port", "443", "--brief"],
                EXIT_OK,
            ),
            Step(
                "... `app` cannot.", ["curl", "{net}", "app", "internet", "--port", "443", "--brief"], EXIT_NO
            ),
        ],
    ),
    Chapter(
        "bastion-nat",
        "Private subnets, a NAT gateway and a bastion",
        "The bastion sits in the public subnet; the app in the private subnet reaches the internet through a NAT "
        "gateway, outbound only.",
        [
            Step(
                "The private instance reaches the internet through the NAT gateway (source NAT, ports 1024-65535).",
                ["curl", "{net}", "app", "internet", "--port", "443"],
                EXIT_OK,
            ),
            Step("The internet cannot reach it.", ["ssh", "{net}", "internet", "app", "--brief"], EXIT_NO),
            Step(
                "The administrator reaches the bastion ...",
                ["ssh", "{net}", "internet", "bastion", "--brief"],
                EXIT_OK,
            ),
            Step(
                "... and jumps from it to the private instance.",
                ["ssh", "{net}", "bastion", "app", "--brief"],
                EXIT_OK,
            ),
        ],
    ),
    Chapter(
        "transit-hub",
        "After the tutorial: three VPCs on a transit gateway, a load balancer in front",
        "`web` (app-1, app-2 in two zones), `data` (db) and `shared` (tools) are attached to the transit gateway "
        "`hub`. What arrives from `web` and `data` is routed by the `spokes` table, what arrives from `shared` by "
        "`admin`; `data` does not propagate its block into `admin`. The private instances of `web` serve the "
        "internet through `web-alb`, an internet-facing Application Load Balancer in two public subnets.",
        [
            Step(
                "app-1 reaches the database in another VPC: through its attachment subnet, the gateway's `spokes` "
                "table, and `data`'s attachment subnet.",
                ["trace", "{net}", "--from", "app-1", "--to", "db", "--port", "5432"],
                EXIT_OK,
            ),
            Step(
                "The administrators' host reaches the application over SSH (`web` propagates into `admin`) ...",
                ["ssh", "{net}", "tools", "app-2", "--brief"],
                EXIT_OK,
            ),
            Step(
                "... but not the database: `admin` has no route to `data`.",
                ["ssh", "{net}", "tools", "db", "--brief"],
                EXIT_NO,
            ),
            Step(
                "A blackhole route in `spokes` drops a quarantined range, with no fallback to `data`'s block.",
                ["curl", "{net}", "app-1", "10.2.9.10", "--port", "443", "--brief"],
                EXIT_NO,
            ),
            Step(
                "From the internet, HTTPS reaches `web-alb`: its node takes the connection (listener 443) and opens "
                "a new one from its own address to each instance's port 8080.",
                ["trace", "{net}", "--from", "internet", "--to", "web-alb", "--port", "443"],
                EXIT_OK,
            ),
            Step(
                "The instances themselves have no public address: the internet reaches them only through the load "
                "balancer.",
                ["ssh", "{net}", "internet", "app-1", "--brief"],
                EXIT_NO,
            ),
            Step(
                "Without an attachment subnet in zone b, app-2 (zone b) cannot reach the gateway at all.",
                ["trace", "{net}", "--from", "app-2", "--to", "db", "--port", "5432", "--brief"],
                EXIT_NO,
                _drop_zone_b,
                "no-zone-b",
            ),
        ],
    ),
]


def _network_file(chapter: Chapter, step: Step, workdir: Path, cache: dict[str, Path]) -> Path:
    key = f"{chapter.example}-{step.edit_name}" if step.edit is not None else chapter.example
    if key in cache:
        return cache[key]
    network = load_example(chapter.example).network
    if step.edit is not None:
        step.edit(network)
    path = workdir / f"{key}.yaml"
    path.write_text(dump_spec(network))
    cache[key] = path
    return path


def run_demo(only: str | None = None, *, as_json: bool = False, workdir: Path | None = None) -> int:
    """Tell the story (or one chapter of it); exit 0 when every step turned out as the tutorial says.

    The changed networks are written to ``workdir`` and kept there (``vpcsim demo --keep DIR``);
    without one, to a temporary folder removed at the end."""
    chapters = [c for c in STORY if only is None or c.example == only]
    if not chapters:
        raise CliError(f"no built-in example {only!r}: choose from {', '.join(EXAMPLES)}")
    if workdir is not None:
        try:
            workdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CliError(f"cannot create {workdir}: {exc.strerror or exc}", code="VPCSIM_OUTPUT") from None
        return _tell(chapters, workdir, kept=True, as_json=as_json)
    with tempfile.TemporaryDirectory(prefix="vpcsim-demo-") as temporary:
        return _tell(chapters, Path(temporary), kept=False, as_json=as_json)


def _tell(chapters: list[Chapter], directory: Path, *, kept: bool, as_json: bool) -> int:
    from . import main

    console = Console(highlight=False, soft_wrap=True)
    cache: dict[str, Path] = {}
    results: list[dict[str, object]] = []
    story_holds = True
    if not as_json:
        where = (
            f"Networks are written to {directory} (kept)."
            if kept
            else "Changed networks go to a temporary folder, removed at the end (--keep DIR keeps them)."
        )
        console.print(f"The tutorial's story, on vpcsim's built-in examples. {where}")
    for chapter in chapters:
        if not as_json:
            console.print(Rule(chapter.title))
            console.print(chapter.intro)
        for step in chapter.steps:
            path = _network_file(chapter, step, directory, cache)
            argv = [str(path) if part == "{net}" else part for part in step.command]
            shown = "vpcsim " + " ".join(argv)
            if as_json:
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
                    status = main([*argv, "--json"])
                document = orjson.loads(buffer.getvalue() or b"{}")
                results.append(
                    {
                        "chapter": chapter.example,
                        "say": step.say,
                        "command": shown,
                        "exit": status,
                        "expected": status == step.expect,
                        "verdict": document.get("verdict"),
                        "codes": [b["code"] for b in document.get("blockers", [])],
                    }
                )
            else:
                console.print()
                console.print(step.say, style="bold")
                if step.edit is not None:
                    console.print(f"(changed network: {path.name})", style="dim")
                console.print(f"$ {shown}", style="cyan")
                status = main(argv)
            if status != step.expect:
                story_holds = False
                if not as_json:
                    console.print(
                        f"UNEXPECTED: exit {status}, the tutorial says {step.expect}", style="bold red"
                    )
    if as_json:
        sys_out = orjson.dumps(
            {
                "schema_version": 1,
                "workdir": str(directory) if kept else None,
                "story_holds": story_holds,
                "steps": results,
            },
            option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS,
        )
        print(sys_out.decode())
    else:
        console.print(Rule())
        console.print(
            "Every step behaved as the tutorial says."
            if story_holds
            else "Some steps did not behave as expected."
        )
    return EXIT_OK if story_holds else EXIT_NO
