#!/usr/bin/env bash
# gpt2j serve vs llama-server on the same GGUF file and thread count, back to back, loopback only.
#   LLAMA_CPP=/path/to/llama.cpp tools/perf/serve_compare.sh MODEL.gguf [THREADS] [ROUNDS]
# Each round starts one server, runs tools/perf/serve_load.py (1, 4 and 8 concurrent streaming clients, 4 requests
# each, 64 tokens, greedy), stops it, then the other (the order alternates between rounds). Prints JSON lines, keeps
# them in build-out/perf/results/serve.jsonl, and ends with docs/PERFORMANCE.md's table (serve_table.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=${1:?usage: serve_compare.sh MODEL.gguf [THREADS] [ROUNDS]}
threads=${2:-2}
rounds=${3:-1}
llama=${LLAMA_CPP:?set LLAMA_CPP to a llama.cpp checkout with build/bin/llama-server}
wait_up() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.2; done; return 1; }
# Each engine has its own port, so a server still shutting down never answers for the next one.
run_gpt2j() {
  port=18181
  "$root/gpt2j" serve -m "$model" --port $port -np 8 -c 512 -t "$threads" 2>/dev/null & pid=$!
  wait_up; python3 "$root/tools/perf/serve_load.py" --url "http://127.0.0.1:$port" --label gpt2j
  kill -TERM $pid; wait $pid || true
}
run_llama() {
  port=18182
  "$llama/build/bin/llama-server" -m "$model" --port $port -np 8 -c 4096 -t "$threads" -tb "$threads" \
    --no-webui >/dev/null 2>&1 & pid=$!
  wait_up; python3 "$root/tools/perf/serve_load.py" --url "http://127.0.0.1:$port" --label llama-server
  kill -TERM $pid; wait $pid || true
}
results=$root/build-out/perf/results
mkdir -p "$results"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run_gpt2j; run_llama; else run_llama; run_gpt2j; fi
done | tee "$results/serve.jsonl"
python3 "$root/tools/perf/serve_table.py" "$results/serve.jsonl"
