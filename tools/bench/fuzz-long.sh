#!/usr/bin/env bash
# `npm run fuzz:long`: the gateway's two fuzzers, longer than `npm test` runs them, each with a fresh seed unless given:
# - the contract fuzzer (apps/gateway/test/contract-fuzz.test.ts, 12 runs in CI) with FUZZ_RUNS runs per operation
#   and input kind;
# - the raw-HTTP fuzzer (apps/gateway/test/raw-http-fuzz.test.ts, 1200 requests in CI) with RAW_FUZZ_REQUESTS requests.
set -euo pipefail
# fast-check and the raw fuzzer's generator take 32-bit seeds.
fresh_seed() { echo $(( $(od -An -N4 -tu4 /dev/urandom) % 2147483648 )); }
export FUZZ_RUNS="${FUZZ_RUNS:-2000}"
export FUZZ_SEED="${FUZZ_SEED:-$(fresh_seed)}"
export RAW_FUZZ_REQUESTS="${RAW_FUZZ_REQUESTS:-100000}"
export RAW_FUZZ_SEED="${RAW_FUZZ_SEED:-$(fresh_seed)}"
echo "contract fuzz: FUZZ_RUNS=$FUZZ_RUNS FUZZ_SEED=$FUZZ_SEED (both together repeat these inputs)"
echo "raw-HTTP fuzz: RAW_FUZZ_REQUESTS=$RAW_FUZZ_REQUESTS RAW_FUZZ_SEED=$RAW_FUZZ_SEED (both together repeat these bytes)"
cd "$(dirname "$0")/../../apps/gateway"
npx vitest run test/contract-fuzz.test.ts
npx vitest run test/raw-http-fuzz.test.ts
