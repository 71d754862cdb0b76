#!/usr/bin/env bash
# Install what vpcsim's live lab needs, from Debian's packages (docs/lab.md):
#   iproute2       ip netns, veth pairs, bridges, policy routing
#   nftables       security groups, network ACLs, the gateways' NAT
#   iputils-ping   ping inside instances (`vpcsim lab exec ... -- ping`)
#   netcat-openbsd nc inside instances (`vpcsim lab exec ... -- nc -zv ... 22`)
#   curl           curl inside instances (the tutorial's web server)
#   openssh-server a real sshd inside an instance (`vpcsim lab exec --ssh INSTANCE`); the host's
#                  own ssh service it brings is disabled again when this script installed it
#   dnsmasq-base   the VPC's resolver in the lab (its base + 2 and 169.254.169.253 answer the
#                  instances' private DNS names; docs/lab.md); the binary only, no host service
#   chromium       the web console's browser tests (Playwright drives it; tests/console/)
# The responders are part of vpcsim (Python): nothing else is needed.
#
# Idempotent and quiet: does nothing when every tool is there; prints apt's output only when
# the installation fails. CI runs it before `make test`. Without root it only says what is
# missing (the lab and browser tests then skip, or fail under CI=true).
set -euo pipefail

packages=()
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
command -v nft >/dev/null 2>&1 || packages+=(nftables)
command -v ping >/dev/null 2>&1 || packages+=(iputils-ping)
command -v nc >/dev/null 2>&1 || packages+=(netcat-openbsd)
command -v curl >/dev/null 2>&1 || packages+=(curl)
sshd_new=0
[ -x /usr/sbin/sshd ] || { packages+=(openssh-server); sshd_new=1; }
[ -x /usr/sbin/dnsmasq ] || packages+=(dnsmasq-base)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)

if [ "${#packages[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-lab-deps: not root; the live lab needs: ${packages[*]}" >&2
    exit 0
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-lab-deps: could not install ${packages[*]}" >&2
    exit 1
fi
if [ "$sshd_new" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
    # The lab starts sshd inside its namespaces only; the host gets no new listening service.
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
fi
