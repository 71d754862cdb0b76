"""Random API mutations against ``vpcsim serve --lab`` with the watchdog on (hypothesis stateful),
and each kind of mutation in turn.

The mutations: instances launched, stopped, started and terminated; security-group rules
authorised and revoked; network ACL deny entries added and removed (both directions); the
private subnet's route to the NAT gateway deleted and created; the public subnet's route table
association removed and restored; Elastic IPs associated and disassociated; source/destination
check turned off and on; a second VPC peered with the first. After every mutation the watchdog
probes what it can affect and compares with the engine: zero disagreements, zero errors
applying a change. The host's own interfaces, addresses, routes,
rules and ruleset are the same before the server starts and after ``lab down``. Root, ``ip`` and
``nft`` needed (skipped otherwise; failing under CI=true); lab ``sl<pid>h``.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

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
    exercised: ClassVar[Counter[str]] = Counter()

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
        self.acl_denies: set[tuple[str, int, bool]] = set()
        self.nat_route = True
        self.public_association: str | None = None
        self.eips: dict[str, tuple[str, str]] = {}
        self.unchecked: set[str] = set()
        self.peered = False

    @initialize()
    def tutorial(self) -> None:
        self.ids = build_tutorial(self.ec2)
        self.instances = [self.ids["bastion"], self.ids["app"]]
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc"]]}])
        self.groups = [g["GroupId"] for g in groups["SecurityGroups"]]
        # What the tutorial already allows is revoked, not authorized again (AWS:
        # InvalidPermission.Duplicate): the toggles start from the groups' real rules.
        self.rules = {
            (g["GroupId"], p["FromPort"])
            for g in groups["SecurityGroups"]
            for p in g["IpPermissions"]
            if p.get("IpProtocol") == "tcp"
            and p.get("FromPort") == p.get("ToPort")
            and p.get("FromPort") in PORTS
            and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))
        }
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc"]]}])
        self.subnets = [s["SubnetId"] for s in subnets["Subnets"]]
        acls = self.ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc"]]}])
        self.acls = sorted(a["NetworkAclId"] for a in acls["NetworkAcls"])
        tables = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc"]]}])
        for table in tables["RouteTables"]:
            for association in table["Associations"]:
                subnet = association.get("SubnetId")
                if subnet and any(r.get("NatGatewayId") for r in table["Routes"]):
                    self.private_rt = table["RouteTableId"]
                elif subnet:
                    self.public_rt, self.public = table["RouteTableId"], subnet
                    self.public_association = association["RouteTableAssociationId"]

    # the rules draw their choices and call the mutations below, which a scripted test also uses

    @rule(data=st.data())
    def launch(self, data: st.DataObject) -> None:
        subnet = data.draw(st.sampled_from(sorted(self.subnets)))
        group = data.draw(st.sampled_from(sorted(self.groups)))
        self.do_launch(subnet, group, data.draw(st.booleans()))

    @precondition(lambda self: len(self.instances) > 1)
    @rule(data=st.data())
    def terminate(self, data: st.DataObject) -> None:
        self.do_terminate(data.draw(st.sampled_from(self.instances)))

    @precondition(lambda self: bool(self.instances))
    @rule(data=st.data())
    def stop_or_start(self, data: st.DataObject) -> None:
        self.do_stop_or_start(data.draw(st.sampled_from(self.instances)))

    @rule(data=st.data(), port=st.sampled_from(PORTS))
    def authorize_or_revoke(self, data: st.DataObject, port: int) -> None:
        self.do_authorize_or_revoke(data.draw(st.sampled_from(sorted(self.groups))), port)

    @rule(data=st.data(), port=st.sampled_from(PORTS))
    def acl_deny_or_lift(self, data: st.DataObject, port: int) -> None:
        self.do_acl_deny_or_lift(data.draw(st.sampled_from(self.acls)), port, data.draw(st.booleans()))

    @rule()
    def nat_route_off_or_on(self) -> None:
        self.do_nat_route_off_or_on()

    @rule()
    def public_association_off_or_on(self) -> None:
        self.do_public_association_off_or_on()

    @precondition(lambda self: bool(self.instances))
    @rule(data=st.data())
    def elastic_ip_on_or_off(self, data: st.DataObject) -> None:
        self.do_elastic_ip_on_or_off(data.draw(st.sampled_from(self.instances)))

    @precondition(lambda self: bool(self.instances))
    @rule(data=st.data())
    def source_dest_check(self, data: st.DataObject) -> None:
        self.do_source_dest_check(data.draw(st.sampled_from(self.instances)))

    @precondition(lambda self: not self.peered)
    @rule()
    def peering(self) -> None:
        self.do_peering()

    # ------------------------------------------------------------------ the mutations

    def do_launch(self, subnet: str, group: str, public_ip: bool) -> str:
        ServeLabMachine.exercised["launch"] += 1
        reservation = self.ec2.run_instances(
            ImageId="ami-12345678", MinCount=1, MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group],
                                "AssociatePublicIpAddress": public_ip}],
        )  # fmt: skip
        instance = str(reservation["Instances"][0]["InstanceId"])
        self.instances.append(instance)
        return instance

    def do_terminate(self, instance: str) -> None:
        ServeLabMachine.exercised["terminate"] += 1
        self.ec2.terminate_instances(InstanceIds=[instance])
        self.instances.remove(instance)
        self.stopped.discard(instance)
        self.unchecked.discard(instance)
        if instance in self.eips:  # terminating disassociates the address; it stays allocated
            self.ec2.release_address(AllocationId=self.eips.pop(instance)[0])

    def do_stop_or_start(self, instance: str) -> None:
        ServeLabMachine.exercised["stop_or_start"] += 1
        if instance in self.stopped:
            self.ec2.start_instances(InstanceIds=[instance])
            self.stopped.discard(instance)
        else:
            self.ec2.stop_instances(InstanceIds=[instance])
            self.stopped.add(instance)

    def do_authorize_or_revoke(self, group: str, port: int) -> None:
        ServeLabMachine.exercised["authorize_or_revoke"] += 1
        permission = [
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ]
        if (group, port) in self.rules:
            self.ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=permission)
            self.rules.discard((group, port))
        else:
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=permission)
            self.rules.add((group, port))

    def do_acl_deny_or_lift(self, acl: str, port: int, egress: bool) -> None:
        ServeLabMachine.exercised["acl_deny_or_lift"] += 1
        number = 10 + PORTS.index(port)
        if (acl, number, egress) in self.acl_denies:
            self.ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Egress=egress)
            self.acl_denies.discard((acl, number, egress))
        else:
            self.ec2.create_network_acl_entry(
                NetworkAclId=acl, RuleNumber=number, Protocol="6", RuleAction="deny", Egress=egress,
                CidrBlock="0.0.0.0/0", PortRange={"From": port, "To": port},
            )  # fmt: skip
            self.acl_denies.add((acl, number, egress))

    def do_nat_route_off_or_on(self) -> None:
        ServeLabMachine.exercised["nat_route_off_or_on"] += 1
        if self.nat_route:
            self.ec2.delete_route(RouteTableId=self.private_rt, DestinationCidrBlock="0.0.0.0/0")
        else:
            self.ec2.create_route(
                RouteTableId=self.private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=self.ids["nat"]
            )
        self.nat_route = not self.nat_route

    def do_public_association_off_or_on(self) -> None:
        ServeLabMachine.exercised["public_association_off_or_on"] += 1
        if self.public_association is not None:
            self.ec2.disassociate_route_table(AssociationId=self.public_association)
            self.public_association = None  # the subnet falls back to the main table: no IGW route
        else:
            self.public_association = self.ec2.associate_route_table(
                RouteTableId=self.public_rt, SubnetId=self.public
            )["AssociationId"]

    def do_elastic_ip_on_or_off(self, instance: str) -> None:
        ServeLabMachine.exercised["elastic_ip_on_or_off"] += 1
        if instance in self.eips:
            allocation, association = self.eips.pop(instance)
            self.ec2.disassociate_address(AssociationId=association)
            self.ec2.release_address(AllocationId=allocation)
        else:
            allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
            association = self.ec2.associate_address(AllocationId=allocation, InstanceId=instance)
            self.eips[instance] = (allocation, association["AssociationId"])

    def do_source_dest_check(self, instance: str) -> None:
        ServeLabMachine.exercised["source_dest_check"] += 1
        value = instance in self.unchecked
        self.ec2.modify_instance_attribute(InstanceId=instance, SourceDestCheck={"Value": value})
        (self.unchecked.discard if value else self.unchecked.add)(instance)

    def do_peering(self) -> None:
        """A second VPC with an instance, peered with the first, routed both ways."""
        ServeLabMachine.exercised["peering"] += 1
        ec2 = self.ec2
        other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=other, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="peer", Description="from the first VPC", VpcId=other)
        ec2.authorize_security_group_ingress(
            GroupId=group["GroupId"],
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535,
                            "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
        )  # fmt: skip
        ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet,
                          SecurityGroupIds=[group["GroupId"]])  # fmt: skip
        pcx = ec2.create_vpc_peering_connection(VpcId=self.ids["vpc"], PeerVpcId=other)
        pcx_id = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
        (main,) = ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [other]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"]
        ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="10.0.0.0/16",
                         VpcPeeringConnectionId=pcx_id)  # fmt: skip
        for table in (self.public_rt, self.private_rt):
            ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx_id
            )
        self.peered = True

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
        max_examples=3, stateful_step_count=8, deadline=None,
        suppress_health_check=list(HealthCheck),
    )(ServeLabMachine)  # fmt: skip
    machine.TestCase().runTest()
    assert ServeLabMachine.checks > 0  # the watchdog did check
    print("mutations exercised:", dict(sorted(ServeLabMachine.exercised.items())))
    assert not lab_namespaces(f"vs-{ServeLabMachine.name}-")
    assert host_snapshot() == before


def test_every_kind_of_mutation_in_turn(lab_environment: None) -> None:  # noqa: F811
    """Each mutation the random test draws from, at least once and undone where it can be, the
    watchdog's verdict checked after each: what the random sequences may leave out."""
    before = host_snapshot()
    ServeLabMachine.exercised.clear()
    machine = ServeLabMachine()
    try:
        machine.tutorial()
        bastion, app = machine.ids["bastion"], machine.ids["app"]
        acl, public_group = machine.acls[0], machine.groups[0]
        steps: list[Callable[[], object]] = [
            lambda: machine.do_launch(machine.public, public_group, True),
            lambda: machine.do_authorize_or_revoke(public_group, 22),
            lambda: machine.do_acl_deny_or_lift(acl, 22, False),
            lambda: machine.do_acl_deny_or_lift(acl, 443, True),
            lambda: machine.do_acl_deny_or_lift(acl, 22, False),
            lambda: machine.do_nat_route_off_or_on(),
            lambda: machine.do_nat_route_off_or_on(),
            lambda: machine.do_public_association_off_or_on(),
            lambda: machine.do_public_association_off_or_on(),
            lambda: machine.do_elastic_ip_on_or_off(app),
            lambda: machine.do_source_dest_check(bastion),
            lambda: machine.do_peering(),
            lambda: machine.do_stop_or_start(app),
            lambda: machine.do_elastic_ip_on_or_off(bastion),
            lambda: machine.do_stop_or_start(app),
            lambda: machine.do_terminate(bastion),
        ]
        checked = []
        for step in steps:
            step()
            machine.kernel_agrees_with_engine()
            checked.append(machine.live.stats["watchdog_probes"])
        # the watchdog probed after every change (a terminated instance's flows are gone)
        assert all(b > a for a, b in itertools.pairwise([0, *checked[:-1]])), checked
        assert set(ServeLabMachine.exercised) == {
            name[3:] for name in dir(ServeLabMachine) if name.startswith("do_")
        }
    finally:
        machine.teardown()
    assert not lab_namespaces(f"vs-{ServeLabMachine.name}-")
    assert host_snapshot() == before
