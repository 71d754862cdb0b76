"""Collect Elastic Load Balancing: the ``elbv2`` and classic ``elb`` calls the AWS importer reads.

Why apart from :mod:`vpcsim.collect`: the EC2 calls there are one call per key; load balancers
need calls per load balancer and per target group (listeners, target health, attributes), written
in the wrapped shapes the importer reads (:mod:`vpcsim.formats.aws_read_elb`), which name the
load balancer or target group the raw responses leave out:

* ``LoadBalancers`` (``elbv2 describe-load-balancers``), ``TargetGroups``;
* ``LoadBalancerListeners``: ``[{LoadBalancerArn, Listeners}]`` (``describe-listeners`` per LB);
* ``ListenerRules``: ``[{ListenerArn, Rules}]`` (``describe-rules`` per Application Load Balancer
  listener);
* ``LoadBalancerAttributes``: ``[{LoadBalancerArn, Attributes}]``;
* ``LoadBalancerTargetHealth``: ``[{TargetGroupArn, TargetHealthDescriptions}]``;
* ``TargetGroupAttributes``: ``[{TargetGroupArn, Attributes}]``;
* ``LoadBalancerDescriptions`` (classic ``elb describe-load-balancers``).

A refused call is a warning (the rest goes on), as in :mod:`vpcsim.collect`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The operations, as progress reports name them (one step each per region).
ELB_OPERATIONS = ("elbv2.describe_load_balancers", "elb.describe_load_balancers")

Warn = Callable[[str, BaseException], None]
"""Called with the operation and the exception of a refused call."""
Fatal = Callable[[BaseException], bool]


def _pages(client: Any, operation: str, key: str, **params: Any) -> list[Any]:
    if client.can_paginate(operation):
        response = client.get_paginator(operation).paginate(**params).build_full_result()
    else:
        response = getattr(client, operation)(**params)
    items = response.get(key, [])
    return items if isinstance(items, list) else []


def collect_elbv2(client: Any, warn: Warn, fatal: Fatal) -> dict[str, list[Any]] | None:
    """Every ``elbv2`` document of one region, or None when ``describe_load_balancers`` is refused."""

    def call(operation: str, key: str, **params: Any) -> list[Any] | None:
        try:
            return _pages(client, operation, key, **params)
        except Exception as exc:  # botocore's ClientError and BotoCoreError subclasses
            if fatal(exc):
                raise
            warn(f"elbv2.{operation}", exc)
            return None

    load_balancers = call("describe_load_balancers", "LoadBalancers")
    if load_balancers is None:
        return None
    out: dict[str, list[Any]] = {"LoadBalancers": load_balancers}
    listeners: list[Any] = []
    attributes: list[Any] = []
    listener_rules: list[Any] = []
    for lb in load_balancers:
        arn = lb.get("LoadBalancerArn") if isinstance(lb, dict) else None
        if not isinstance(arn, str):
            continue
        found = call("describe_listeners", "Listeners", LoadBalancerArn=arn)
        if found is not None:
            listeners.append({"LoadBalancerArn": arn, "Listeners": found})
            if lb.get("Type") == "application":
                for listener in found:
                    listener_arn = listener.get("ListenerArn") if isinstance(listener, dict) else None
                    if not isinstance(listener_arn, str):
                        continue
                    rules = call("describe_rules", "Rules", ListenerArn=listener_arn)
                    if rules is not None:
                        listener_rules.append({"ListenerArn": listener_arn, "Rules": rules})
        attrs = call("describe_load_balancer_attributes", "Attributes", LoadBalancerArn=arn)
        if attrs is not None:
            attributes.append({"LoadBalancerArn": arn, "Attributes": attrs})
    out["LoadBalancerListeners"] = listeners
    out["LoadBalancerAttributes"] = attributes
    out["ListenerRules"] = listener_rules
    groups = call("describe_target_groups", "TargetGroups")
    if groups is not None:
        out["TargetGroups"] = groups
        health: list[Any] = []
        group_attributes: list[Any] = []
        for tg in groups:
            arn = tg.get("TargetGroupArn") if isinstance(tg, dict) else None
            if not isinstance(arn, str):
                continue
            found = call("describe_target_health", "TargetHealthDescriptions", TargetGroupArn=arn)
            if found is not None:
                health.append({"TargetGroupArn": arn, "TargetHealthDescriptions": found})
            attrs = call("describe_target_group_attributes", "Attributes", TargetGroupArn=arn)
            if attrs is not None:
                group_attributes.append({"TargetGroupArn": arn, "Attributes": attrs})
        out["LoadBalancerTargetHealth"] = health
        out["TargetGroupAttributes"] = group_attributes
    return out


def collect_classic(client: Any, warn: Warn, fatal: Fatal) -> dict[str, list[Any]] | None:
    """The classic ``elb describe-load-balancers`` of one region (None when refused)."""
    try:
        return {
            "LoadBalancerDescriptions": _pages(client, "describe_load_balancers", "LoadBalancerDescriptions")
        }
    except Exception as exc:
        if fatal(exc):
            raise
        warn("elb.describe_load_balancers", exc)
        return None


__all__ = ["ELB_OPERATIONS", "collect_classic", "collect_elbv2"]
