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
# If that cut took the database primary's region, the store failed over, and the reconciler
# brings the old primary back as a standby by itself (pg_rewind) once its region is back. The
# database drill starts from a whole store: wait until every member streams from the primary.
store_json() { npx meridian db status --json; }
whole() {
  store_json | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")).stores[0]; process.exit(s.members.every((m) => m.role === "primary" ? m.region === s.primary : m.streaming) ? 0 : 1)'
}
for _ in $(seq 1 90); do whole && break; sleep 1; done
if ! whole; then
  echo "the store did not become whole within 90 s after the traffic drill:" >&2
  npx meridian db status >&2 || true
  exit 1
fi
primary=$(store_json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).stores[0].primary)')
npx meridian drill region-outage --store orders --region "$primary"
echo "The old primary ($primary) is fenced; the reconciler rebuilds it as a standby once its region is back ('npx meridian db status' shows it streaming again)."
echo "The lab is still up: try 'npx meridian status', 'npx meridian lab status'; remove it with 'npx meridian lab down'."
