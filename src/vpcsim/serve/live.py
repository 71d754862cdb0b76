"""``vpcsim serve --lab``: what the API builds runs for real, and is checked as it changes.

After every committed mutating request the state is read as a NETWORK (the same conversion
as ``vpcsim trace http://...``), planned as a lab and the *difference* with the plan that is
up is applied (:func:`vpcsim.lab.api.lab_apply`): a security-group rule change reloads one
namespace's ruleset, a new instance adds one namespace and one veth, nothing that did not
change is touched. This happens before the API answers, so the next packet after the answer
meets the change.

At start the lab is reconciled with the SQLite state (what the record says is up and is
gone is created again, what the kernel has and the state does not is removed); ``vpcsim lab
down --name NAME`` removes everything.

The watchdog runs beside the requests: after each change it probes a bounded sample of the
flows the change can affect (flows from, to or through the VPCs and instances whose
namespaces changed) with the fidelity harness's probes and compares each with the engine's
trace; a probe that disagrees is asked again alone (someone's own traffic in the lab can be
taken for a probe's) before it counts. A disagreement is logged with the flow, both verdicts, the request(s) that led to
the state probed and the kernel's evidence (the probe as observed, the neighbour caches of the
namespaces involved), and counted at ``GET /vpcsim/health``. A check whose lab changed while it
probed is dropped (superseded), never reported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from ..engine.flow import Flow
from ..fidelity import Disagreement, compare_case, plan_cases
from ..formats.aws_state import load_documents
from ..lab import lab_up, probe_many, read_state
from ..lab.api import lab_apply
from ..lab.diff import LabChange
from ..lab.dns import DnsAttributes
from ..lab.errors import LabError, LabNotFoundError
from ..lab.kernel import neighbours as lab_neighbours
from ..lab.probe import ProbeResult
from ..lab.state import LabState
from ..model import Network
from ..model.addressing import is_internet_routable
from ..model.problems import InputError
from ..testing import generate_flows
from .actions.vpcs import ATTRIBUTES, VPC_ATTRIBUTES
from .store import Store

__all__ = ["LiveLab"]

log = logging.getLogger("vpcsim.serve.lab")

#: Flows the watchdog samples per change, at most.
WATCHDOG_FLOWS = 12
#: Seconds a disagreeing probe is given when it is asked again, alone.
RECHECK_TIMEOUT = 3.0
#: Disagreements kept (the count is complete; the list is bounded).
KEPT_DISAGREEMENTS = 50
#: Neighbour entries kept per namespace in a disagreement's evidence.
EVIDENCE_LINES = 40


class LiveLab:
    """The lab that follows a :class:`Store` (one per server)."""

    def __init__(
        self, store: Store, name: str, *, watchdog: bool = True, sample: int = WATCHDOG_FLOWS
    ) -> None:
        self.store = store
        self.name = name
        self.watchdog = watchdog
        self.sample = sample
        self._lock = threading.Lock()
        self._version = 0
        self._network: Network = Network()
        self._pending: list[str] = []
        """Requests applied since the watchdog last took the lab's state."""
        self._focus: set[str] | None = None
        """Components the pending changes touched (None: everything)."""
        self._wake = threading.Condition()
        self._dirty = False
        self._busy = False
        self._stop = False
        self._thread: threading.Thread | None = None
        self.stats: dict[str, Any] = {
            "changes_applied": 0,
            "apply_errors": 0,
            "last_apply_seconds": None,
            "last_error": None,
            "watchdog_checks": 0,
            "watchdog_probes": 0,
            "watchdog_superseded": 0,
            "watchdog_rechecked": 0,
            "watchdog_unprobed": 0,
            "disagreements": 0,
        }
        self.disagreements: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ the state as a network

    def network(self) -> Network:
        documents = self.store.documents()
        if not documents:
            return Network()
        try:
            return load_documents(documents, f"vpcsim serve lab {self.name}").network
        except InputError as exc:
            raise LabError(f"the state cannot be read as a network: {exc}") from None

    def dns_attributes(self, network: Network) -> dict[str, DnsAttributes]:
        """Each VPC's ``enableDnsSupport`` and ``enableDnsHostnames`` as ``ModifyVpcAttribute``
        left them (the VPC resolver of the lab follows them)."""
        out: dict[str, DnsAttributes] = {}
        if not network.vpcs:
            return out
        with self.store.transaction("", "") as tx:
            for vpc in network.vpcs.values():
                values = tx.scoped(vpc.owner_id, vpc.region).get(ATTRIBUTES, vpc.vpc_id) or {}

                def value(name: str, vpc_is_default: bool = vpc.is_default, given: Any = values) -> bool:
                    _, plain, in_default_vpc = VPC_ATTRIBUTES[name]
                    return bool(given.get(name, in_default_vpc if vpc_is_default else plain))

                out[vpc.vpc_id] = DnsAttributes(value("enableDnsSupport"), value("enableDnsHostnames"))
        return out

    # ------------------------------------------------------------------ start, change

    def start(self) -> LabState:
        """Reconcile the lab with the state (create it when it is not up) and start the watchdog."""
        with self._lock:
            network = self.network()
            try:
                read_state(self.name)
            except LabNotFoundError:
                state = lab_up(network, self.name, dns=self.dns_attributes(network))
            else:
                state, _ = lab_apply(network, self.name, responder=True, dns=self.dns_attributes(network))
            self._network = network
            self._version += 1
        if self.watchdog:
            self._thread = threading.Thread(
                target=self._watch, name=f"vpcsim-lab-watchdog-{self.name}", daemon=True
            )
            self._thread.start()
            self._poke("start")
        return state

    def stop(self) -> None:
        """Stop the watchdog (the lab stays up: ``vpcsim lab down`` removes it)."""
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def after_commit(self, action: str, request_id: str) -> None:
        """Apply the committed state to the kernel (the server's ``after_commit`` hook)."""
        started = time.monotonic()
        try:
            with self._lock:
                network = self.network()
                _, change = lab_apply(network, self.name, responder=True, dns=self.dns_attributes(network))
                self._network = network
                self._version += 1
        except Exception as exc:  # the request is committed: report, never fail it
            self.stats["apply_errors"] += 1
            self.stats["last_error"] = f"{action} ({request_id}): {exc}"
            log.exception("lab %s: applying %s (%s) failed", self.name, action, request_id)
            return
        self.stats["changes_applied"] += 1
        self.stats["last_apply_seconds"] = round(time.monotonic() - started, 4)
        if not change.empty:
            self._poke(f"{action} {request_id}".strip(), change)

    def health(self) -> dict[str, Any]:
        with self._wake:
            idle = not self._dirty and not self._busy
        return {
            "lab": {
                "name": self.name,
                **self.stats,
                "watchdog": self.watchdog,
                "watchdog_idle": idle,
                "recent_disagreements": list(self.disagreements[-10:]),
            }
        }

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until the watchdog has checked the latest change (tests)."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._dirty or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    # ------------------------------------------------------------------ the watchdog

    def _poke(self, request: str, change: LabChange | None = None) -> None:
        if not self.watchdog:
            return
        with self._wake:
            self._pending.append(request)
            touched = _components(change) if change is not None else None
            # several changes before the watchdog looks: the union of what they touched
            self._focus = (
                None
                if touched is None or (self._dirty and self._focus is None)
                else (touched | (self._focus or set()) if self._dirty else touched)
            )
            self._dirty = True
            self._wake.notify_all()

    def _watch(self) -> None:
        while True:
            with self._wake:
                while not self._dirty and not self._stop:
                    self._wake.wait()
                if self._stop:
                    return
                self._dirty, self._busy = False, True
                requests, self._pending = self._pending, []
                focus, self._focus = self._focus, None
            try:
                self._check(requests, focus)
            except Exception:
                log.exception("lab %s: the watchdog failed", self.name)
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()

    def _check(self, requests: list[str], focus: set[str] | None) -> None:
        with self._lock:
            network, version = self._network, self._version
            state = read_state(self.name)
        check = len(requests) + self.stats["watchdog_checks"]
        flows = affected_flows(network, state, focus, seed=check, count=self.sample)
        if not flows:
            return
        planned = plan_cases(network, flows)
        if not planned.cases:
            return
        results = probe_many(self.name, [case.spec() for case in planned.cases])
        with self._lock:
            if self._version != version:
                self.stats["watchdog_superseded"] += 1
                return
        found: list[tuple[Disagreement, ProbeResult]] = []
        for case, observed in zip(planned.cases, results, strict=True):
            first = compare_case(network, check, case, observed)
            if first:
                # Traffic of the lab's users (or a probe of theirs) can be taken for a probe's:
                # a disagreement counts only when the probe, asked again alone, still disagrees.
                (again,) = probe_many(self.name, [case.spec()], timeout=RECHECK_TIMEOUT)
                self.stats["watchdog_rechecked"] += 1
                first = compare_case(network, check, case, again)
                found.extend((disagreement, again) for disagreement in first)
        with self._lock:
            if self._version != version:
                self.stats["watchdog_superseded"] += 1
                return
        self.stats["watchdog_checks"] += 1
        self.stats["watchdog_probes"] += len(planned.cases)
        self.stats["watchdog_unprobed"] += sum(not observed.probed for observed in results)
        if found and log.isEnabledFor(logging.DEBUG):
            for case, observed in zip(planned.cases, results, strict=True):
                log.debug("lab %s: probe %s -> %s", self.name, case.spec(), observed.to_dict())
        caches: dict[str, list[str]] = {}  # each namespace's neighbour cache, read once per check
        for disagreement, observed in found:
            if disagreement.known_issue is not None:
                continue
            self.stats["disagreements"] += 1
            evidence = kernel_evidence(state, observed, caches)
            record = {**disagreement.to_dict(), "requests": requests, "evidence": evidence}
            self.disagreements = [*self.disagreements, record][-KEPT_DISAGREEMENTS:]
            log.error(
                "lab %s: the kernel and the engine disagree after %s: %s; neighbour caches: %s",
                self.name,
                ", ".join(requests),
                disagreement.describe(),
                "; ".join(
                    f"{ns}: {' | '.join(lines) or '(empty)'}" for ns, lines in evidence["neighbours"].items()
                ),
            )


