#!/usr/bin/env bash
# Interleaved A/B of whole passes in one process: the commit BASE (default main) against the working tree, each build
# in its own class loader (tools/perf/PassAb.java), PROMPT tokens (default 128) then GEN tokens one at a time (default
# 0) per pass, ROUNDS pairs (default 40), the launcher's JVM flags. On a shared machine whose speed drifts between
# processes, pairs of passes a few hundred milliseconds apart resolve a few percent where separate benchmark
# processes (ab.sh) do not (docs/KERNELS.md, "Aligned inputs in huge pages").
#   tools/perf/pass_ab.sh [BASE] MODEL [THREADS]     e.g. GEN=32 tools/perf/pass_ab.sh main build-out/gpt2-q8_0.gguf 1
# Prints the median time of each side and B's paired speedup (median and quartiles); build logs on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=${1:-main}
model=${2:?usage: pass_ab.sh [BASE] MODEL [THREADS]}
threads=${3:-1}
. "$root/tools/perf/ab_jars.sh"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmn16m -Xss4m)
{ read -r thp </sys/kernel/mm/transparent_hugepage/enabled; } 2>/dev/null && [[ $thp == *"[madvise]"* ]] &&
  flags+=(-XX:+UseTransparentHugePages)
# JAVA_OPTS adds JVM options to both sides, e.g. -Dgpt2.vectorBits=256.
"$JAVA_HOME/bin/java" "${flags[@]}" ${JAVA_OPTS:-} "$root/tools/perf/PassAb.java" "$model" "$threads" "${ROUNDS:-40}" \
  "${PROMPT:-128}" "${GEN:-0}" "$work/a.jar" "$work/b.jar" 2> >(grep -v '^WARNING: Using incubator modules' >&2)
