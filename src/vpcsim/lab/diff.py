"""The difference between two lab plans, as the kernel operations that turn one into the other.

Pure, like :mod:`.plan`: given the plan that is up and the plan of the changed network,
:func:`diff_plans` says which namespaces to remove and create, which links to delete and add,
which addresses, link settings, policy rules and routes to remove and add in the namespaces
that stay, and which nftables rulesets to replace -- and nothing else, so that a running
instance whose part of the plan did not change is not touched (its interfaces, addresses,
connections and processes stay). :func:`vpcsim.lab.kernel.apply` executes the result.

A namespace's configuration is read as *facts* (an address on a device, a device up, a port
enslaved to a bridge, a policy rule, the route of a table and destination: ``route replace``
overrides an earlier ``route add`` as it does in the kernel). Facts on a device that is
deleted go with it (the kernel drops them), so they are added again when the device comes
back. Rules name their input device, and the kernel keeps them when it goes: they stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .nft import IPV6
from .plan import LabPlan, NamespacePlan


@dataclass(frozen=True)
class Link:
    """One ``link add`` line: a bridge, or a veth whose peer is moved into another namespace."""

    namespace: str
    line: str
    device: str
    peer: tuple[str, str] | None

    @staticmethod
    def parse(namespace: str, line: str) -> Link:
        words = line.split()
        peer = None
        if "peer" in words:
            peer_name = words[words.index("name", words.index("peer")) + 1]
            peer_ns = words[words.index("netns") + 1] if "netns" in words else namespace
            peer = (peer_ns, peer_name)
        return Link(namespace, line, words[2], peer)


FactKey = tuple[str, ...]


def _route_key(spec: list[str]) -> FactKey:
    table = spec[spec.index("table") + 1] if "table" in spec else "main"
    words = [w for w in spec if w not in ("blackhole", "unreachable", "prohibit", "unicast")]
    return ("route", table, words[0])


def facts(configure: list[str]) -> dict[FactKey, str]:
    """What a namespace's configuration leaves in the kernel, keyed as the kernel keys it.

    The value is the command that establishes the fact (with ``add``), to be re-issued.
    """
    out: dict[FactKey, str] = {}
    for full in configure:
        six = full.startswith(IPV6.ip_prefix)
        key, command = _fact(full.removeprefix(IPV6.ip_prefix))
        # IPv6 facts (``-6`` lines, :mod:`.plan6`) are the kernel's other family: keyed apart.
        out[(*key, "6") if six else key] = IPV6.ip_prefix + command if six else command
    return out


def _fact(line: str) -> tuple[FactKey, str]:
    """One configuration line (without its family prefix) as (key, command)."""
    words = line.split()
    match words[:2]:
        case ["link", "set"] if words[3:] == ["up"]:
            return ("up", words[2]), line
        case ["link", "set"] if len(words) == 5 and words[3] == "master":
            return ("master", words[2]), line
        case ["addr", "add"]:
            return ("addr", words[words.index("dev") + 1], words[2]), line
        case ["rule", "add"]:
            return ("rule", " ".join(words[2:])), line
        case ["rule", "del"]:
            return ("ruledel", " ".join(words[2:])), line
        case ["route", "add" | "replace"]:
            spec = words[2:]
            return _route_key(spec), "route add " + " ".join(spec)
        case _:
            raise ValueError(f"the lab's diff does not know the command {line!r}")


def _devices(key: FactKey, command: str) -> set[str]:
    """The devices a fact lives on (a route on its ``dev``; rules outlive their device)."""
    kind = key[0]
    command = command.removeprefix(IPV6.ip_prefix)
    if kind in ("up", "master"):
        words = command.split()
        return {words[2], words[4]} if kind == "master" else {words[2]}
    if kind == "addr":
        return {key[1]}
    if kind == "route":
        words = command.split()
        return {words[words.index("dev") + 1]} if "dev" in words else set()
    return set()


_REMOVE_ORDER = ("route", "rule", "addr", "master", "up")
_ADD_ORDER = ("master", "up", "addr", "rule", "ruledel", "route")


def _undo(key: FactKey, command: str) -> str:
    if command.startswith(IPV6.ip_prefix):
        return IPV6.ip_prefix + _undo(key, command.removeprefix(IPV6.ip_prefix))
    words = command.split()
    kind = key[0]
    if kind == "route":
        return "route del " + " ".join(words[2:])
    if kind == "rule":
        return "rule del " + " ".join(words[2:])
    if kind == "addr":
        return "addr del " + " ".join(words[2:])
    if kind == "master":
        return f"link set {words[2]} nomaster"
    if kind == "up":
        return f"link set {words[2]} down"
    raise ValueError(f"the lab cannot undo {command!r}")


@dataclass
class NamespaceChange:
    """What changes in a namespace that stays."""

    name: str
    sysctls: list[tuple[str, str]] | None = None
    """The namespace's settings, written again in the plan's order (None: unchanged)."""
    remove: list[str] = field(default_factory=list)
    """``ip`` commands removing routes, rules, addresses and link settings, in that order."""
    add: list[str] = field(default_factory=list)
    """``ip`` commands adding link settings, addresses, rules and routes, in that order."""
    nft: str | None = None
    """The new ruleset, loaded in place of the old one in one transaction (None: unchanged)."""

    @property
    def empty(self) -> bool:
        return self.sysctls is None and not self.remove and not self.add and self.nft is None


@dataclass
class LabChange:
    """Kernel operations from one plan to another, in the order :func:`kernel.apply` runs them."""

    remove_namespaces: list[str] = field(default_factory=list)
    delete_links: list[Link] = field(default_factory=list)
    """Links to delete (``link del`` of ``device`` in ``namespace``, a namespace that stays; a
    veth takes its peer along)."""
    create_namespaces: list[NamespacePlan] = field(default_factory=list)
    """New namespaces: settings, then their configuration and ruleset as a fresh ``up`` does."""
    add_links: list[Link] = field(default_factory=list)
    changed: list[NamespaceChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.remove_namespaces
            or self.delete_links
            or self.create_namespaces
            or self.add_links
            or self.changed
        )

    def summary(self) -> dict[str, int]:
        return {
            "namespaces_removed": len(self.remove_namespaces),
            "namespaces_created": len(self.create_namespaces),
            "links_deleted": len(self.delete_links),
            "links_added": len(self.add_links),
            "namespaces_changed": len(self.changed),
            "commands": sum(len(c.remove) + len(c.add) for c in self.changed),
            "rulesets_replaced": sum(1 for c in self.changed if c.nft is not None),
        }


def _links(plan: LabPlan) -> dict[tuple[str, str], Link]:
    return {(ns.name, line): Link.parse(ns.name, line) for ns in plan.namespaces for line in ns.create}


def diff_plans(old: LabPlan, new: LabPlan) -> LabChange:
    """The operations that turn the kernel state of ``old`` into that of ``new``."""
    old_ns = {ns.name: ns for ns in old.namespaces}
    new_ns = {ns.name: ns for ns in new.namespaces}
    change = LabChange()
    change.remove_namespaces = [name for name in old_ns if name not in new_ns]
    change.create_namespaces = [ns for ns in new.namespaces if ns.name not in old_ns]
    old_links, new_links = _links(old), _links(new)
    gone = [link for key, link in old_links.items() if key not in new_links]
    change.delete_links = [link for link in gone if link.namespace in new_ns]
    # A veth from a namespace that goes into one that stays is deleted from the end that
    # stays: a removed namespace is destroyed asynchronously (later still while a socket holds
    # it), and its veth's routes would linger until then.
    change.delete_links += [
        Link(link.peer[0], link.line, link.peer[1], None)
        for link in gone
        if link.namespace not in new_ns and link.peer is not None and link.peer[0] in new_ns
    ]
    change.add_links = [link for key, link in new_links.items() if key not in old_links]
    destroyed: dict[str, set[str]] = {}
    # Facts on a device that goes, or that is created again, are gone from the kernel.
    for link in [*gone, *change.add_links]:
        destroyed.setdefault(link.namespace, set()).add(link.device)
        if link.peer is not None:
            destroyed.setdefault(link.peer[0], set()).add(link.peer[1])
    for ns in new.namespaces:
        before = old_ns.get(ns.name)
        if before is None:
            continue
        dead = destroyed.get(ns.name, set())
        was = {k: v for k, v in facts(before.configure).items() if not (_devices(k, v) & dead)}
        now = facts(ns.configure)
        item = NamespaceChange(ns.name)
        if ns.sysctls != before.sysctls:
            item.sysctls = list(ns.sysctls)
        for kind in _REMOVE_ORDER:
            gone_facts = [_undo(k, v) for k, v in was.items() if k[0] == kind and k not in now]
            # Addresses last-added first: removing a device's primary address takes its
            # secondaries along (the kernel's default), so they go before it.
            item.remove += gone_facts[::-1] if kind == "addr" else gone_facts
        for kind in _ADD_ORDER:
            for k, v in now.items():
                if k[0] != kind or was.get(k) == v:
                    continue
                if kind == "route" and k in was:
                    six = IPV6.ip_prefix if v.startswith(IPV6.ip_prefix) else ""
                    v = six + "route replace " + v.removeprefix(six).removeprefix("route add ")
                item.add.append(v)
        if ns.nft != before.nft:
            item.nft = ns.nft
        if not item.empty:
            change.changed.append(item)
    return change
