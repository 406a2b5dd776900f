#!/usr/bin/env python3
"""The Markdown table of docs/PERFORMANCE.md's serving section from serve_compare.sh's JSON lines: per client count,
each engine's tokens/s (the median over rounds, with the range when there are several), TTFT p50/p99 and inter-token
latency p50/p99 (medians over rounds; "-" for runs that did not record it), and the gpt2j/llama-server ratio of the
medians.

    python3 tools/perf/serve_table.py build-out/perf/results/serve.jsonl
"""
import json
import statistics
import sys


def main(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            rows.setdefault((r["clients"], r["label"]), []).append(r)
    print("| clients | gpt2j tokens/s | llama-server tokens/s | ratio | gpt2j TTFT p50 / p99 ms "
          "| llama-server TTFT p50 / p99 ms | gpt2j ITL p50 / p99 ms | llama-server ITL p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for clients in sorted({c for c, _ in rows}):
        cells, medians, itl = [], {}, {}
        for label in ("gpt2j", "llama-server"):
            runs = rows.get((clients, label), [])
            rates = [r["tokens_per_s"] for r in runs]
            if not rates:
                cells += ["-", "-"]
                continue
            medians[label] = statistics.median(rates)
            span = f" ({min(rates):.1f}-{max(rates):.1f})" if len(rates) > 1 else ""
            p50 = statistics.median(r["ttft_p50_ms"] for r in runs)
            p99 = statistics.median(r["ttft_p99_ms"] for r in runs)
            errors = sum(r["errors"] for r in runs)
            gaps = [r for r in runs if r.get("itl_p50_ms") is not None]
            itl[label] = (f"{statistics.median(r['itl_p50_ms'] for r in gaps):.1f} / "
                          f"{statistics.median(r['itl_p99_ms'] for r in gaps):.1f}") if gaps else "-"
            cells += [f"{medians[label]:.1f}{span}" + (f", {errors} errors" if errors else ""), f"{p50:.1f} / {p99:.1f}"]
        ratio = (f"{medians['gpt2j'] / medians['llama-server']:.2f}"
                 if len(medians) == 2 and medians["llama-server"] else "-")
        print(f"| {clients} | {cells[0]} | {cells[2]} | {ratio} | {cells[1]} | {cells[3]} "
              f"| {itl.get('gpt2j', '-')} | {itl.get('llama-server', '-')} |")


if __name__ == "__main__":
    main(sys.argv[1])
