#!/bin/sh
# The tutorial's network ("Networking - AWS": a VPC, a public and a private subnet, an internet
# gateway, a NAT gateway, a bastion and a private app) built with the AWS CLI against
# `vpcsim serve`, then questioned with Reachability Analyzer's API -- each answer checked against
# `vpcsim trace` on the same state -- and, when the server runs with `--lab`, used for real: SSH to
# the bastion from the internet, from the bastion to the app by its private DNS name, curl out
# through the NAT gateway. docs/serve.md explains it; tests/serve/test_tutorial_awscli.py runs it.
#
#   vpcsim serve --state :memory: &                       # another terminal is fine too
#   sh docs/tutorial-awscli.sh                            # build + analyses
#
#   sudo vpcsim serve --lab --lab-name serve --state :memory: &
#   sudo LAB=serve sh docs/tutorial-awscli.sh             # ... and connect for real (root)
#
# Settings (environment): ENDPOINT (http://127.0.0.1:4566), LAB (a lab name: the lab part runs
# only when it is set), AWS (the `aws` command), VPCSIM (the `vpcsim` command), PYTHON (python3,
# reads `vpcsim trace --json`). Credentials default to testing ones (the server does not check
# them unless started with --verify-signatures); the region is us-east-1.
#
# Every check prints "ok: ..." or "FAIL: ..." and the script exits 1 at the first failure.
# Lines starting with "RESULT" are for machines (the test reads them).
set -eu

ENDPOINT=${ENDPOINT:-http://127.0.0.1:4566}
AWS=${AWS:-aws}
VPCSIM=${VPCSIM:-vpcsim}
PYTHON=${PYTHON:-python3}
LAB=${LAB:-}
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_PAGER=""

ec2() { "$AWS" --endpoint-url "$ENDPOINT" --output text ec2 "$@"; }
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; exit 1; }
tags() { echo "ResourceType=$1,Tags=[{Key=Name,Value=$2}]"; }

# ---------------------------------------------------------------------------- the network

echo "== building the tutorial's network through $ENDPOINT"
VPC=$(ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications "$(tags vpc tutorial)" \
    --query Vpc.VpcId)
# As the console's "VPC and more" does: instances get DNS names the VPC's resolver answers.
ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-hostnames '{"Value":true}'
PUBLIC=$(ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.1.0/24 \
    --tag-specifications "$(tags subnet public)" --query Subnet.SubnetId)
PRIVATE=$(ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.2.0/24 \
    --tag-specifications "$(tags subnet private)" --query Subnet.SubnetId)

