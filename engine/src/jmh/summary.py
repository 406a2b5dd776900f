#!/usr/bin/env python3
"""Turns a JMH JSON result (-rf json) of the kernel benchmarks into weight GB/s, GFLOP/s and vector/scalar ratios.

Usage: python3 engine/src/jmh/summary.py /tmp/jmh.json   (or JMH's console log, e.g. of a run cut short)
"""
import json
import re
import sys

BYTES = {"F32": 4.0, "F32_IM": 4.0, "F16": 2.0, "Q8_0": 34 / 32, "Q4_0": 18 / 32, "Q4_K": 144 / 256, "Q5_K": 176 / 256,
         "Q6_K": 210 / 256, "Q4_1": 20 / 32, "Q5_0": 22 / 32, "Q5_1": 24 / 32, "IQ4_NL": 18 / 32, "Q2_K": 84 / 256,
         "Q3_K": 110 / 256, "IQ4_XS": 136 / 256}


def main(path):
    text = open(path).read()
    results = json.loads(text) if text.lstrip().startswith("[") else parse_log(text)
    rows = {}
    for r in results:
        bench = r["benchmark"].split(".")[-2:]
        params = r.get("params", {})
        key = (bench[0], params.get("type", ""), params.get("shape", ""), params.get("n", params.get("len", "")))
        rows.setdefault(key, {})[bench[1]] = r["primaryMetric"]
    print(f"{'benchmark':16} {'type':7} {'shape':10} {'n/len':>5} {'variant':16} {'score':>12} {'GB/s':>7} {'GFLOP/s':>8} {'vs base':>9}")
    for (cls, typ, shape, n), variants in sorted(rows.items()):
        for name, m in sorted(variants.items()):
            score, unit = m["score"], m["scoreUnit"]
            gbs = gflops = ""
            if shape:
                r_, c_ = map(int, shape.split("x"))
                tokens = int(n) if n else 1
                gbs = f"{score * r_ * c_ * BYTES[typ] / 1e9:7.2f}"
                gflops = f"{score * 2 * r_ * c_ * tokens / 1e9:8.2f}"
            ratio = ""
            base = (variants.get("scalar", variants.get("decoded")) if name == "vector"
                    else variants.get("blocked") if name == "each"
                    else variants.get(name.replace("Vector", "Scalar")))
            if base and base is not m:
                # Throughput: higher is better; average time: lower is better.
                ratio = score / base["score"] if unit.endswith("/s") else base["score"] / score
                ratio = f"{ratio:8.1f}x"
            print(f"{cls:16} {typ:7} {shape:10} {n:>5} {name:16} {score:9.1f} {unit:>5} {gbs:>7} {gflops:>8} {ratio:>9}")


def parse_log(text):
    """The finished benchmarks of a JMH console log, shaped like its JSON."""
    results, bench, params, primary = [], None, {}, False
    for line in text.splitlines():
        if line.startswith("# Benchmark: "):
            bench, params = line.split()[-1], {}
        elif line.startswith("# Parameters: "):
            params = dict(kv.split(" = ") for kv in line[line.index("(") + 1:line.rindex(")")].split(", "))
        m = re.match(r"^\s+([0-9.]+) ±\(99\.9%\) [0-9.]+ (\S+) \[Average\]", line)
        # Only the line after 'Result "...":' is the primary score; -prof gc adds secondary ones.
        was_primary, primary = primary, line.startswith('Result "')
        if m and bench and was_primary:
            results.append({"benchmark": bench, "params": dict(params),
                            "primaryMetric": {"score": float(m.group(1)), "scoreUnit": m.group(2)}})
    return results


if __name__ == "__main__":
    main(sys.argv[1])
