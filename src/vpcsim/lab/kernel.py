"""Execute a :class:`~vpcsim.lab.plan.LabPlan` against the kernel, and undo it.

Only ever inside the lab's own namespaces: ``ip -n <ns>`` for links, addresses, rules and
routes (veths are created inside a lab namespace with their peer moved straight into another
lab namespace, never in the host's), ``nsenter --net=<ns> nft -f -`` for rulesets, and
:func:`~vpcsim.lab.netns.write_sysctls` for per-namespace settings -- which are written
before any interface exists, so that every interface inherits them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .announce import added_addresses, announce
from .errors import LabError
from .naming import lab_prefix
from .netns import NETNS_DIR, lab_namespaces, namespace_exists, namespace_path, write_sysctls
from .nft import IPV6
from .plan import LabPlan, NamespacePlan

if TYPE_CHECKING:
    from .diff import LabChange

COMMAND_TIMEOUT = 60.0
RULESET_WORKERS = 4


def run(argv: Sequence[str], *, input_text: str | None = None, what: str) -> str:
    """Run a command; a failure is a :class:`LabError` quoting the command's own message."""
    try:
        done = subprocess.run(
            list(argv),
            input=input_text,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise LabError(f"{what}: `{argv[0]}` is not installed (run scripts/install-lab-deps.sh)") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{what}: `{' '.join(argv[:4])}` did not finish in {COMMAND_TIMEOUT:.0f}s") from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise LabError(f"{what}: {' | '.join(message[-6:]) or f'exit status {done.returncode}'}")
    return done.stdout


def ip_batch(namespace: str, commands: list[str], *, what: str) -> None:
    """Run ``ip`` commands in a lab namespace; lines starting with ``-6 `` (IPv6's:
    :attr:`.nft.Family.ip_prefix`) run after the others, in one ``ip -6`` batch."""
    if commands:
        namespace_path(namespace)  # refuses anything but a lab namespace
        four = [c for c in commands if not c.startswith(IPV6.ip_prefix)]
        six = [c.removeprefix(IPV6.ip_prefix) for c in commands if c.startswith(IPV6.ip_prefix)]
        if four:
            run(["ip", "-n", namespace, "-batch", "-"], input_text="\n".join(four) + "\n", what=what)
        if six:
            run(["ip", "-n", namespace, "-6", "-batch", "-"], input_text="\n".join(six) + "\n", what=what)


def load_ruleset(plan: NamespacePlan, *, replace: bool = False) -> None:
    """Load the namespace's nftables ruleset in one transaction (``replace`` flushes the old one)."""
    path = namespace_path(plan.name)
    text = ("flush ruleset\n" if replace else "") + plan.nft
    run(["nsenter", f"--net={path}", "nft", "-f", "-"], input_text=text, what=f"{plan.name}: nft")


def create(plan: LabPlan) -> None:
    """Create every namespace, setting, link, address, rule, route and ruleset of the plan."""
    existing = [p.name for p in plan.namespaces if namespace_exists(p.name)]
    if existing:
        raise LabError(f"namespaces already exist: {', '.join(existing[:3])}...; run `vpcsim lab down` first")
    NETNS_DIR.parent.mkdir(parents=True, exist_ok=True)
    run(
        ["ip", "-batch", "-"],
        input_text="".join(f"netns add {p.name}\n" for p in plan.namespaces),
        what="creating namespaces",
    )
    for ns in plan.namespaces:
        write_sysctls(ns.name, ns.sysctls)
    for ns in plan.namespaces:
        ip_batch(ns.name, ns.create, what=f"{ns.name}: creating links")
    for ns in plan.namespaces:
        ip_batch(ns.name, ns.configure, what=f"{ns.name}: configuring")
    for ns in plan.namespaces:
        if ns.nft:
            load_ruleset(ns)


def apply(change: LabChange) -> None:
    """Execute a :class:`~vpcsim.lab.diff.LabChange`: only what differs is touched.

    Order: settings and addresses, rules and routes that go; links that go (a veth takes its
    peer along); namespaces that go; new namespaces and their settings; changed settings;
    new links (their peer namespace exists by then); the new namespaces' configuration as a
    fresh ``up`` writes it and what the others gain; rulesets, each replaced in one
    transaction (tracked connections stay, as AWS keeps them); last, every address added is
    announced on its subnet (:mod:`.announce`).
    """
    for item in change.changed:
        ip_batch(item.name, item.remove, what=f"{item.name}: removing")
    by_namespace: dict[str, list[str]] = {}
    for link in change.delete_links:
        by_namespace.setdefault(link.namespace, []).append(f"link del {link.device}")
    for namespace, commands in by_namespace.items():
        ip_batch(namespace, commands, what=f"{namespace}: deleting links")
    destroy_namespaces(change.remove_namespaces)
    if change.create_namespaces:
        NETNS_DIR.parent.mkdir(parents=True, exist_ok=True)
        run(
            ["ip", "-batch", "-"],
            input_text="".join(
                f"netns add {namespace_path(p.name).name}\n" for p in change.create_namespaces
            ),
            what="creating namespaces",
        )
    for ns in change.create_namespaces:
        write_sysctls(ns.name, ns.sysctls)
    for item in change.changed:
        if item.sysctls is not None:
            write_sysctls(item.name, item.sysctls)
    by_namespace = {}
    for link in change.add_links:
        by_namespace.setdefault(link.namespace, []).append(link.line)
    for namespace, commands in by_namespace.items():
        ip_batch(namespace, commands, what=f"{namespace}: creating links")
    for ns in change.create_namespaces:
        ip_batch(ns.name, ns.configure, what=f"{ns.name}: configuring")
    for item in change.changed:
        ip_batch(item.name, item.add, what=f"{item.name}: configuring")
    for ns in change.create_namespaces:
        if ns.nft:
            load_ruleset(ns)
    # One transaction per namespace; a group used by many instances changes many rulesets,
    # loaded side by side (each `nft` is a process of its own).
    replaced = [(namespace_path(item.name), item) for item in change.changed if item.nft is not None]
    with ThreadPoolExecutor(max_workers=RULESET_WORKERS) as pool:
        list(
            pool.map(
                lambda pair: run(
                    ["nsenter", f"--net={pair[0]}", "nft", "-f", "-"],
                    input_text="flush ruleset\n" + (pair[1].nft or ""),
                    what=f"{pair[1].name}: nft",
                ),
                replaced,
            )
        )
    # An address added may have had another holder a moment ago (a terminated instance's, taken
    # by the next one launched): the subnet's neighbour caches learn the new one now.
    added = [a for ns in change.create_namespaces for a in added_addresses(ns.name, ns.configure)]
    added += [a for item in change.changed for a in added_addresses(item.name, item.add)]
    announce(added)


def neighbours(namespace: str) -> list[str]:
    """The neighbour cache of a lab namespace (``ip neigh``: IPv4 and IPv6), one entry a line."""
    namespace_path(namespace)  # refuses anything but a lab namespace
    out = run(["ip", "-n", namespace, "neigh", "show"], what=f"{namespace}: neighbours")
    return [line.strip() for line in out.splitlines() if line.strip()]


def reload_rules(plan: LabPlan) -> None:
    """Replace every namespace's ruleset (security groups and ACLs changed, topology did not)."""
    for ns in plan.namespaces:
        load_ruleset(ns, replace=True)


def delete_links(namespace: str, devices: Sequence[str]) -> None:
    """Delete devices of a lab namespace that may already be gone (no error for those)."""
    for device in devices:
        namespace_path(namespace)
        subprocess.run(["ip", "-n", namespace, "link", "del", device], capture_output=True, check=False)


def destroy_namespaces(names: Sequence[str]) -> None:
    """Delete lab namespaces by name (those that exist)."""
    existing = [n for n in names if namespace_exists(n)]
    if existing:
        run(
            ["ip", "-force", "-batch", "-"],
            input_text="".join(f"netns del {namespace_path(n).name}\n" for n in existing),
            what="removing namespaces",
        )


def destroy(lab: str, recorded: Sequence[str] = ()) -> list[str]:
    """Delete the lab's namespaces: those recorded and any other with the lab's prefix.

    Deleting a namespace deletes its interfaces, so every veth goes with it. Returns the
    namespaces that existed.
    """
    prefix = lab_prefix(lab)
    names = sorted({n for n in recorded if n.startswith(prefix)} | set(lab_namespaces(prefix)))
    existing = [n for n in names if namespace_exists(n)]
    if existing:
        run(
            ["ip", "-force", "-batch", "-"],
            input_text="".join(f"netns del {n}\n" for n in existing),
            what=f"removing lab {lab}",
        )
    left = [n for n in existing if namespace_exists(n)]
    if left:
        raise LabError(f"could not remove {', '.join(left)}; try `ip netns del {left[0]}`")
    return existing
