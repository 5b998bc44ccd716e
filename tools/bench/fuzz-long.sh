#!/usr/bin/env bash
# `npm run fuzz:long`: the gateway's contract fuzzer (apps/gateway/test/contract-fuzz.test.ts, the one `npm test`
# runs with 12 runs) with FUZZ_RUNS runs per operation and input kind, and a fresh seed unless FUZZ_SEED is given.
set -euo pipefail
export FUZZ_RUNS="${FUZZ_RUNS:-2000}"
# fast-check seeds are 32-bit signed integers.
export FUZZ_SEED="${FUZZ_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 2147483648 ))}"
echo "contract fuzz: FUZZ_RUNS=$FUZZ_RUNS FUZZ_SEED=$FUZZ_SEED (both together repeat these inputs)"
cd "$(dirname "$0")/../../apps/gateway"
exec npx vitest run test/contract-fuzz.test.ts
