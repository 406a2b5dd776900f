#!/usr/bin/env bash
# Interleaved A/B of `gpt2j bench`: the commit BASE (default main) against the working tree, ROUNDS rounds
# (default 3), each round running A then B back to back, so load from elsewhere hits both alike.
#   tools/perf/ab.sh [BASE] [bench options...]     e.g. tools/perf/ab.sh main -m build-out/gpt2-q8_0.gguf -t 2
# Prints each run's rows (JSON, one per line, tagged "ab": "A" or "B") on stdout; build logs on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=${1:-main}
[ $# -gt 0 ] && shift
rounds=${ROUNDS:-3}
. "$root/tools/perf/ab_jars.sh"
for ((r = 1; r <= rounds; r++)); do
  for side in A B; do
    jar=$work/a.jar
    [ $side = B ] && jar=$work/b.jar
    GPT2J_CLASSPATH=$jar "$root/gpt2j" bench -o json "$@" 2>/dev/null \
      | python3 -c 'import json,sys
for row in json.load(sys.stdin):
    row["ab"] = sys.argv[1]; row["round"] = int(sys.argv[2]); print(json.dumps(row))' "$side" "$r"
  done
done