def kernel_evidence(
    state: LabState, observed: ProbeResult, caches: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """What the kernel held when a probe disagreed: the neighbour caches of the probe's client
    and servers and of the VPCs' routers (a stale entry once lost packets for seconds after a
    change, docs/lab.md), read once the check's probes are done. A namespace that cannot be
    read says why. ``caches``: the caches already read for this check's other disagreements
    (every one names the routers), filled with those read here: each namespace is read once."""
    caches = {} if caches is None else caches
    namespaces = [
        observed.client_namespace,
        *observed.server_namespaces,
        *(vpc.namespace for vpc in state.vpcs.values()),
    ]
    neighbours: dict[str, list[str]] = {}
    for namespace in dict.fromkeys(ns for ns in namespaces if ns):
        lines = caches.get(namespace)
        if lines is None:
            try:
                lines = lab_neighbours(namespace)[:EVIDENCE_LINES]
            except LabError as exc:
                lines = [f"unreadable: {exc}"]
            caches[namespace] = lines
        neighbours[namespace] = list(lines)
    return {"probe": observed.to_dict(), "neighbours": neighbours}


def _components(change: LabChange) -> set[str]:
    """The AWS ids (VPCs, instances, NAT gateways, ``internet``) whose namespaces changed."""
    names = [*change.remove_namespaces, *(n.name for n in change.create_namespaces)]
    names += [c.name for c in change.changed]
    names += [link.namespace for link in [*change.add_links, *change.delete_links]]
    # ``vs-<lab>-<component>``: the component is what follows the second dash
    return {name.split("-", 2)[2] for name in names if name.count("-") >= 2}


def affected_flows(
    network: Network, state: LabState, focus: set[str] | None, *, seed: int, count: int
) -> list[Flow]:
    """Up to ``count`` generated flows whose ends are in (or route through) the changed
    components, outside addresses moved onto the lab's own outside hosts."""
    if not network.network_interfaces:
        return []
    hosts = state.internet_hosts
    try:
        candidates = generate_flows(network, seed, count * 4)
    except ValueError:  # no instance to send or receive a flow yet
        return []
    chosen: list[Flow] = []
    rest: list[Flow] = []
    for generated in candidates:
        flow = _onto_hosts(network, generated, hosts)
        if flow is None:
            continue
        (chosen if focus is None or _touches(network, flow, focus) else rest).append(flow)
    return (chosen + rest)[:count] if focus is None else (chosen[:count] or rest[: max(1, count // 4)])


def _touches(network: Network, flow: Flow, focus: set[str]) -> bool:
    if "internet" in focus:
        return True
    for address in (flow.source, flow.destination):
        owners = [*network.owners_of_private_ip(address)]
        public = network.owner_of_public_ip(address)
        if public is not None:
            owners.append(public)
        for owner in owners:
            instance = network.instance_of_eni(owner.network_interface_id)
            if owner.vpc_id in focus or (instance is not None and instance.instance_id in focus):
                return True
    if flow.source_eni is not None:
        eni = network.network_interfaces.get(flow.source_eni)
        if eni is not None:
            instance = network.instance_of_eni(eni.network_interface_id)
            if eni.vpc_id in focus or (instance is not None and instance.instance_id in focus):
                return True
    return False


def _onto_hosts(network: Network, flow: Flow, hosts: Sequence[str]) -> Flow | None:
    """The flow with each outside address replaced by one of the lab's outside hosts."""
    if not hosts:
        return None
    ends = {"source": flow.source, "destination": flow.destination}
    for field_name, address in list(ends.items()):
        if field_name == "source" and flow.source_eni is not None:
            continue
        if network.owners_of_private_ip(address) or network.owner_of_public_ip(address):
            continue
        if address in hosts:
            continue
        if not is_internet_routable(int(ipaddress.IPv4Address(address))):
            return None  # an address nobody holds that is not on the internet: left to the harness
        pick = int(hashlib.sha256(address.encode()).hexdigest(), 16) % len(hosts)
        ends[field_name] = hosts[pick]
    return dataclasses.replace(flow, source=ends["source"], destination=ends["destination"])
