#!/usr/bin/env bash
# The rarer block types' kernels (Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS, Q2_K, Q3_K) against MatVecDecoded, the scalar
# decode-then-dot path they replaced: JMH, one thread, one token (MatVecRareBench) and a 64-token prompt batch
# (MatMulRareBench), both variants of a type in the same run. Prints docs/KERNELS.md's table on stdout.
#
#   tools/perf/raretypes.sh > /tmp/raretypes.txt
#
# Optional: TYPES (default "Q4_1,Q5_0,Q5_1,IQ4_NL,IQ4_XS,Q2_K,Q3_K"), SHAPES (default "3072x768,768x3072"),
# ROUNDS (default 1). About 1 minute per type and round on an idle 2-core machine.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$root"
java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
types=${TYPES:-Q4_1,Q5_0,Q5_1,IQ4_NL,IQ4_XS,Q2_K,Q3_K}
shapes=${SHAPES:-3072x768,768x3072}
rounds=${ROUNDS:-1}
out=${PERF_WORK:-$root/build-out/perf}/raretypes
mkdir -p "$out"
tools/mvn -q -pl engine -am package -Pjmh -DskipTests >&2
echo "commit $(git rev-parse --short HEAD), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  $java -jar engine/target/benchmarks.jar 'MatVecRareBench|MatMulRareBench' -p type="$types" -p shape="$shapes" \
      -f 1 -wi 2 -i 3 -w 1s -r 1s -t 1 -rf json -rff "$out/round$r.json" >&2
  echo "round $r, load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 engine/src/jmh/summary.py "$out/round$r.json"
done
