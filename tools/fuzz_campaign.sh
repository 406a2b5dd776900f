#!/usr/bin/env bash
# The fuzz campaign of docs/RELIABILITY.md: every target, one after another, until 1 million executions each (or
# SECONDS per target, default 1200). Each line of target/fuzz-campaign.txt is tools/fuzz.sh's summary for one target.
# Usage: nice -n 19 tools/fuzz_campaign.sh [SECONDS] [TARGET-FILTER]   (one campaign at a time on a shared machine)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-1200} filter=${2:-}
targets=(
    "tokenizer Gpt2TokenizerFuzzTest#roundTrip"
    "tokenizer Gpt2TokenizerFuzzTest#decode"
    "weights TokenizerFilesFuzzTest#vocabAndMerges"
    "weights TokenizerFilesFuzzTest#tokenizerJson"
    "weights HfConfigFuzzTest#parse"
    "weights GgufFuzzTest#file"
    "weights GgufFuzzTest#checkpoint"
    "weights GgufWriterFuzzTest#roundTrip"
    "weights SafetensorsFuzzTest#file"
    "weights SafetensorsFuzzTest#checkpoint"
    "weights SafetensorsFuzzTest#index"
    "weights PytorchFuzzTest#file"
    "weights HubClientFuzzTest#headers"
    "server CompletionRequestFuzzTest#parse"
)
mkdir -p "$root/target"
out="$root/target/fuzz-campaign.txt"
# Build once; each target then finds its classes up to date (a few seconds of Maven per target).
"$root/tools/mvn" -q -o test-compile >/dev/null 2>&1 || { echo "gpt2j: build failed" >&2; exit 1; }
for t in "${targets[@]}"; do
    [[ -z "$filter" || "$t" == *"$filter"* ]] || continue
    start=$(date -u +%FT%TZ)
    line=$(FUZZ_RUNS=${FUZZ_RUNS:-1000000} "$root/tools/fuzz.sh" $t "$seconds" | head -1)
    echo "$start $line" | tee -a "$out"
done
# The table in docs/RELIABILITY.md, from the last line of each target (python3 tools/fuzz_report.py).
python3 "$root/tools/fuzz_report.py" "$out" "$root/docs/RELIABILITY.md"
