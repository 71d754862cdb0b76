"""Helpers shared by the lab tests: lab names of this process, the host's network state."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vpcsim.model import Network

_counter = itertools.count()


def make_lab_name() -> str:
    """A lab name of this test process: ``t<pid>n<index>`` (leftovers are recognised by pid)."""
    return f"t{os.getpid()}n{next(_counter) % 1000}"


def _run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


_VOLATILE = re.compile(r"(valid_lft|preferred_lft|expires)\s+\S+")


def host_snapshot() -> dict[str, str]:
    """The host's own interfaces, addresses, routes, rules and nftables ruleset (volatile
    lifetimes removed)."""
    return {
        "links": _run(["ip", "-d", "link", "show"]),
        "addresses": _VOLATILE.sub(r"\1 -", _run(["ip", "addr", "show"])),
        "routes": _VOLATILE.sub(r"\1 -", _run(["ip", "route", "show", "table", "all"])),
        "rules": _run(["ip", "rule", "show"]),
        "nftables": _run(["nft", "list", "ruleset"]),
        "forwarding": _run(["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/conf/all/rp_filter"]),
    }


def _json(argv: list[str]) -> list[dict[str, object]]:
    import json

    text = _run(argv).strip()
    return json.loads(text) if text else []


_LINK_KEYS = ("ifname", "flags", "master", "mtu")
"""``operstate`` is left out: derived from the flags (``UP``, ``NO-CARRIER``, ``LOWER_UP``), it
reads ``DOWN`` or ``LOWERLAYERDOWN`` for one port of a stopped instance depending on which end
went down first."""
_BRIDGE_CARRIER = {"LOWER_UP", "NO-CARRIER"}
"""A bridge's carrier is history-dependent when none of its ports has one (a subnet whose only
instance is stopped): created so, the kernel reports it ``LOWER_UP``; losing its last live
port, ``NO-CARRIER`` (and its routes ``linkdown``). Nothing can cross such a bridge either way,
so the carrier of bridges and the ``linkdown`` flag are left out of the comparison."""


def _no_linkdown(flags: object) -> list[str]:
    """A route's flags without ``linkdown``: it follows its device's carrier, which settles
    a moment after the device comes up (and, for bridges, depends on history; see above)."""
    return [str(f) for f in flags if f != "linkdown"] if isinstance(flags, list) else [str(flags)]


def lab_snapshot(lab: str) -> dict[str, dict[str, object]]:
    """Every namespace of lab ``lab`` as read back from the kernel, keyed by the part of its
    name after the lab's prefix: interfaces (name, flags, kind, bridge), addresses, routes of
    every table, policy rules and the nftables ruleset. Interface indexes and namespace ids
    (which depend on creation order) are left out."""
    from vpcsim.lab.netns import lab_namespaces, namespace_path

    prefix = f"vs-{lab}-"
    snapshot: dict[str, dict[str, object]] = {}
    for namespace in lab_namespaces(prefix):
        links = []
        for link in _json(["ip", "-n", namespace, "-j", "-d", "link", "show"]):
            info = link.get("linkinfo")
            kind = info.get("info_kind") if isinstance(info, dict) else None
            item = {k: link.get(k) for k in _LINK_KEYS}
            flags = set(item["flags"] or [])  # type: ignore[arg-type]
            if kind == "bridge":
                flags -= _BRIDGE_CARRIER
            item["flags"] = sorted(flags)
            links.append((str(link["ifname"]), repr({**item, "kind": kind})))
        addresses = sorted(
            (str(link["ifname"]), str(a.get("local")), str(a.get("prefixlen")))
            for link in _json(["ip", "-n", namespace, "-j", "addr", "show"])
            for a in link.get("addr_info", [])  # type: ignore[union-attr]
        )
        routes = sorted(
            repr(
                sorted(
                    (k, str(_no_linkdown(v) if k == "flags" else v))
                    for k, v in r.items()
                    if k != "flags" or _no_linkdown(v)
                )
            )
            for r in _json(["ip", "-n", namespace, "-j", "route", "show", "table", "all"])
        )
        rules = sorted(
            repr(sorted((k, str(v)) for k, v in r.items()))
            for r in _json(["ip", "-n", namespace, "-j", "rule", "show"])
        )
        nft = _run(["nsenter", f"--net={namespace_path(namespace)}", "nft", "list", "ruleset"])
        snapshot[namespace.removeprefix(prefix)] = {
            "links": sorted(links),
            "addresses": addresses,
            "routes": routes,
            "rules": rules,
            "nftables": nft,
        }
    return snapshot


def mutate_network(network: Network, seed: int, steps: int = 6) -> Network:
    """A changed copy of ``network``: ``steps`` random changes of the kinds an API makes --
    instances launched, stopped, started and terminated, security-group and network-ACL rules
    revoked, routes deleted, internet gateways detached, NAT gateways deleted, subnets added,
    source/destination checks turned off."""
    import copy
    import ipaddress
    import random

    from vpcsim.model import Network as _Network

    assert isinstance(network, _Network)
    changed = copy.deepcopy(network)
    changed.touch()
    rng = random.Random(f"lab-mutation-{seed}")

    def pick(items: list[Any]) -> Any:
        return rng.choice(sorted(items, key=str)) if items else None

    for _ in range(steps):
        kind = rng.choice(
            ["launch", "launch", "stop", "start", "terminate", "revoke", "acl", "route", "igw", "nat",
             "subnet", "sdc"]
        )  # fmt: skip
        if kind == "launch":
            subnet = pick(list(changed.subnets.values()))
            if subnet is None:
                continue
            groups = [g.group_id for g in changed.security_groups.values() if g.vpc_id == subnet.vpc_id]
            try:
                changed.run_instance(
                    subnet,
                    groups=[pick(groups)] if groups else None,
                    associate_public_ip_address=rng.random() < 0.5,
                )
            except Exception:  # a full subnet
                continue
        elif kind in ("stop", "start", "terminate"):
            instance = pick(list(changed.instances.values()))
            if instance is None:
                continue
            if kind == "stop":
                changed.stop_instance(instance)
            elif kind == "start":
                changed.start_instance(instance)
            else:
                del changed.instances[instance.instance_id]
                for eni_id in instance.network_interface_ids:
                    changed.network_interfaces.pop(eni_id, None)
        elif kind == "revoke":
            group = pick([g for g in changed.security_groups.values() if g.ingress or g.egress])
            if group is not None:
                rules = (
                    group.ingress if group.ingress and rng.random() < 0.6 else group.egress or group.ingress
                )
                rules.pop(rng.randrange(len(rules)))
        elif kind == "acl":
            acl = pick(
                [a for a in changed.network_acls.values() if any(e.rule_number < 32767 for e in a.entries)]
            )
            if acl is not None:
                entry = pick([e for e in acl.entries if e.rule_number < 32767])
                acl.entries.remove(entry)
        elif kind == "route":
            table = pick(
                [t for t in changed.route_tables.values() if any(r.gateway_id != "local" for r in t.routes)]
            )
            if table is not None:
                table.routes.remove(pick([r for r in table.routes if r.gateway_id != "local"]))
        elif kind == "igw":
            igw = pick([g for g in changed.internet_gateways.values() if g.attachments])
            if igw is not None:
                changed.detach_internet_gateway(igw)
        elif kind == "nat":
            nat = pick(list(changed.nat_gateways.values()))
            if nat is not None:
                changed.delete_nat_gateway(nat)
        elif kind == "subnet":
            vpc = pick(list(changed.vpcs.values()))
            if vpc is None:
                continue
            block = ipaddress.IPv4Network(vpc.cidr_blocks[0], strict=False)
            used = [
                ipaddress.IPv4Network(s.cidr_block)
                for s in changed.subnets.values()
                if s.vpc_id == vpc.vpc_id
            ]
            for candidate in block.subnets(new_prefix=min(28, block.prefixlen + 4)):
                if not any(candidate.overlaps(u) for u in used):
                    changed.create_subnet(vpc, str(candidate))
                    break
        elif kind == "sdc":
            eni = pick(
                [e for e in changed.network_interfaces.values() if e.source_dest_check and e.attachment]
            )
            if eni is not None:
                eni.source_dest_check = False
        changed.touch()
    return changed
