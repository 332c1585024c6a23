#!/usr/bin/env bash
# The main job from a fresh clone: set-up, bring the 3-region lab up, run a region-outage drill
# (traffic) and then the same outage against the database store (quorum-fenced failover, judged
# from the write history), printing both reports. The lab stays up; `npx meridian lab down`
# removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx meridian lab up
npx meridian drill region-outage --region "${1:-eu-west}"
# If that cut took the database primary's region, the store failed over and the old primary is
# fenced, waiting for an operator: bring it back as a standby before the database drill (in sync
# mode a new primary needs a standby in another region to commit at all).
store_json() { npx meridian db status --json; }
for region in $(store_json | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")).stores[0]; console.log(s.members.filter((m) => m.role === "primary" && m.region !== s.primary).map((m) => m.region).join(" "))'); do
  npx meridian db rejoin --store orders --region "$region"
done
for _ in $(seq 1 60); do
  store_json | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")).stores[0]; process.exit(s.members.every((m) => m.role === "primary" ? m.region === s.primary : m.streaming) ? 0 : 1)' && break
  sleep 1
done
primary=$(store_json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).stores[0].primary)')
npx meridian drill region-outage --store orders --region "$primary"
echo "The old primary ($primary) is fenced and marked for rejoin: 'npx meridian db rejoin --store orders --region $primary' brings it back as a standby."
echo "The lab is still up: try 'npx meridian status', 'npx meridian lab status'; remove it with 'npx meridian lab down'."
