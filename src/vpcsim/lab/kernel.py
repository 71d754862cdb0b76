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

from .errors import LabError
from .naming import lab_prefix
from .netns import NETNS_DIR, lab_namespaces, namespace_exists, namespace_path, write_sysctls
from .plan import LabPlan, NamespacePlan

COMMAND_TIMEOUT = 60.0


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
    if commands:
        namespace_path(namespace)  # refuses anything but a lab namespace
        run(["ip", "-n", namespace, "-batch", "-"], input_text="\n".join(commands) + "\n", what=what)


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


def reload_rules(plan: LabPlan) -> None:
    """Replace every namespace's ruleset (security groups and ACLs changed, topology did not)."""
    for ns in plan.namespaces:
        load_ruleset(ns, replace=True)


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
