#!/usr/bin/env bash
# Runs one fuzz target as a fuzzer (Jazzer) for a set time and prints its executions.
# Usage: tools/fuzz.sh MODULE CLASS#METHOD SECONDS     e.g. tools/fuzz.sh weights GgufFuzzTest#checkpoint 600
# FUZZ_RUNS=N stops after N executions instead (SECONDS still caps the time). tools/fuzz_campaign.sh runs them all.
# Without JAZZER_FUZZ, `tools/mvn test` only replays each target's corpus (src/test/resources/<pkg>/<Class>Inputs/);
# here a crash is written into that directory, to be fixed and committed as a regression input. The corpus the
# fuzzer grows lives in MODULE/.cifuzz-corpus/ (ignored by git). The log goes to target/fuzz-<target>.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 3 ] || { echo "usage: tools/fuzz.sh MODULE CLASS#METHOD SECONDS" >&2; exit 2; }
module=$1 target=$2 seconds=$3
log="$root/target/fuzz-${target//#/-}.log"
mkdir -p "$root/target"
set +e
# The test phase with -am takes the modules it depends on from this tree's target/classes; a bare surefire:test
# goal would not (Maven resolves them from ~/.m2 then, a stale `mvn install` or none). Only $target runs.
env JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" ${FUZZ_RUNS:+JAZZER_MAX_EXECUTIONS=$FUZZ_RUNS} \
    "$root/tools/mvn" -o test -pl "$module" -am \
    -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1
rc=$?
set -e
# libFuzzer's last line: "Done N runs in S second(s)"; a finding stops it early with "crash-..." and a non-zero rc.
runs=$(grep -ao 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 || true)
# the last status line: coverage (edges), features, corpus size, exec/s
stats=$(grep -ao 'cov: [0-9]* ft: [0-9]* corp: [0-9/]*[A-Za-z]* .*exec/s: [0-9]*' "$log" | tail -1 \
    | sed -E 's/^(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*(exec\/s: [0-9]+).*/\1 \2/' || true)
echo "$target: ${runs:-no libFuzzer summary (see $log)}; ${stats:-no stats}; exit $rc"
grep -a 'crash-\|Exception\|Error:' "$log" | grep -v '^\[INFO\]' | head -5 || true
exit $rc
