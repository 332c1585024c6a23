#!/usr/bin/env bash
# The main job from a fresh clone: set-up, bring the 3-region lab up, run a region-outage drill
# and print its report. The lab stays up afterwards; `npx meridian lab down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx meridian lab up
npx meridian drill region-outage --region "${1:-eu-west}"
echo "The lab is still up: try 'npx meridian status', 'npx meridian lab status'; remove it with 'npx meridian lab down'."
