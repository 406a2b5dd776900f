"""Time to first token from process start: spawn a command, time its first byte on stdout and its exit.

    python3 tools/perf/ttft.py --engine NAME --runs N [--warmup W] -- COMMAND ARGS...
prints one JSON object {engine, command, runs, first_ms, total_ms, first_ms_all, total_ms_all} (medians in ms).
W uncounted runs come first (default 1: the page cache); 0 where the caller has warmed up already.

    python3 tools/perf/ttft.py --pool FILE
reads such objects, one per line (several per engine, e.g. runs that alternated engines), and prints a JSON list
with one object per engine, in first-seen order, its medians taken over all of that engine's runs.
The command must print nothing on stdout before its first generated token (prompt echo off).
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def once(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    first = p.stdout.read(1)
    t1 = time.perf_counter()
    p.stdout.read()
    rc = p.wait()
    t2 = time.perf_counter()
    if rc != 0 or not first:
        raise SystemExit(f"ttft: {' '.join(cmd)} failed (exit {rc}, first byte {first!r})")
    return 1000 * (t1 - t0), 1000 * (t2 - t0)


def record(engine, command, first, total):
    return {"engine": engine, "command": command, "runs": len(first),
            "first_ms": statistics.median(first), "total_ms": statistics.median(total),
            "first_ms_all": first, "total_ms_all": total}


def pool(path):
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    out = []
    for engine in dict.fromkeys(r["engine"] for r in rows):
        mine = [r for r in rows if r["engine"] == engine]
        out.append(record(engine, mine[0]["command"], [t for r in mine for t in r["first_ms_all"]],
                          [t for r in mine for t in r["total_ms_all"]]))
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--pool", metavar="FILE")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.pool:
        return pool(args.pool)
    if not args.engine:
        ap.error("--engine is required")
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    for _ in range(args.warmup):
        once(cmd)  # page cache warm-up, not counted
    times = [once(cmd) for _ in range(args.runs)]
    shown = shlex.join(os.path.basename(c) if i == 0 or os.sep in c else c for i, c in enumerate(cmd))
    print(json.dumps(record(args.engine, shown, [round(t[0], 1) for t in times], [round(t[1], 1) for t in times])))


if __name__ == "__main__":
    sys.exit(main())
