#!/usr/bin/env bash
# Installs everything Meridian needs on a fresh Debian machine (Node 20 already there):
# the Debian packages for the lab, tests and benchmarks, then the npm dependencies.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages and why: iproute2 (network namespaces), bind9-dnsutils (dig), curl,
# postgresql (real streaming replication), etcd-server/etcd-client (quorum), dnsperf + bind9 +
# knot + pdns-server + patroni (benchmark references), util-linux (taskset, runuser, setpriv), procps, psmisc,
# time (GNU time: CPU seconds and peak memory of the commands the CLI benchmark runs), openssl
# (the lab's CA and the agents' peer certificates for mutual TLS), chromium (the dashboard and
# report tests drive it headless through playwright-core).
APT_PACKAGES=(iproute2 bind9-dnsutils curl postgresql etcd-server etcd-client dnsperf bind9 knot prometheus
  pdns-server pdns-backend-bind patroni util-linux procps psmisc iptables ca-certificates time openssl chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies"
  npm ci --no-fund --no-audit --loglevel=error
fi

# The batched UDP transport of the DNS server (native/udp-batch; without it agents fall back to node:dgram).
npm run --silent build:native >/dev/null

# The compiled CLI and agent (dist/). bin/meridian.js runs it while it is newer than every file
# under src/, and the sources through tsx otherwise: an edit never runs stale code.
npm run --silent build
