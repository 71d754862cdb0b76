"""The web console at ``/console`` of ``vpcsim serve``, over the live state.

Why here: the console (:mod:`vpcsim.console`) answers questions about whatever network a callable
returns; this module gives it the server's state and a way to write, both through what the
server already has, so there is one write path:

* :class:`LiveNetwork` reads the state as a NETWORK (the same conversion as ``vpcsim trace
  http://...``) and reads it again only when the store's version moved: the page polls
  ``api/network`` every second, and a poll of an unchanged state costs one counter read.
* the page's Build tab posts EC2 Query requests to the server's own endpoint (``ec2_api``), so
  what it creates is validated, stored and answered exactly as a boto3 call would be;
* a what-if "Apply to the server" (:func:`edit_requests`) becomes the EC2 API actions the edits
  stand for (``AuthorizeSecurityGroupIngress``, ``CreateNetworkAclEntry``, ``ReplaceRoute``...),
  serialised by botocore and parsed and run by the same handlers as a request, all in one store
  transaction: every edit is written, or none.

Under ``--verify-signatures`` the console is read-only (the page cannot sign requests, and its
writes must not be a way around the signatures).
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.routing import Mount

from ..console import NetworkUnavailable, create_app
from ..console.edits import apply_edit
from ..formats.aws_state import load_documents
from ..model import Network, NetworkAcl, Resource, RouteTable, SecurityGroup, SecurityGroupRule
from ..model.addressing import route_target_field
from ..model.problems import InputError
from .context import Request
from .errors import ApiError
from .protocol import parse_input
from .registry import Handler
from .store import Store

__all__ = ["CONSOLE_PATH", "LiveNetwork", "SaveRefused", "console_mount", "edit_requests"]

CONSOLE_PATH = "/console"


class LiveNetwork:
    """``live()`` is the store's state as a network, read again only when the store changed."""

    def __init__(self, store: Store, source: str = "vpcsim serve") -> None:
        self.store = store
        self.source = source
        self._lock = threading.Lock()
        self._version: int | None = None
        self._network = Network()
        self.loads = 0
        """How many times the state was read as a network (tests: only when it changed)."""

    def __call__(self) -> Network:
        with self._lock:
            version = self.store.version
            if version != self._version:
                documents = self.store.documents()
                try:
                    network = load_documents(documents, self.source).network if documents else Network()
                except InputError as exc:
                    raise NetworkUnavailable(f"the state cannot be read as a network: {exc}") from None
                self._network, self._version = network, version
                self.loads += 1
            return self._network


