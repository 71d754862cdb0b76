"""Security groups, network ACLs, network interfaces and instances through boto3 against vpcsim
serve: AWS's answers and errors, and the state read back as a NETWORK agreeing with them."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from botocore.exceptions import ClientError

import vpcsim
from vpcsim.serve import BackgroundServer


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return str(raised.value.response["Error"]["Code"])


@pytest.fixture
def vpc(ec2: Any) -> dict[str, str]:
    vpc_id = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.1.0/24")["Subnet"]
    return {"vpc": vpc_id, "subnet": subnet["SubnetId"], "zone": subnet["AvailabilityZone"]}


# ------------------------------------------------------------------------------ security groups


def test_group_rules_two_views_agree(ec2: Any, vpc: dict[str, str]) -> None:
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc["vpc"])["GroupId"]
    created = ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}, {"CidrIp": "10.9.0.0/16"}],
            }
        ],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}],
    )["SecurityGroupRules"]
    assert [r["CidrIpv4"] for r in created] == ["0.0.0.0/0", "10.9.0.0/16"]
    assert all(
        r["SecurityGroupRuleId"].startswith("sgr-") and r["Tags"] == [{"Key": "k", "Value": "v"}]
        for r in created
    )
    (described,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert described["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}, {"CidrIp": "10.9.0.0/16"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])[
        "SecurityGroupRules"
    ]
    assert [(r["IsEgress"], r.get("CidrIpv4")) for r in rules] == [
        (True, "0.0.0.0/0"),
        (False, "0.0.0.0/0"),
        (False, "10.9.0.0/16"),
    ]
    ec2.modify_security_group_rules(
        GroupId=group,
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": created[1]["SecurityGroupRuleId"],
                "SecurityGroupRule": {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "CidrIpv4": "10.9.0.0/16",
                },
            }
        ],
    )
    (described,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in described["IpPermissions"]] == [
        (443, ["0.0.0.0/0"]),
        (22, ["10.9.0.0/16"]),
    ]
    ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[created[0]["SecurityGroupRuleId"]])
    (described,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert [p["FromPort"] for p in described["IpPermissions"]] == [22]


def test_group_errors(ec2: Any, vpc: dict[str, str]) -> None:
    group = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc["vpc"])["GroupId"]
    one = [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=one)
    assert (
        _code(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=one)
        == "InvalidPermission.Duplicate"
    )
    other = [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}]
    assert (
        _code(ec2.revoke_security_group_ingress, GroupId=group, IpPermissions=other)
        == "InvalidPermission.NotFound"
    )
    many = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": f"10.{i}.0.0/16"} for i in range(60)]}]
    assert _code(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=many) == (
        "RulesPerSecurityGroupLimitExceeded"
    )
    assert (
        _code(ec2.create_security_group, GroupName="db", Description="x", VpcId=vpc["vpc"])
        == "InvalidGroup.Duplicate"
    )
    assert _code(
        ec2.create_security_group, GroupName="x", Description="x", VpcId="vpc-0000000000000000f"
    ) == ("InvalidVpcID.NotFound")
    assert _code(ec2.delete_security_group, GroupId="sg-0000000000000000f") == "InvalidGroup.NotFound"
    # a name alone is looked up in the default VPC only (GroupName is "[Default VPC]")
    with pytest.raises(ClientError) as by_name:
        ec2.describe_security_groups(GroupNames=["db"])
    assert by_name.value.response["Error"]["Code"] == "InvalidGroup.NotFound"
    assert "does not exist in default VPC 'vpc-" in by_name.value.response["Error"]["Message"]
    # a group referenced by another group's rule, or used by an ENI, cannot be deleted
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc["vpc"])["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]}
        ],
    )
    assert _code(ec2.delete_security_group, GroupId=web) == "DependencyViolation"
    spare = ec2.create_security_group(GroupName="spare", Description="spare", VpcId=vpc["vpc"])["GroupId"]
    ec2.create_network_interface(SubnetId=vpc["subnet"], Groups=[spare])
    assert _code(ec2.delete_security_group, GroupId=spare) == "DependencyViolation"
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["vpc"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert _code(ec2.delete_security_group, GroupId=default) == "CannotDelete"


def test_prefix_list_in_a_group_rule_is_not_deleted(ec2: Any, vpc: dict[str, str]) -> None:
    """AWS takes the delete of a referenced prefix list and the deletion fails (delete-failed)."""
    pl = ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=1, AddressFamily="IPv4")
    pl_id = pl["PrefixList"]["PrefixListId"]
    group = ec2.create_security_group(GroupName="pl", Description="pl", VpcId=vpc["vpc"])["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pl_id}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    answer = ec2.delete_managed_prefix_list(PrefixListId=pl_id)["PrefixList"]
    assert answer["State"] == "delete-in-progress"
    kept = ec2.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"][0]
    assert kept["State"] == "delete-failed"
    listed = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert listed[0]["PrefixListIds"] == [{"PrefixListId": pl_id}]
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rule])
    assert ec2.delete_managed_prefix_list(PrefixListId=pl_id)["PrefixList"]["State"] == "delete-complete"


def test_default_group_rules_have_ids(ec2: Any, vpc: dict[str, str]) -> None:
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["vpc"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    first = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [default]}])[
        "SecurityGroupRules"
    ]
    again = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [default]}])[
        "SecurityGroupRules"
    ]
    assert [r["SecurityGroupRuleId"] for r in first] == [r["SecurityGroupRuleId"] for r in again]
    assert {
        (r["IsEgress"], r.get("CidrIpv4"), (r.get("ReferencedGroupInfo") or {}).get("GroupId")) for r in first
    } == {
        (True, "0.0.0.0/0", None),
        (False, None, default),
    }


# ------------------------------------------------------------------------------ network ACLs


def test_acl_entries_and_associations(ec2: Any, vpc: dict[str, str]) -> None:
    acl = ec2.create_network_acl(VpcId=vpc["vpc"])["NetworkAcl"]
    assert [(e["RuleNumber"], e["RuleAction"]) for e in acl["Entries"]] == [(32767, "deny"), (32767, "deny")]
    acl_id = acl["NetworkAclId"]
    entry = {
        "NetworkAclId": acl_id,
        "RuleNumber": 100,
        "Protocol": "6",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
        "PortRange": {"From": 22, "To": 22},
    }
    ec2.create_network_acl_entry(**entry)
    assert _code(ec2.create_network_acl_entry, **entry) == "NetworkAclEntryAlreadyExists"
    assert _code(
        ec2.create_network_acl_entry, **{**entry, "RuleNumber": 101, "PortRange": {"From": 30, "To": 20}}
    ) == ("InvalidParameterValue")
    assert _code(ec2.create_network_acl_entry, **{**entry, "NetworkAclId": "acl-0000000000000000f"}) == (
        "InvalidNetworkAclID.NotFound"
    )
    for number in range(1, 20):
        ec2.create_network_acl_entry(**{**entry, "RuleNumber": 200 + number})
    assert (
        _code(ec2.create_network_acl_entry, **{**entry, "RuleNumber": 999}) == "NetworkAclEntryLimitExceeded"
    )
    ec2.replace_network_acl_entry(**{**entry, "RuleAction": "deny"})
    (shown,) = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"]
    assert [e["RuleAction"] for e in shown["Entries"] if e["RuleNumber"] == 100] == ["deny"]
    ec2.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=100, Egress=False)
    assert _code(ec2.delete_network_acl_entry, NetworkAclId=acl_id, RuleNumber=100, Egress=False) == (
        "InvalidNetworkAclEntry.NotFound"
    )
    current = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [vpc["subnet"]]}]
    )
    association = next(
        a["NetworkAclAssociationId"]
        for a in current["NetworkAcls"][0]["Associations"]
        if a["SubnetId"] == vpc["subnet"]
    )
    new = ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl_id)[
        "NewAssociationId"
    ]
    assert new.startswith("aclassoc-")
    assert _code(ec2.delete_network_acl, NetworkAclId=acl_id) == "DependencyViolation"
    default = next(
        a for a in ec2.describe_network_acls()["NetworkAcls"] if a["IsDefault"] and a["VpcId"] == vpc["vpc"]
    )
    assert _code(ec2.delete_network_acl, NetworkAclId=default["NetworkAclId"]) == "InvalidParameterValue"
    ec2.replace_network_acl_association(AssociationId=new, NetworkAclId=default["NetworkAclId"])
    ec2.delete_network_acl(NetworkAclId=acl_id)


# ------------------------------------------------------------------------------ ENIs and instances


def test_network_interface_addresses_and_attributes(ec2: Any, vpc: dict[str, str]) -> None:
    eni = ec2.create_network_interface(SubnetId=vpc["subnet"], Description="app")["NetworkInterface"]
    assert eni["PrivateIpAddress"] == "10.1.1.4"  # the lowest free address after the four reserved
    assert eni["Groups"][0]["GroupName"] == "default" and eni["Status"] == "available"
    eni_id = eni["NetworkInterfaceId"]
    added = ec2.assign_private_ip_addresses(NetworkInterfaceId=eni_id, SecondaryPrivateIpAddressCount=2)
    assert [a["PrivateIpAddress"] for a in added["AssignedPrivateIpAddresses"]] == ["10.1.1.5", "10.1.1.6"]
    assert _code(ec2.create_network_interface, SubnetId=vpc["subnet"], PrivateIpAddress="10.1.1.5") == (
        "InvalidIPAddress.InUse"
    )
    assert _code(ec2.create_network_interface, SubnetId=vpc["subnet"], PrivateIpAddress="10.1.1.255") == (
        "InvalidParameterValue"
    )
    assert _code(ec2.create_network_interface, SubnetId=vpc["subnet"], PrivateIpAddress="10.1.2.9") == (
        "InvalidParameterValue"
    )
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.1.1.5"])
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
    shown = ec2.describe_network_interface_attribute(NetworkInterfaceId=eni_id, Attribute="sourceDestCheck")
    assert shown["SourceDestCheck"]["Value"] is False
    ec2.reset_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck="sourceDestCheck")
    (after,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    assert after["SourceDestCheck"] is True
    assert [a["PrivateIpAddress"] for a in after["PrivateIpAddresses"]] == ["10.1.1.4", "10.1.1.6"]
    groups = [
        ec2.create_security_group(GroupName=f"g{i}", Description="g", VpcId=vpc["vpc"])["GroupId"]
        for i in range(6)
    ]
    assert _code(ec2.modify_network_interface_attribute, NetworkInterfaceId=eni_id, Groups=groups) == (
        "SecurityGroupsPerInterfaceLimitExceeded"
    )
    elsewhere = ec2.create_security_group(GroupName="elsewhere", Description="default VPC")["GroupId"]
    assert _code(ec2.modify_network_interface_attribute, NetworkInterfaceId=eni_id, Groups=[elsewhere]) == (
        "InvalidParameter"
    )
    ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    assert (
        _code(ec2.describe_network_interfaces, NetworkInterfaceIds=[eni_id])
        == "InvalidNetworkInterfaceID.NotFound"
    )


def test_small_subnet_runs_out_of_addresses(ec2: Any, vpc: dict[str, str]) -> None:
    subnet = ec2.create_subnet(VpcId=vpc["vpc"], CidrBlock="10.1.9.0/28")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, SecondaryPrivateIpAddressCount=10)["NetworkInterface"]
    assert len(eni["PrivateIpAddresses"]) == 11  # a /28 holds 16 - 5 reserved
    assert _code(ec2.create_network_interface, SubnetId=subnet) == "InsufficientFreeAddressesInSubnet"


def test_instances_lifecycle(ec2: Any, vpc: dict[str, str], server: BackgroundServer) -> None:
    ec2.modify_subnet_attribute(SubnetId=vpc["subnet"], MapPublicIpOnLaunch={"Value": True})
    reservation = ec2.run_instances(ImageId="ami-1", MinCount=2, MaxCount=2, SubnetId=vpc["subnet"])
    first, second = reservation["Instances"]
    assert first["State"]["Name"] == "pending" and first["PublicIpAddress"] != second["PublicIpAddress"]
    assert first["NetworkInterfaces"][0]["Attachment"]["DeviceIndex"] == 0
    instance_id = first["InstanceId"]
    (running,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][:1]
    assert running["State"]["Name"] == "running" and running["PrivateIpAddress"] == first["PrivateIpAddress"]
    public = running["PublicIpAddress"]
    stopped = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
    assert (stopped["PreviousState"]["Name"], stopped["CurrentState"]["Name"]) == ("running", "stopping")
    (now,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][:1]
    assert now["State"]["Name"] == "stopped" and "PublicIpAddress" not in now
    ec2.start_instances(InstanceIds=[instance_id])
    (now,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][:1]
    assert now["State"]["Name"] == "running" and now["PublicIpAddress"] not in (None, public)
    ec2.modify_instance_attribute(InstanceId=instance_id, SourceDestCheck={"Value": False})
    attribute = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="sourceDestCheck")
    assert attribute["SourceDestCheck"]["Value"] is False
    eni_id = now["NetworkInterfaces"][0]["NetworkInterfaceId"]
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    assert eni["SourceDestCheck"] is False and eni["Attachment"]["InstanceId"] == instance_id
    assert (
        _code(ec2.detach_network_interface, AttachmentId=eni["Attachment"]["AttachmentId"])
        == "OperationNotPermitted"
    )
    extra = ec2.create_network_interface(SubnetId=vpc["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    attachment = ec2.attach_network_interface(NetworkInterfaceId=extra, InstanceId=instance_id, DeviceIndex=1)
    (now,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][:1]
    assert [n["NetworkInterfaceId"] for n in now["NetworkInterfaces"]] == [eni_id, extra]
    # the engine sees the state as AWS describes it: the stopped/started instance and its two ENIs
    network = vpcsim.load(server.url)
    assert network.instances[instance_id].state == "running"
    assert not network.network_interfaces[eni_id].source_dest_check
    ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])
    ended = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    assert ended["CurrentState"]["Name"] == "shutting-down"
    assert (
        _code(ec2.describe_network_interfaces, NetworkInterfaceIds=[eni_id])
        == "InvalidNetworkInterfaceID.NotFound"
    )
    assert _code(ec2.start_instances, InstanceIds=[instance_id]) == "IncorrectInstanceState"
    assert _code(ec2.describe_instances, InstanceIds=["i-0000000000000000f"]) == "InvalidInstanceID.NotFound"
    # the ENI kept (not deleted on termination) is free again, its address too
    (kept,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[extra])["NetworkInterfaces"]
    assert kept["Status"] == "available"


def test_run_instances_checks(ec2: Any, vpc: dict[str, str]) -> None:
    assert _code(
        ec2.run_instances, ImageId="ami-1", MinCount=1, MaxCount=1, SubnetId="subnet-0000000000000000f"
    ) == ("InvalidSubnetID.NotFound")
    assert (
        _code(
            ec2.run_instances,
            ImageId="ami-1",
            MinCount=1,
            MaxCount=1,
            SubnetId=vpc["subnet"],
            SecurityGroupIds=["sg-0000000000000000f"],
        )
        == "InvalidGroup.NotFound"
    )
    assert (
        _code(
            ec2.run_instances,
            ImageId="ami-1",
            MinCount=1,
            MaxCount=2,
            SubnetId=vpc["subnet"],
            PrivateIpAddress="10.1.1.50",
        )
        == "InvalidParameterCombination"
    )
    # no subnet: the default subnet of the default VPC
    launched = ec2.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1)["Instances"][0]
    assert launched["PrivateIpAddress"].startswith("172.31.") and "PublicIpAddress" in launched


def test_deleting_a_vpc_takes_its_default_group_rules(ec2: Any, server: BackgroundServer) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [default]}])[
        "SecurityGroupRules"
    ]
    ec2.delete_vpc(VpcId=vpc_id)
    rules = ec2.describe_security_group_rules()["SecurityGroupRules"]
    assert default not in {r["GroupId"] for r in rules}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vpcsim.load(server.url)
