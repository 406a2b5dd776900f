#!/usr/bin/env bash
# JMH mat-vec benchmarks (engine/src/jmh) of the working tree, optionally against a base commit in the same run:
# each round runs BASE's jar, then the working tree's, so load from elsewhere hits both alike. Builds on the class
# path (module-info left out), so that a BASE from before 8d5084d, when `-Pjmh` did not compile beside module-info,
# builds too.
#
#   tools/perf/kernels.sh                       K-quant kernels and Q4_0, one thread, the shapes of a GPT-2 token
#   BASE=main ROUNDS=2 tools/perf/kernels.sh    the same, main's kernels against the working tree's
#
# Optional: TYPES (default "Q4_0,Q4_K,Q5_K,Q6_K"), SHAPES (default "768x768,2304x768,3072x768,768x3072,50257x768"),
# BENCH (JMH's benchmark pattern, default "MatVecBench.vector"; e.g. "MatVecEachBench.each" with PARAMS="-p n=1,4,8"),
# JMH_OPTS (default "-f 1 -wi 2 -i 3 -w 1s -r 1s"). Prints engine/src/jmh/summary.py's table per jar and round.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$root"
. tools/jdk.sh
types=${TYPES:-Q4_0,Q4_K,Q5_K,Q6_K}
shapes=${SHAPES:-768x768,2304x768,3072x768,768x3072,50257x768}
rounds=${ROUNDS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
m2=${HOME}/.m2/repository
jmh=$(find "$m2/org/openjdk/jmh/jmh-core" "$m2/net/sf/jopt-simple" "$m2/org/apache/commons/commons-math3" \
  "$m2/com/fasterxml/jackson" -name '*.jar' | tr '\n' ':')
proc=$(find "$m2/org/openjdk/jmh/jmh-generator-annprocess" -name '*.jar' | head -1)
build() { # $1: source tree, $2: output directory
  (cd "$1" && tools/mvn -B -q -o -pl engine -am compile >&2)
  mkdir -p "$2"
  for m in tokenizer weights engine; do
    (cd "$1/$m/target/classes" && tar cf - --exclude=module-info.class .) | (cd "$2" && tar xf -)
  done
  "$JAVA_HOME/bin/javac" --add-modules jdk.incubator.vector -nowarn -Xlint:-incubating -d "$2" -cp "$2:$jmh" \
    -processorpath "$proc:$jmh" $(find "$1/engine/src/jmh/java" -name '*.java') 2>&1 | grep -v '^warning\|^Note' >&2 || true
}
jars=()
if [ -n "${BASE:-}" ]; then
  git archive "$BASE" | (mkdir -p "$work/base" && tar -x -C "$work/base")
  build "$work/base" "$work/base-classes"
  jars+=("base:$work/base-classes")
fi
build "$root" "$work/tree-classes"
jars+=("tree:$work/tree-classes")
for ((r = 1; r <= rounds; r++)); do
  for j in "${jars[@]}"; do
    name=${j%%:*} cls=${j#*:}
    echo "== $name, round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$JAVA_HOME/bin/java" -cp "$cls:$jmh" org.openjdk.jmh.Main "${BENCH:-MatVecBench.vector}" -p type="$types" \
      -p shape="$shapes" ${PARAMS:-} \
      ${JMH_OPTS:--f 1 -wi 2 -i 3 -w 1s -r 1s} -t 1 -rf json -rff "$work/$name-$r.json" > "$work/$name-$r.log" 2>&1 \
      || { tail -20 "$work/$name-$r.log" >&2; exit 1; }
    python3 engine/src/jmh/summary.py "$work/$name-$r.json"
  done
done