# The public subnet: a route to an internet gateway.
IGW=$(ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC"
PUBLIC_RT=$(ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
ec2 create-route --route-table-id "$PUBLIC_RT" --destination-cidr-block 0.0.0.0/0 \
    --gateway-id "$IGW" >/dev/null
ec2 associate-route-table --route-table-id "$PUBLIC_RT" --subnet-id "$PUBLIC" >/dev/null

# The private subnet: out through a NAT gateway (with an Elastic IP) in the public subnet.
EIP=$(ec2 allocate-address --domain vpc --query AllocationId)
NAT=$(ec2 create-nat-gateway --subnet-id "$PUBLIC" --allocation-id "$EIP" \
    --query NatGateway.NatGatewayId)
ec2 wait nat-gateway-available --nat-gateway-ids "$NAT"
NAT_IP=$(ec2 describe-nat-gateways --nat-gateway-ids "$NAT" \
    --query 'NatGateways[0].NatGatewayAddresses[0].PublicIp')
PRIVATE_RT=$(ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
ec2 create-route --route-table-id "$PRIVATE_RT" --destination-cidr-block 0.0.0.0/0 \
    --nat-gateway-id "$NAT" >/dev/null
ec2 associate-route-table --route-table-id "$PRIVATE_RT" --subnet-id "$PRIVATE" >/dev/null

# Network ACLs are stateless: the public subnet's lets SSH in, the replies to what its hosts
# (the bastion, the NAT gateway) opened outside, and anything from the VPC; everything out.
ACL=$(ec2 create-network-acl --vpc-id "$VPC" --tag-specifications "$(tags network-acl public)" \
    --query NetworkAcl.NetworkAclId)
ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 100 --protocol tcp \
    --port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action allow
ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 110 --protocol tcp \
    --port-range From=1024,To=65535 --cidr-block 0.0.0.0/0 --rule-action allow
ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 120 --protocol -1 \
    --cidr-block 10.0.0.0/16 --rule-action allow
ec2 create-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 100 --protocol -1 \
    --cidr-block 0.0.0.0/0 --rule-action allow
ASSOCIATION=$(ec2 describe-network-acls --filters "Name=association.subnet-id,Values=$PUBLIC" \
    --query "NetworkAcls[0].Associations[?SubnetId=='$PUBLIC'].NetworkAclAssociationId")
ec2 replace-network-acl-association --association-id "$ASSOCIATION" --network-acl-id "$ACL" >/dev/null

# Security groups: SSH to the bastion from anywhere; to the app from the bastion's group only.
BASTION_SG=$(ec2 create-security-group --group-name bastion --description "ssh from anywhere" \
    --vpc-id "$VPC" --query GroupId)
ec2 authorize-security-group-ingress --group-id "$BASTION_SG" --protocol tcp --port 22 \
    --cidr 0.0.0.0/0 >/dev/null
APP_SG=$(ec2 create-security-group --group-name app --description "ssh from the bastion" \
    --vpc-id "$VPC" --query GroupId)
ec2 authorize-security-group-ingress --group-id "$APP_SG" --protocol tcp --port 22 \
    --source-group "$BASTION_SG" >/dev/null

launch() { # NAME SUBNET GROUP PUBLIC-IP(true|false)
    ec2 run-instances --image-id ami-12345678 --count 1 --instance-type t3.micro \
        --network-interfaces "[{\"DeviceIndex\":0,\"SubnetId\":\"$2\",\"Groups\":[\"$3\"],\"AssociatePublicIpAddress\":$4}]" \
        --tag-specifications "$(tags instance "$1")" --query 'Instances[0].InstanceId'
}
BASTION=$(launch bastion "$PUBLIC" "$BASTION_SG" true)
APP=$(launch app "$PRIVATE" "$APP_SG" false)
ec2 wait instance-running --instance-ids "$BASTION" "$APP"
BASTION_IP=$(ec2 describe-instances --instance-ids "$BASTION" \
    --query 'Reservations[0].Instances[0].PublicIpAddress')
APP_ADDRESSES=$(ec2 describe-instances --instance-ids "$APP" \
    --query 'Reservations[0].Instances[0].[PrivateIpAddress, PrivateDnsName]')
APP_IP=$(echo "$APP_ADDRESSES" | cut -f1)
APP_NAME=$(echo "$APP_ADDRESSES" | cut -f2)
echo "RESULT ids vpc=$VPC igw=$IGW nat=$NAT bastion=$BASTION app=$APP acl=$ACL"
echo "RESULT addresses bastion_public=$BASTION_IP app_private=$APP_IP app_name=$APP_NAME nat_public=$NAT_IP"
ok "built: $VPC, bastion $BASTION ($BASTION_IP), app $APP ($APP_IP, $APP_NAME), NAT $NAT ($NAT_IP)"

# ---------------------------------------------------------------------------- Reachability Analyzer

# analyse LABEL SOURCE DESTINATION PORT TRACE-FROM TRACE-TO EXPECTED(true|false)
# DESTINATION is a resource id, or an address (--destination-ip). The analysis's answer and its
# explanation codes must be vpcsim trace's on the same state, and the expected one.
analyse() {
    case $3 in
        [0-9]*) to="--destination-ip $3" ;;
        *) to="--destination $3" ;;
    esac
    # shellcheck disable=SC2086  # $to is two words
    path=$(ec2 create-network-insights-path --source "$2" $to --protocol tcp \
        --destination-port "$4" --query NetworkInsightsPath.NetworkInsightsPathId)
    analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$path" \
        --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId)
    answer=$(ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
        --query 'NetworkInsightsAnalyses[0].[Status, NetworkPathFound, join(`,`, Explanations[].ExplanationCode || `[]`)]')
    status=$(echo "$answer" | cut -f1)
    found=$(echo "$answer" | cut -f2 | tr '[:upper:]' '[:lower:]')
    codes=$(echo "$answer" | cut -f3)
    traced=$("$VPCSIM" trace "$ENDPOINT" --from "$5" --to "$6" --port "$4" --json || true)
    verdict=$(printf '%s' "$traced" | "$PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
print(str(t["reachable"]).lower(), ",".join(b["code"] for b in t["blockers"]))')
    trace_found=${verdict%% *}
    trace_codes=${verdict#* }
    [ "$trace_codes" = "$trace_found" ] && trace_codes=""
    echo "RESULT analysis $1 status=$status found=$found codes=$codes trace_found=$trace_found trace_codes=$trace_codes"
    [ "$status" = succeeded ] || fail "$1: the analysis did not succeed ($status)"
    [ "$found" = "$trace_found" ] || fail "$1: Reachability Analyzer says $found, vpcsim trace $trace_found"
    [ "$codes" = "$trace_codes" ] || fail "$1: explanations '$codes', vpcsim trace '$trace_codes'"
    [ "$found" = "$7" ] || fail "$1: path found is $found, the tutorial expects $7"
    ok "$1: path found $found${codes:+ ($codes)}, as vpcsim trace says"
}

echo "== Reachability Analyzer, checked against vpcsim trace"
analyse internet-bastion-22 "$IGW" "$BASTION" 22 internet "$BASTION" true
analyse bastion-app-22 "$BASTION" "$APP" 22 "$BASTION" "$APP" true
analyse internet-app-22 "$IGW" "$APP" 22 internet "$APP" false
analyse bastion-app-80 "$BASTION" "$APP" 80 "$BASTION" "$APP" false
analyse app-internet-443 "$APP" 8.8.8.8 443 "$APP" internet:8.8.8.8 true

# The tutorial's experiment: the ACL's outbound rule changed to deny, the replies of the SSH
# handshake cannot leave the subnet -- the bastion is cut off although SSH may come in.
ec2 replace-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 100 --protocol -1 \
    --cidr-block 0.0.0.0/0 --rule-action deny
analyse acl-denies-replies "$IGW" "$BASTION" 22 internet "$BASTION" false
ec2 replace-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 100 --protocol -1 \
    --cidr-block 0.0.0.0/0 --rule-action allow
analyse acl-restored "$IGW" "$BASTION" 22 internet "$BASTION" true

if [ -z "$LAB" ]; then
    echo "RESULT done lab=no"
    ok "done (set LAB=<lab name> with a server started with --lab, as root, to connect for real)"
    exit 0
fi

# ---------------------------------------------------------------------------- for real: the lab

echo "== connecting for real in lab $LAB"
lab() { "$VPCSIM" lab exec --name "$LAB" "$@"; }
KEY=/run/vpcsim/ssh-$LAB/id_ed25519
SSH="ssh -i $KEY -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
lab --ssh bastion >/dev/null
lab --ssh app >/dev/null

# SSH from the internet to the bastion's public address: the shell is on the bastion.
seen=$(lab internet -- $SSH "root@$BASTION_IP" hostname -I | xargs) || fail "ssh to the bastion from the internet"
echo "RESULT ssh internet-bastion addresses=$seen"
case " $seen " in *" 10.0.1."*) ok "ssh root@$BASTION_IP from the internet: on the bastion ($seen)" ;;
    *) fail "ssh to the bastion landed on $seen" ;; esac

# From the bastion to the app by its private DNS name: the VPC's resolver answers it.
seen=$(lab internet -- $SSH "root@$BASTION_IP" "$SSH root@$APP_NAME hostname -I" | xargs) \
    || fail "ssh from the bastion to $APP_NAME"
echo "RESULT ssh bastion-app addresses=$seen"
case " $seen " in *" $APP_IP "*) ok "ssh root@$APP_NAME from the bastion: on the app ($seen)" ;;
    *) fail "ssh to $APP_NAME landed on $seen" ;; esac
