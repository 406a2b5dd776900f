#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md: gpt2j vs llama.cpp vs PyTorch on GPT-2 shapes with random weights, back to back.
#
#   LLAMA_CPP=/path/to/llama.cpp tools/perf/performance.sh
#
# LLAMA_CPP is a llama.cpp checkout built with llama-bench and llama-cli in build/bin (not part of this repository).
# Optional: SIZES (GPT-2 shapes, default "gpt2" = 124M; all four: "gpt2 gpt2-medium gpt2-large gpt2-xl", the 124M,
# 355M, 774M and 1.5B shapes: ~27 GB of files in PERF_WORK, made once), TORCH_SIZES (the sizes PyTorch also runs,
# default "gpt2"), TYPES (default "f32 q8_0 q4_0 q4_k_m q5_k_m q6_k": the files `gpt2j quantize --type T` writes, the
# K-quants as llama-quantize's presets), REPS (repetitions per round, default 3), ROUNDS (default 2), THREADS (default
# "1 2"), PERF_WORK (default
# build-out/perf: models and raw results), GPT2J (default ./gpt2j; e.g. the launcher of a fresh `git clone` of this
# repository, so that edits in progress in this working tree cannot break or change the run, and its commit is named).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$root"
llama=${LLAMA_CPP:-/tmp/llama.cpp}
bin=$llama/build/bin
work=${PERF_WORK:-$root/build-out/perf}
reps=${REPS:-3}
rounds=${ROUNDS:-2}
threads=${THREADS:-"1 2"}
sizes=${SIZES:-gpt2}
torch_sizes=${TORCH_SIZES:-gpt2}
types=${TYPES:-"f32 q8_0 q4_0 q4_k_m q5_k_m q6_k"}
for t in $types; do
  case "$t" in f32|q8_0|q4_0|q4_k_m|q5_k_m|q6_k) ;;
    *) echo "performance.sh: unknown type '$t' (f32, q8_0, q4_0, q4_k_m, q5_k_m, q6_k)" >&2; exit 1 ;; esac
done
for s in $sizes; do
  case "$s" in gpt2|gpt2-medium|gpt2-large|gpt2-xl) ;;
    *) echo "performance.sh: unknown size '$s' (gpt2, gpt2-medium, gpt2-large, gpt2-xl)" >&2; exit 1 ;; esac
done
res=$work/results
gpt2j=${GPT2J:-./gpt2j}
gpt2j_src=$(cd "$(dirname "$gpt2j")" && pwd)
py=/usr/bin/python3
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
prompt="The quick brown fox jumps over the lazy dog because"
for b in llama-bench llama-cli; do
  [ -x "$bin/$b" ] || { echo "performance.sh: $bin/$b not found (set LLAMA_CPP to a built llama.cpp)" >&2; exit 1; }
