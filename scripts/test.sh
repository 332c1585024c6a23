#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up, type-check, lint, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MERIDIAN_LOG_LEVEL="${MERIDIAN_LOG_LEVEL:-silent}"
npm test