resolved=$(lab app -- getent hosts "$APP_NAME" | cut -d' ' -f1)
reverse=$(lab app -- getent hosts "$APP_IP" | tr -s ' ' | cut -d' ' -f2)
echo "RESULT dns name=$APP_NAME address=$resolved reverse=$reverse"
[ "$resolved" = "$APP_IP" ] && [ "$reverse" = "$APP_NAME" ] \
    || fail "the VPC resolver: $APP_NAME -> '$resolved', $APP_IP -> '$reverse'"
ok "the VPC resolver: $APP_NAME is $APP_IP and back"

# Not from the internet: the app has no public address.
if lab internet -- $SSH "root@$APP_IP" true 2>/dev/null; then fail "ssh to the app from the internet"; fi
echo "RESULT ssh internet-app refused"
ok "ssh root@$APP_IP from the internet: no way in"

# curl out through the NAT gateway: a web server on an internet host logs the NAT's address.
www=$(mktemp -d)
log=$www.log
lab internet -- timeout 20 "$PYTHON" -m http.server 8081 --bind 198.51.100.1 --directory "$www" \
    >/dev/null 2>"$log" &
server=$!
answer=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
    answer=$(lab app -- curl -s -m 3 -o /dev/null -w '%{http_code}' http://198.51.100.1:8081/) && break
    sleep 0.5
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
source_seen=$(grep -o '^[0-9.]* ' "$log" | head -n1 | tr -d ' ')
rm -rf "$www" "$log"
echo "RESULT curl app-internet status=$answer source=$source_seen"
[ "$answer" = 200 ] || fail "curl from the app to the internet: HTTP '$answer'"
[ "$source_seen" = "$NAT_IP" ] || fail "the internet saw the app as '$source_seen', not the NAT gateway's $NAT_IP"
ok "curl from the app: HTTP 200, the internet host saw $source_seen (the NAT gateway's Elastic IP)"

echo "RESULT done lab=yes"
ok "done"