done
mkdir -p "$res"
rm -rf "$res"/*.json "$res"/*.err "$res"/gpt2* # a previous run's files must not be pooled with this one's
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. The models (random weights, one per size) and a GGUF file per type each, all made once and reused.
declare -A gguf
for s in $sizes; do
  model=$work/$s-random
  [ -f "$model/model.safetensors" ] || $py tools/make_fixtures.py --shape "$s" --out "$model"
  for t in $types; do
    gguf[$s/$t]=$work/$s-$t.gguf
    [ -f "${gguf[$s/$t]}" ] || "$gpt2j" quantize -m "$model" --type "$t" -o "${gguf[$s/$t]}" 2>/dev/null
  done
done

# 2. Read bandwidth (for the tg bound) and float32 FMA peak (for pp), measured now, on the same machine state.
gcc -O3 -march=native -fopenmp tools/perf/bandwidth.c -o "$work/bandwidth"
gcc -O3 -march=native -fopenmp tools/perf/fmapeak.c -o "$work/fmapeak"
for n in $threads; do
  "$work/bandwidth" "$n" 512 > "$res/bandwidth-t$n.json"
  "$work/fmapeak" "$n" > "$res/fmapeak-t$n.json"
done

# 3. Throughput, engine after engine for each (size, type, threads), in ROUNDS rounds whose order alternates (gpt2j
#    first, then llama.cpp first, ...), so that drift in machine load hits both engines alike; the report pools them.
for s in $sizes; do
  mkdir -p "$res/$s"
  for n in $threads; do
    for t in $types; do
      f=${gguf[$s/$t]}
      # The file read afresh into huge pages (its page-cache state moves as files are evicted and read again, and F32
      # generation on this VM depends on it), and how much of it maps as huge pages as its benchmarks start.
      $py tools/perf/pagecache.py --reread "$f" > "$res/$s/pagecache-$t-t$n.json" 2>/dev/null || true
      for r in $(seq "$rounds"); do
        echo "performance.sh: $s $t, $n thread(s), round $r ($(( $(date +%s) - start )) s)" >&2
        run_gpt2j() {
          "$gpt2j" bench -m "$f" -p 128 -n 64 -t "$n" -r "$reps" --output json > "$res/$s/gpt2j-$t-t$n-r$r.json" \
            2> "$res/$s/gpt2j-$t-t$n-r$r.err" || echo "performance.sh: gpt2j bench failed for $s $t/$n" >&2
        }
        run_llama() {
          "$bin/llama-bench" -m "$f" -p 128 -n 64 -t "$n" -r "$reps" -o json > "$res/$s/llama-$t-t$n-r$r.json" \
            2> "$res/$s/llama-$t-t$n-r$r.err" || echo "performance.sh: llama-bench failed for $s $t/$n" >&2
        }
        if [ $((r % 2)) -eq 1 ]; then run_gpt2j; run_llama; else run_llama; run_gpt2j; fi
      done
    done
    case " $torch_sizes " in *" $s "*)
      LD_LIBRARY_PATH=$openblas OMP_NUM_THREADS=$n $py tools/perf/torch_bench.py -m "$work/$s-random" -p 128 -n 64 \
        -t "$n" -r "$reps" > "$res/$s/torch-t$n.json" ;;
    esac
  done
done

# 4. Time to first token from process start, generate -n 16 greedy on the Q8_0 file of the first size (124M when it
#    is among them), 2 threads, prompt echo off. gpt2j's first run records its start-up cache if there is none yet.
#    3 x REPS runs per engine, one at a time, alternating engines (and which goes first), so that a noisy minute hits
#    both: three runs of one engine and then three of the other once gave 2.73x where right after it was 2.2-2.5x.
ttft_size=${sizes%% *}
for s in $sizes; do [ "$s" = gpt2 ] && ttft_size=gpt2; done
ttft_gguf=${gguf[$ttft_size/q8_0]:-}
ttft_gpt2j() {
  $py tools/perf/ttft.py --engine gpt2j --runs 1 --warmup "$1" -- \
    "$gpt2j" generate -m "$ttft_gguf" -p "$prompt" -n 16 --temp 0 -t 2 --no-echo
}
ttft_llama() {
  $py tools/perf/ttft.py --engine llama.cpp --runs 1 --warmup "$1" -- \
    "$bin/llama-cli" -m "$ttft_gguf" -p "$prompt" -n 16 --temp 0 -t 2 -no-cnv --no-display-prompt
}
# Without q8_0 among TYPES there is no file for it: the report leaves the section out.
if [ -n "$ttft_gguf" ]; then
  {
    ttft_gpt2j 1; ttft_llama 1
    for i in $(seq 2 $(( 3 * reps ))); do
      if (( i % 2 )); then ttft_gpt2j 0; ttft_llama 0; else ttft_llama 0; ttft_gpt2j 0; fi
    done
  } > "$res/ttft-runs.jsonl"
  $py tools/perf/ttft.py --pool "$res/ttft-runs.jsonl" > "$res/ttft.json"
fi

# 5. Bandwidth and peak again: the machine is shared, so the bounds use the better of the two measurements.
for n in $threads; do
  "$work/bandwidth" "$n" 512 > "$res/bandwidth-end-t$n.json"
  "$work/fmapeak" "$n" > "$res/fmapeak-end-t$n.json"
done

# 6. The report.
$py - "$res/meta.json" <<EOF
import json, subprocess, sys
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
json.dump({
    "date": sh("date -u +%Y-%m-%dT%H:%MZ"),
    "cpu": sh("lscpu | sed -n 's/^Model name: *//p'") + ", " + sh("lscpu | grep -o 'avx512f' | head -1") ,
    "cores": int(sh("nproc")),
    "load_before": "$load_before", "load_after": sh("cut -d' ' -f1-3 /proc/loadavg"),
    "gpt2j_commit": "${GPT2J_COMMIT:-}" or (sh("git -C '$gpt2j_src' rev-parse --short HEAD") + (" + uncommitted changes" if sh("git -C '$gpt2j_src' status --porcelain --untracked-files=no") else "")),
    "java": sh(". tools/jdk.sh && \"\$JAVA_HOME/bin/java\" -version 2>&1 | head -1"),
    "llama_cpp_commit": sh("cat '$llama/.commit' 2>/dev/null || git -C '$llama' rev-parse --short HEAD 2>/dev/null"),
    "torch": sh("$py -c 'import torch; print(torch.__version__)'") + " (OpenBLAS OpenMP via LD_LIBRARY_PATH)",
    "repetitions": $reps, "rounds": $rounds, "threads": [int(t) for t in "$threads".split()],
    "runtime_s": $(date +%s) - $start,
    "sizes": "$sizes".split(), "types": "$types".split(),
    "gguf": {s: {t: "$work/%s-%s.gguf" % (s, t) for t in "$types".split()} for s in "$sizes".split()},
}, open(sys.argv[1], "w"), indent=1)
EOF
# Sections of the current document that report.py does not write (the serving comparison, ...) are kept.
if $py tools/perf/report.py "$res" docs/PERFORMANCE.md > docs/PERFORMANCE.md.tmp; then
  mv docs/PERFORMANCE.md.tmp docs/PERFORMANCE.md
else
  rm -f docs/PERFORMANCE.md.tmp; echo "performance.sh: report.py failed; docs/PERFORMANCE.md unchanged" >&2; exit 1
fi
echo "performance.sh: wrote docs/PERFORMANCE.md in $(( $(date +%s) - start )) s" >&2
