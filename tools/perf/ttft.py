"""Time to first token from process start: spawn a command, time its first byte on stdout and its exit.

    python3 tools/perf/ttft.py --engine NAME --runs N [--warmup W] -- COMMAND ARGS...
prints one JSON object {engine, command, runs, first_ms, total_ms, first_ms_all, total_ms_all} (medians in ms).
W uncounted runs come first (default 1: the page cache); 0 where the caller has warmed up already.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    for _ in range(args.warmup):
        once(cmd)  # page cache warm-up, not counted
    times = [once(cmd) for _ in range(args.runs)]
    shown = shlex.join(os.path.basename(c) if i == 0 or os.sep in c else c for i, c in enumerate(cmd))
    print(json.dumps({"engine": args.engine, "command": shown, "runs": args.runs,
                      "first_ms": statistics.median(t[0] for t in times),
                      "total_ms": statistics.median(t[1] for t in times),
                      "first_ms_all": [round(t[0], 1) for t in times], "total_ms_all": [round(t[1], 1) for t in times]}))


if __name__ == "__main__":
    sys.exit(main())
