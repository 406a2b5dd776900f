#!/usr/bin/env bash
# Interleaved A/B of `gpt2j serve` under load: the commit BASE (default main) against the working tree, ROUNDS rounds
# (default 3), each round serving A then B back to back (the order alternates between rounds), so load from elsewhere
# hits both alike. Each side runs tools/perf/serve_load.py (CLIENTS, default 1,8; 4 streaming greedy requests of 64
# tokens per client) on loopback.
#   tools/perf/serve_ab.sh [BASE] MODEL.gguf [THREADS]     e.g. tools/perf/serve_ab.sh main build-out/gpt2-q8_0.gguf 2
# Prints one JSON line per side and level on stdout (tagged "ab": "A" or "B", and "round"), then the median tokens/s
# of each side per level and B/A; build logs on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=${1:-main}
model=${2:?usage: serve_ab.sh [BASE] MODEL.gguf [THREADS]}
threads=${3:-2}
rounds=${ROUNDS:-3}
clients=${CLIENTS:-1,8}
. "$root/tools/perf/ab_jars.sh"
port=18183
side() {
  local jar=$work/a.jar
  [ "$1" = B ] && jar=$work/b.jar
  GPT2J_CLASSPATH=$jar "$root/gpt2j" serve -m "$model" --port $port -np 8 -c 512 -t "$threads" 2>/dev/null &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  python3 "$root/tools/perf/serve_load.py" --url "http://127.0.0.1:$port" --clients "$clients" --label "$1" \
    | python3 -c 'import json,sys
for line in sys.stdin:
    r = json.loads(line); r["ab"] = r.pop("label"); r["round"] = int(sys.argv[1]); print(json.dumps(r), flush=True)' "$2"
  kill -TERM $pid; wait $pid || true
}
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then side A $r; side B $r; else side B $r; side A $r; fi
done | tee "$work/ab.jsonl"
python3 - "$work/ab.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for c in sorted({r["clients"] for r in rows}):
    m = {s: statistics.median(r["tokens_per_s"] for r in rows if r["clients"] == c and r["ab"] == s) for s in "AB"}
    print(f"clients {c}: A {m['A']:.1f} tok/s, B {m['B']:.1f} tok/s, B/A {m['B'] / m['A']:.3f}")
PY
