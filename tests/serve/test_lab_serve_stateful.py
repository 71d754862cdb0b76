"""Random API mutations against ``vpcsim serve --lab`` with the watchdog on (hypothesis stateful).

After every mutation the watchdog probes what it can affect and compares with the engine: zero
disagreements, zero errors applying a change. The host's own interfaces, addresses, routes,
rules and ruleset are the same before the server starts and after ``lab down``. Root, ``ip`` and
``nft`` needed (skipped otherwise; failing under CI=true); lab ``sl<pid>h``.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from tests.lab.conftest import lab_environment  # noqa: F401  (the environment gate)
from tests.support.lab import host_snapshot

from vpcsim.lab import lab_down
from vpcsim.lab.netns import lab_namespaces
from vpcsim.serve import BackgroundServer, ServerSettings, Store
from vpcsim.serve.live import LiveLab

from .test_tutorial_reachability import build_tutorial

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("lab_environment")]

PORTS = (22, 80, 443, 8080)


class ServeLabMachine(RuleBasedStateMachine):
    name = f"sl{os.getpid()}h"
    checks = 0

    def __init__(self) -> None:
        super().__init__()
        lab_down(self.name)
        self.store = Store(":memory:")
        self.live = LiveLab(self.store, self.name, sample=6)
        self.live.start()
        self.server = BackgroundServer(self.store, ServerSettings(after_commit=self.live.after_commit))
        self.server.start()
        self.ec2: Any = boto3.client(
            "ec2", endpoint_url=self.server.url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="secret",
        )  # fmt: skip
        self.instances: list[str] = []
        self.stopped: set[str] = set()
        self.rules: set[tuple[str, int]] = set()

    @initialize()
    def tutorial(self) -> None:
        self.ids = build_tutorial(self.ec2)
        self.instances = [self.ids["bastion"], self.ids["app"]]
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc"]]}])
        self.groups = [g["GroupId"] for g in groups["SecurityGroups"]]
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc"]]}])
        self.subnets = [s["SubnetId"] for s in subnets["Subnets"]]

    @rule(data=st.data())
    def launch(self, data: st.DataObject) -> None:
        subnet = data.draw(st.sampled_from(sorted(self.subnets)))
        group = data.draw(st.sampled_from(sorted(self.groups)))
        reservation = self.ec2.run_instances(
            ImageId="ami-12345678", MinCount=1, MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group],
                                "AssociatePublicIpAddress": data.draw(st.booleans())}],
        )  # fmt: skip
        self.instances.append(reservation["Instances"][0]["InstanceId"])

    @precondition(lambda self: len(self.instances) > 1)
    @rule(data=st.data())
    def terminate(self, data: st.DataObject) -> None:
        instance = data.draw(st.sampled_from(self.instances))
        self.ec2.terminate_instances(InstanceIds=[instance])
        self.instances.remove(instance)
        self.stopped.discard(instance)

    @precondition(lambda self: bool(self.instances))
    @rule(data=st.data())
    def stop_or_start(self, data: st.DataObject) -> None:
        instance = data.draw(st.sampled_from(self.instances))
        if instance in self.stopped:
            self.ec2.start_instances(InstanceIds=[instance])
            self.stopped.discard(instance)
        else:
            self.ec2.stop_instances(InstanceIds=[instance])
            self.stopped.add(instance)

    @rule(data=st.data(), port=st.sampled_from(PORTS))
    def authorize_or_revoke(self, data: st.DataObject, port: int) -> None:
        group = data.draw(st.sampled_from(sorted(self.groups)))
        permission = [
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ]
        if (group, port) in self.rules:
            self.ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=permission)
            self.rules.discard((group, port))
        else:
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=permission)
            self.rules.add((group, port))

    @invariant()
    def kernel_agrees_with_engine(self) -> None:
        if not hasattr(self, "ids"):
            return
        assert self.live.wait_idle(180)
        health = self.live.health()["lab"]
        assert health["apply_errors"] == 0, health["last_error"]
        assert health["disagreements"] == 0, health["recent_disagreements"]

    def teardown(self) -> None:
        ServeLabMachine.checks += self.live.stats["watchdog_checks"]
        self.live.stop()
        self.server.stop()
        lab_down(self.name)


def test_random_api_mutations_with_the_watchdog_on(lab_environment: None) -> None:  # noqa: F811
    before = host_snapshot()
    machine = settings(
        max_examples=2, stateful_step_count=5, deadline=None,
        suppress_health_check=list(HealthCheck),
    )(ServeLabMachine)  # fmt: skip
    machine.TestCase().runTest()
    assert ServeLabMachine.checks > 0  # the watchdog did check
    assert not lab_namespaces(f"vs-{ServeLabMachine.name}-")
    assert host_snapshot() == before
