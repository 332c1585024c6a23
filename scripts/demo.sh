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
primary=$(npx meridian db status --json | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log((s.stores ?? s)[0].primary)')
npx meridian drill region-outage --store orders --region "$primary"
echo "The old primary ($primary) is fenced and marked for rejoin: 'npx meridian db rejoin --store orders --region $primary' brings it back as a standby."
echo "The lab is still up: try 'npx meridian status', 'npx meridian lab status'; remove it with 'npx meridian lab down'."
