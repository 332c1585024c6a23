#!/usr/bin/env bash
# The chaos soak: many seeded fault rounds against the lab, in sync and in async mode, each mode
# in a lab of its own built from the topology `meridian init` writes. A report per seed lands in
# SOAK_OUT (default .soak/<date>/<mode>-s<seed>/: report.json, report.html, history.json) and a
# summary line per seed on stdout. Exit 1 if any seed fails.
#   npm run soak                                  # 4 seeds x 10 rounds per mode (80 rounds)
#   SOAK_SEEDS="3 4" SOAK_ROUNDS=20 npm run soak  # your own
# Needs root on Linux (network namespaces). Run alone: only one lab runs per machine.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SOAK_SEEDS:-"101 202 303 404"}
rounds=${SOAK_ROUNDS:-10}
out=${SOAK_OUT:-.soak/$(date -u +%Y%m%dT%H%M%SZ)}
export MERIDIAN_LAB_DIR=${MERIDIAN_LAB_DIR:-/run/meridian/soak}
mkdir -p "$out"
meridian() { node bin/meridian.js "$@"; }
trap 'meridian lab down >/dev/null 2>&1 || true' EXIT
failed=0
for mode in sync async; do
  meridian init -o "$out/topology-$mode.yaml" --force >/dev/null
  sed -i "s/replication: sync/replication: $mode/" "$out/topology-$mode.yaml"
  meridian lab down >/dev/null 2>&1 || true
  meridian lab up -f "$out/topology-$mode.yaml" >/dev/null
  for seed in $seeds; do
    dir="$out/$mode-s$seed"
    if meridian drill chaos --store orders --rounds "$rounds" --seed "$seed" --mode "$mode" --rate 10 --out "$dir" > "$dir.txt" 2>&1; then verdict=PASS; else verdict=FAIL; failed=1; fi
    node -e '
      const r = require(process.argv[1]);
      const conv = r.rounds.filter((x) => x.converged).map((x) => x.convergeMs).sort((a, b) => a - b);
      const p = (q) => conv.length ? (conv[Math.min(conv.length - 1, Math.floor(q * conv.length))] / 1000).toFixed(1) + " s" : "-";
      console.log(`${process.argv[2]} seed ${process.argv[3]}: ${process.argv[4]}; ${conv.length}/${r.rounds.length} rounds converged (p50 ${p(0.5)}, max ${p(0.999)}); lost ${r.lostAckedWrites.count}, zombie acks ${r.zombieAcks.count}, duplicates ${r.duplicates.count}`);
    ' "$PWD/$dir/report.json" "$mode" "$seed" "$verdict" || echo "$mode seed $seed: $verdict (no report: see $dir.txt)"
  done
  meridian lab down >/dev/null
done
exit $failed