class SaveRefused(ValueError):
    """An edit the EC2 API refused (``code`` is its error code): nothing was written."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Call:
    """One EC2 API request an edit stands for, in the account and region of what it changes."""

    action: str
    params: dict[str, Any]
    account: str
    region: str


def _peer(rule: SecurityGroupRule) -> dict[str, Any]:
    return {
        key: value
        for key, value in (
            ("CidrIpv4", rule.cidr_ipv4),
            ("ReferencedGroupId", rule.referenced_group_id),
            ("PrefixListId", rule.prefix_list_id),
            ("Description", rule.description),
        )
        if value is not None
    }


def _permission(rule: SecurityGroupRule) -> dict[str, Any]:
    """The rule as an ``IpPermission`` (the shape Authorize and Revoke take)."""
    permission: dict[str, Any] = {"IpProtocol": rule.ip_protocol}
    if rule.from_port is not None:
        permission["FromPort"] = rule.from_port
        permission["ToPort"] = rule.to_port if rule.to_port is not None else rule.from_port
    described = {"Description": rule.description} if rule.description else {}
    if rule.cidr_ipv4 is not None:
        permission["IpRanges"] = [{"CidrIp": rule.cidr_ipv4, **described}]
    elif rule.referenced_group_id is not None:
        permission["UserIdGroupPairs"] = [{"GroupId": rule.referenced_group_id, **described}]
    elif rule.prefix_list_id is not None:
        permission["PrefixListIds"] = [{"PrefixListId": rule.prefix_list_id, **described}]
    return permission


def _rule(group: SecurityGroup, egress: bool, index: int) -> SecurityGroupRule:
    rules = group.egress if egress else group.ingress
    return rules[index]


def _calls(network: Network, edit: Mapping[str, Any]) -> tuple[Resource, list[tuple[str, dict[str, Any]]]]:
    """The EC2 API requests for one console edit, read against ``network`` as the edits before
    it left it (rule indexes name rules of that state); the edit is then applied to ``network``
    (a copy), so that a new rule is read as the model built it."""
    resource, calls = _requests(network, edit)
    if edit["Action"] not in _APPLIED_WHILE_READ:
        apply_edit(network, edit)
    return resource, calls


#: Edits :func:`_requests` applies itself (the new rule is read from the model after it).
_APPLIED_WHILE_READ = (
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "ModifySecurityGroupRule",
)


def _requests(network: Network, edit: Mapping[str, Any]) -> tuple[Resource, list[tuple[str, dict[str, Any]]]]:
    action = str(edit["Action"])
    if action in ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"):
        group = network.resolve(str(edit["GroupId"]), SecurityGroup)
        rules = group.egress if action.endswith("Egress") else group.ingress
        before = list(rules)
        apply_edit(network, edit)
        (rule,) = [r for r in rules if r not in before]
        return group, [(action, {"GroupId": group.group_id, "IpPermissions": [_permission(rule)]})]
    if action in ("RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"):
        group = network.resolve(str(edit["GroupId"]), SecurityGroup)
        rule = _rule(group, action.endswith("Egress"), int(edit["RuleIndex"]))
        if rule.security_group_rule_id:
            return group, [
                (action, {"GroupId": group.group_id, "SecurityGroupRuleIds": [rule.security_group_rule_id]})
            ]
        return group, [(action, {"GroupId": group.group_id, "IpPermissions": [_permission(rule)]})]
    if action == "ModifySecurityGroupRule":
        group = network.resolve(str(edit["GroupId"]), SecurityGroup)
        egress = str(edit["Egress"]).lower() in ("true", "1")
        index = int(edit["RuleIndex"])
        old = _rule(group, egress, index)
        apply_edit(network, edit)
        new = _rule(group, egress, index)  # the modified rule keeps its place
        if old.security_group_rule_id:
            request = {"IpProtocol": new.ip_protocol, **_peer(new)}
            if new.from_port is not None:
                request["FromPort"] = new.from_port
                request["ToPort"] = new.to_port if new.to_port is not None else new.from_port
            return group, [
                (
                    action,
                    {
                        "GroupId": group.group_id,
                        "SecurityGroupRules": [
                            {"SecurityGroupRuleId": old.security_group_rule_id, "SecurityGroupRule": request}
                        ],
                    },
                )
            ]
        direction = "Egress" if egress else "Ingress"
        return group, [
            (
                f"RevokeSecurityGroup{direction}",
                {"GroupId": group.group_id, "IpPermissions": [_permission(old)]},
            ),
            (
                f"AuthorizeSecurityGroup{direction}",
                {"GroupId": group.group_id, "IpPermissions": [_permission(new)]},
            ),
        ]
    if action in ("CreateNetworkAclEntry", "ReplaceNetworkAclEntry", "DeleteNetworkAclEntry"):
        acl = network.resolve(str(edit["NetworkAclId"]), NetworkAcl)
        params: dict[str, Any] = {
            "NetworkAclId": acl.network_acl_id,
            "RuleNumber": int(edit["RuleNumber"]),
            "Egress": str(edit["Egress"]).lower() in ("true", "1"),
        }
        if action != "DeleteNetworkAclEntry":
            params.update(
                Protocol=str(edit["Protocol"]),
                RuleAction=str(edit["RuleAction"]).lower(),
                CidrBlock=str(edit["CidrBlock"]),
            )
            if edit.get("FromPort") not in (None, ""):
                low = int(edit["FromPort"])
                high = int(edit["ToPort"]) if edit.get("ToPort") not in (None, "") else low
                params["PortRange"] = {"From": low, "To": high}
            icmp = edit.get("IcmpTypeCode")
            if isinstance(icmp, Mapping):
                params["IcmpTypeCode"] = {
                    "Type": int(icmp.get("Type", -1)),
                    "Code": int(icmp.get("Code", -1)),
                }
        return acl, [(action, params)]
    if action in ("CreateRoute", "ReplaceRoute", "DeleteRoute"):
        table = network.resolve(str(edit["RouteTableId"]), RouteTable)
        params = {
            "RouteTableId": table.route_table_id,
            "DestinationCidrBlock": str(edit["DestinationCidrBlock"]),
        }
        if action != "DeleteRoute":
            target = str(edit["Target"])
            field = route_target_field(target)
            if field is None:
                raise SaveRefused("InvalidParameterValue", f"{target!r} is not a route target vpcsim knows")
            params["".join(part.capitalize() for part in field.split("_"))] = target
        return table, [(action, params)]
    raise SaveRefused("InvalidAction", f"{action} is not an edit the console saves")


def edit_requests(network: Network, edits: Sequence[Mapping[str, Any]]) -> list[Call]:
    """The EC2 API requests the console's what-if ``edits`` stand for, in order. Each edit is read
    against the network as the edits before it left it (a copy), as the page computed them."""
    state = copy.deepcopy(network)
    calls: list[Call] = []
    for edit in edits:
        resource, requests = _calls(state, edit)
        calls += [Call(a, p, resource.owner_id, resource.region) for a, p in requests]
    return calls


def _saver(
    store: Store,
    live: LiveNetwork,
    actions: Mapping[tuple[str, str], Handler],
    model: Callable[[str], Any],
    after_commit: Callable[[str, str], None] | None,
) -> Callable[[Sequence[Mapping[str, Any]]], None]:
    import botocore.serialize

    serializer = botocore.serialize.create_serializer("ec2", include_validation=True)

    def save(edits: Sequence[Mapping[str, Any]]) -> None:
        calls = edit_requests(live(), edits)
        if not calls:
            return
        request_id = str(uuid.uuid4())
        ec2 = model("ec2")
        try:
            with store.transaction(calls[0].account, calls[0].region) as tx:
                for call in calls:
                    operation = ec2.operation_model(call.action)
                    form = serializer.serialize_to_request(call.params, operation)["body"]
                    pairs = [(k, str(v)) for k, v in form.items() if k not in ("Action", "Version")]
                    params = parse_input(pairs, operation.input_shape, "ec2")
                    scoped = tx.scoped(call.account, call.region)
                    request = Request(
                        call.action, params, call.account, call.region, request_id, scoped, {"access_key": ""}
                    )
                    actions[("ec2", call.action)](request)
        except ApiError as exc:
            raise SaveRefused(exc.code, f"{exc.message} (nothing was saved)") from None
        if after_commit is not None:
            after_commit(", ".join(call.action for call in calls), request_id)

    return save


def console_mount(
    store: Store,
    actions: Mapping[tuple[str, str], Handler],
    model: Callable[[str], Any],
    *,
    writable: bool,
    after_commit: Callable[[str, str], None] | None = None,
) -> Mount:
    """The console app mounted at :data:`CONSOLE_PATH` over ``store``; ``writable``: the Build tab
    (EC2 Query requests to the server's root) and the what-if save through the EC2 API."""
    live = LiveNetwork(store)
    app = create_app(
        live,
        title="vpcsim serve: live state",
        save=_saver(store, live, actions, model, after_commit) if writable else None,
        ec2_api="../" if writable else None,
    )
    return Mount(CONSOLE_PATH, app=app)
