#!/usr/bin/env bash
# gpt2j vs llama-bench on the K-quant presets (issue 15): the GPT-2 124M shape with random weights, the same GGUF file
# for both engines, written by `gpt2j quantize --type T` (byte-identical to llama-quantize's file for that preset).
# Prints a markdown table (tokens/s, mean ± sd over all repetitions, and each round's ratio) on stdout.
#
#   LLAMA_CPP=/tmp/llama.cpp tools/perf/kquants.sh > /tmp/kquants.md
#
# Optional: TYPES (default "q4_k_m q5_k_m q6_k"), THREADS (default "1 2"), REPS (default 3), ROUNDS (default 2; the
# two engines run back to back, alternating which goes first), PERF_WORK (default build-out/perf), GPT2J (./gpt2j).
# About 4 minutes on an idle 2-core machine.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$root"
bin=${LLAMA_CPP:-/tmp/llama.cpp}/build/bin
work=${PERF_WORK:-$root/build-out/perf}
types=${TYPES:-"q4_k_m q5_k_m q6_k"}
threads=${THREADS:-"1 2"}
reps=${REPS:-3}
rounds=${ROUNDS:-2}
gpt2j=${GPT2J:-./gpt2j}
py=/usr/bin/python3
[ -x "$bin/llama-bench" ] || { echo "kquants.sh: $bin/llama-bench not found (set LLAMA_CPP)" >&2; exit 1; }
res=$work/kquants
mkdir -p "$res"
rm -f "$res"/*.json
model=$work/gpt2-random
[ -f "$model/model.safetensors" ] || $py tools/make_fixtures.py --shape gpt2 --out "$model"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for t in $types; do
  [ -f "$work/gpt2-$t.gguf" ] || "$gpt2j" quantize -m "$model" --type "$t" -o "$work/gpt2-$t.gguf" 2>/dev/null
done
for n in $threads; do
  for t in $types; do
    for r in $(seq "$rounds"); do
      echo "kquants.sh: $t, $n thread(s), round $r" >&2
      g() { "$gpt2j" bench -m "$work/gpt2-$t.gguf" -p 128 -n 64 -t "$n" -r "$reps" --output json > "$res/gpt2j-$t-t$n-r$r.json" 2>/dev/null; }
      l() { "$bin/llama-bench" -m "$work/gpt2-$t.gguf" -p 128 -n 64 -t "$n" -r "$reps" -o json > "$res/llama-$t-t$n-r$r.json" 2>/dev/null; }
      if [ $((r % 2)) -eq 1 ]; then g; l; else l; g; fi
    done
  done
done
$py - "$res" "$types" "$threads" "$rounds" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(git -C "$(dirname "$gpt2j")" rev-parse --short HEAD)" <<'PY'
import json, statistics, sys
res, types, threads, rounds, before, after, commit = sys.argv[1:]
def rows(engine, t, n, r, test):
    d = json.load(open(f"{res}/{engine}-{t}-t{n}-r{r}.json"))
    for x in d:
        if (test == "pp128" and x["n_prompt"] == 128 and x["n_gen"] == 0) or (test == "tg64" and x["n_gen"] == 64 and x["n_prompt"] == 0):
            return x["samples_ts"]
    return []
print(f"gpt2j {commit}, load average {before} before, {after} after; tokens/s, mean ± sd of all repetitions.\n")
print("| type | threads | test | gpt2j | llama.cpp | gpt2j / llama.cpp | per round |")
print("|---|---|---|---|---|---|---|")
for t in types.split():
    for n in threads.split():
        for test in ("pp128", "tg64"):
            g, l, per = [], [], []
            for r in range(1, int(rounds) + 1):
                gs, ls = rows("gpt2j", t, n, r, test), rows("llama", t, n, r, test)
                g += gs; l += ls
                if gs and ls: per.append(f"{statistics.mean(gs) / statistics.mean(ls):.2f}")
            f = lambda s: f"{statistics.mean(s):.2f} ± {statistics.pstdev(s):.2f}" if s else "n/a"
            ratio = f"{statistics.mean(g) / statistics.mean(l):.2f}" if g and l else "n/a"
            print(f"| {t} | {n} | {test} | {f(g)} | {f(l)} | {ratio} | {', '.join(per)} |")
PY
