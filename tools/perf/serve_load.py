#!/usr/bin/env python3
"""Load test of an OpenAI-compatible completion server on loopback: aggregate generated tokens/s and time to first
token with C concurrent clients, each sending requests back to back for a fixed number of rounds, and the gaps between
a stream's successive tokens (inter-token latency).

    python3 tools/perf/serve_load.py --url http://127.0.0.1:8080 --clients 1,4,8 --requests 4 --max-tokens 64

Bounded in count and time: clients x requests requests per level, each with a timeout, and only to 127.0.0.1 /
localhost (the script refuses any other host). Each request streams (so the first token's arrival is seen), greedy,
ignore_eos-free: the prompts are chosen so that no request stops early on random weights (the count of generated tokens
comes from the stream itself, so an early stop only lowers the rate). Prints one JSON line per level.
"""
import argparse
import json
import statistics
import threading
import time
import urllib.parse
import urllib.request

PROMPTS = ["In the beginning", "And it came to pass", "The quick brown fox", "Once upon a time",
           "It was a dark and stormy night", "Call me Ishmael.", "To be, or not to be", "All happy families"]


def one_request(url, prompt, max_tokens, timeout):
    body = json.dumps({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "stream": True,
                       "n_predict": max_tokens, "ignore_eos": True,
                       "stream_options": {"include_usage": True}}).encode()
    req = urllib.request.Request(url + "/v1/completions", data=body, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    first, tokens, usage, last, gaps = None, 0, None, None, []
    with urllib.request.urlopen(req, timeout=timeout) as r:
        for raw in r:
            line = raw.decode("utf-8").strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"].get("completion_tokens")
            for c in chunk.get("choices", []):
                if c.get("text"):
                    tokens += 1
                    now = time.perf_counter()
                    if first is None:
                        first = now - start
                    else:
                        gaps.append(now - last)
                    last = now
    return first if first is not None else float("nan"), usage or tokens, gaps


def level(url, clients, requests, max_tokens, timeout):
    ttfts, counts, errors, gaps = [], [], [], []
    lock = threading.Lock()

    def client(k):
        for i in range(requests):
            try:
                ttft, n, g = one_request(url, PROMPTS[(k + i) % len(PROMPTS)], max_tokens, timeout)
                with lock:
                    ttfts.append(ttft)
                    counts.append(n)
                    gaps.extend(g)
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(e))

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ttfts.sort()
    gaps.sort()
    return {"clients": clients, "requests": len(counts), "errors": len(errors), "tokens": sum(counts),
            "wall_s": round(wall, 3), "tokens_per_s": round(sum(counts) / wall, 2),
            "ttft_p50_ms": round(1000 * statistics.median(ttfts), 1) if ttfts else None,
            "ttft_p99_ms": round(1000 * ttfts[min(len(ttfts) - 1, int(0.99 * len(ttfts)))], 1) if ttfts else None,
            "itl_p50_ms": round(1000 * statistics.median(gaps), 1) if gaps else None,
            "itl_p99_ms": round(1000 * gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))], 1) if gaps else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--clients", default="1,4,8")
    ap.add_argument("--requests", type=int, default=4, help="requests per client per level")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    host = urllib.parse.urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("serve_load.py only sends traffic to loopback, not " + str(host))
    # Warm-up, not reported: every concurrency level's code paths once (a JIT compiles what it has run), so the first
    # reported level does not pay for compilation that the later ones get for free. Each level once: one client runs
    # other kernels than eight (a warm-up at eight alone left gpt2j's first one-client level 15% slow).
    levels = [int(x) for x in args.clients.split(",")]
    for c in levels:
        level(args.url, c, 1, 32, args.timeout)
    for c in levels:
        r = level(args.url, c, args.requests, args.max_tokens, args.timeout)
        r["label"] = args.label
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
