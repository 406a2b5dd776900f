"""Turns the result files of tools/perf/performance.sh into docs/PERFORMANCE.md (printed on stdout).

    python3 tools/perf/report.py RESULTS_DIR [PREVIOUS.md] > docs/PERFORMANCE.md

With PREVIOUS.md (the document it replaces), every "## " section of it that this script does not write (the serving
comparison, notes other tools add) is carried over at the end, unchanged.
"""
import glob
import json
import os
import statistics
import struct
import sys

# The types a run benchmarks unless its meta.json names them (runs before K-quants were added had these three).
TYPES = ["f32", "q8_0", "q4_0"]
# GGML type id -> (elements per block, bytes per block); the types gpt2j or llama-quantize may write.
GGML_BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 30: (1, 2),
               10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210)}
TARGET_PP, TARGET_TG, TARGET_BW, TARGET_TTFT = 1.0, 1.0, 0.8, 1.5


def gguf_tensors(path):
    """[(name, ggml type, element count)] from a GGUF header (v2/v3), without reading the data."""
    with open(path, "rb") as f:
        def u32():
            return struct.unpack("<I", f.read(4))[0]

        def u64():
            return struct.unpack("<Q", f.read(8))[0]

        def string():
            return f.read(u64()).decode("utf-8", "replace")

        sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

        def skip_value(t):
            if t == 8:
                f.seek(u64(), 1)
            elif t == 9:
                inner, n = u32(), u64()
                if inner in sizes:
                    f.seek(sizes[inner] * n, 1)
                else:
                    for _ in range(n):
                        skip_value(inner)
            else:
                f.seek(sizes[t], 1)

        if f.read(4) != b"GGUF":
            raise ValueError(f"{path}: not a GGUF file")
        u32()
        n_tensors, n_kv = u64(), u64()
        for _ in range(n_kv):
            string()
            skip_value(u32())
        out = []
        for _ in range(n_tensors):
            name = string()
            dims = [u64() for _ in range(u32())]
            ggml_type = u32()
            u64()
            count = 1
            for d in dims:
                count *= d
            out.append((name, ggml_type, count))
        return out


def bytes_per_token(path):
    """Weight bytes one generated token reads: every matrix and vector, the head (output, or token_embd when tied)
    in full, but only one row of the token and position embeddings. The KV cache is left out (under 1% here)."""
    tensors = {name: (t, n) for name, t, n in gguf_tensors(path)}
    total = 0
    for name, (t, n) in tensors.items():
        per, size = GGML_BLOCKS[t]
        nbytes = n // per * size
        if name == "position_embd.weight" or (name == "token_embd.weight" and "output.weight" in tensors):
            continue
        total += nbytes
    return total


def flops_per_token(path, prompt=128):
    """Multiply-add FLOPs per prompt token of a pp run: 2 per weight of every block matrix, plus the head's once per
    prompt (logits of the last position only). Attention scores (~1.4% more at 128 tokens) are left out."""
    total = 0
    for name, _, n in gguf_tensors(path):
        if name.startswith("blk.") and name.endswith(".weight") and n > 1 << 16:
            total += 2 * n
        elif name == "output.weight":
            total += 2 * n / prompt
    return total


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read().strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def better_of_start_and_end(d, stem, n, key):
    """The better of a machine measurement taken before and after the benchmarks (the machine is shared)."""
    runs = [r for r in (load(os.path.join(d, f"{stem}-t{n}.json")), load(os.path.join(d, f"{stem}-end-t{n}.json")))
            if r]
    return max(runs, key=lambda r: r[key]) if runs else None


def row(rows, test):
    for r in rows or []:
        name = r.get("test") or ("pp%d" % r["n_prompt"] if r.get("n_prompt") else "tg%d" % r["n_gen"])
        if name == test:
            return r
    return None


def rounds(d, engine, t, n):
    """The result files of one engine, type and thread count, one per round, in round order."""
    files = sorted(glob.glob(os.path.join(d, f"{engine}-{t}-t{n}-r*.json")),
                   key=lambda f: int(f.rsplit("-r", 1)[1].split(".")[0]))
    return [load(f) for f in files] or [load(os.path.join(d, f"{engine}-{t}-t{n}.json"))]


def pooled(d, engine, t, n, test):
    """One row for a test with every round's repetitions pooled: mean and standard deviation over all samples, and
    the rounds' own means (None where no round has the test)."""
    rows = [r for r in (row(x, test) for x in rounds(d, engine, t, n)) if r]
    if not rows:
        return None
    samples = [s for r in rows for s in r.get("samples_ts") or [r["avg_ts"]]]
    sd = statistics.stdev(samples) if len(samples) > 1 else 0.0
    return {"avg_ts": statistics.fmean(samples), "stddev_ts": sd, "round_ts": [r["avg_ts"] for r in rows]}


def both(d, t, n, test):
    """gpt2j's and llama.cpp's pooled rows for one type, thread count and test (None where missing)."""
    return pooled(d, "gpt2j", t, n, test), pooled(d, "llama", t, n, test)


SIZE_NAMES = {"gpt2": "124M", "gpt2-medium": "355M", "gpt2-large": "774M", "gpt2-xl": "1.5B"}


def gguf_files(meta, size):
    """(type, GGUF path) for every type of one size whose file the run recorded and that still exists."""
    for t in meta.get("types", TYPES):
        gguf = meta.get("gguf", {}).get(size, {}).get(t)
        if gguf and os.path.exists(gguf):
            yield t, gguf


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:.{digits}f}"


def ratio_text(ratio, target):
    """Two decimals, or three where two would round a miss up to the target (0.998 is not 1.00)."""
    if ratio is None:
        return "n/a"
    return f"{ratio:.3f}" if ratio < target and round(ratio, 2) >= target else f"{ratio:.2f}"


def ts(r):
    return None if r is None else f"{r['avg_ts']:.2f} ± {r['stddev_ts']:.2f}"


def main():
    top = sys.argv[1]
    meta = load(os.path.join(top, "meta.json")) or {}
    threads = meta.get("threads", [1, 2])
    sizes = meta.get("sizes", ["gpt2"])
    types = meta.get("types", TYPES)
    out = []
    w = out.append
    w("# Performance\n")
    w("Generated by `tools/perf/performance.sh` (do not edit by hand). GPT-2 shapes with random weights from "
      "`tools/make_fixtures.py --shape SIZE` (vocab 50257, context 1024; 124M = `gpt2`: 12 layers, 768 wide, 12 heads; "
      "355M = `gpt2-medium`: 24, 1024, 16; 774M = `gpt2-large`: 36, 1280, 20; 1.5B = `gpt2-xl`: 48, 1600, 25; this "
      f"run: {', '.join(SIZE_NAMES.get(s, s) for s in sizes)}); the GGUF files (this run: "
      f"{', '.join(t.upper() for t in types)}) are written by `gpt2j quantize --type TYPE` (the K-quant types are "
      "llama-quantize's presets of that name, byte-identical to its files, and Q4_0 is its preset too: the head as "
      "Q6_K) and the *same file* is given to `gpt2j bench` and to `llama-bench`. PyTorch is our own float32 GPT-2 with a KV cache on Debian's torch (`tools/perf/torch_bench.py`)."
      " pp128 = one 128-token prompt batch from an empty cache (logits of the last position only); tg64 = 64 tokens "
      "decoded one at a time from an empty cache. Numbers are tokens/s, mean ± standard deviation over the "
      "repetitions of all rounds: each (type, threads) pair runs the two engines back to back, in as many rounds as "
      "`ROUNDS`, alternating which goes first, and the table pools them; 'per round' is each round's own ratio, to "
      "show how far the shared machine moves it. Before timing, llama-bench and torch_bench.py run each test once; "
      "`gpt2j bench` runs it for at least 2 s (`--warmup`, at least once) and then on while the JIT is still "
      "compiling (up to 8 s): C2 is still compiling kernels about 2 s after start, and a method called once per "
      "pass (the head's mat-vec in pp128) was still interpreted or C1 code after 2 s, which made the first timed "
      "pp128 runs 5-30% slow. The per-repetition samples are in "
      "`build-out/perf/results`. The cold cost is not hidden: it is the time to first token below.\n")
    w("## Machine and versions\n")
    for k in ["date", "cpu", "cores", "load_before", "load_after", "gpt2j_commit", "java", "llama_cpp_commit",
              "torch", "repetitions", "rounds", "runtime_s"]:
        if k in meta:
            w(f"- {k.replace('_', ' ')}: {meta[k]}")
    w("")
    if meta.get("noisy_note"):
        w(meta["noisy_note"] + "\n")

    w("## Throughput: gpt2j vs llama.cpp vs PyTorch\n")
    w(f"Targets: pp ratio gpt2j/llama.cpp >= {TARGET_PP}, tg ratio >= {TARGET_TG}.\n")
    w("| size | type | threads | test | gpt2j | llama.cpp | PyTorch f32 | gpt2j / llama.cpp | per round | target | met |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    missed = []
    for size, t, n in ((size, t, n) for size in sizes for t in types for n in threads):
            d, name = os.path.join(top, size), SIZE_NAMES.get(size, size)
            pt = load(os.path.join(d, f"torch-t{n}.json")) if t == "f32" else None
            for test, target in (("pp128", TARGET_PP), ("tg64", TARGET_TG)):
                (gr, lr), pr = both(d, t, n, test), row(pt, test)
                ratio = gr["avg_ts"] / lr["avg_ts"] if gr and lr else None
                per_round = ", ".join(f"{a / b:.2f}" for a, b in zip(gr["round_ts"], lr["round_ts"])) \
                    if gr and lr else "n/a"
                met = "n/a" if ratio is None else ("yes" if ratio >= target else "**no**")
                if met == "**no**":
                    missed.append(f"{name} {t} {test} at {n} thread(s): ratio {ratio_text(ratio, target)} < {target}")
                w(f"| {name} | {t} | {n} | {test} | {ts(gr) or 'n/a'} | {ts(lr) or 'n/a'} | {ts(pr) or '-'} | "
                  f"{ratio_text(ratio, target)} | {per_round} | >= {target} | {met} |")
    w("")

    w("## Token generation against the memory-bandwidth bound\n")
    w("Bound = measured read bandwidth / weight bytes read per generated token. Bytes per token are summed from the "
      "GGUF tensor table: every matrix, bias and norm vector plus the head (`output.weight`, or `token_embd.weight` "
      "when tied), but one row only of the token and position embeddings; the KV cache (under 1% at tg64) is left "
      "out. Bandwidth is `tools/perf/bandwidth.c`: OpenMP threads each sum their share of a 512 MiB float buffer "
      "(16 vector lanes), best of 12 passes, measured before and after the benchmarks in the same run; the better "
      "of the two is used. Before each size, type and thread count the file is dropped from the page cache and "
      "read back into 2 MiB pages (`tools/perf/pagecache.py --reread`), so both engines read it in the same state: "
      "weights read in place (F32) stream slower from 4 KB pages, very much so on this VM at times (\"Model files in "
      "huge pages\" below); 'huge pages' is the share of the file that mapped as 2 MiB pages then. "
      f"Target: gpt2j tg >= {TARGET_BW:.0%} of the bound.\n")
    w("| size | type | threads | MB read / token | bandwidth GB/s | bound tok/s | huge pages | gpt2j tg64 | gpt2j % of bound | llama.cpp % of bound | met |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for size, (t, gguf) in ((size, f) for size in sizes for f in gguf_files(meta, size)):
        d, name = os.path.join(top, size), SIZE_NAMES.get(size, size)
        per_token = bytes_per_token(gguf)
        for n in threads:
            bw = better_of_start_and_end(top, "bandwidth", n, "best_gbs")
            if not bw:
                continue
            bound = bw["best_gbs"] * 1e9 / per_token
            gr, lr = both(d, t, n, "tg64")
            gp = gr["avg_ts"] / bound if gr else None
            lp = lr["avg_ts"] / bound if lr else None
            met = "n/a" if gp is None else ("yes" if gp >= TARGET_BW else "**no**")
            if met == "**no**":
                missed.append(f"{name} {t} tg64 at {n} thread(s): {gp:.0%} of the bandwidth bound < {TARGET_BW:.0%}")
            pc = load(os.path.join(d, f"pagecache-{t}-t{n}.json"))
            huge = f"{100 * pc['huge_kb'] / pc['rss_kb']:.0f}%" if pc and pc.get("rss_kb") and pc.get("huge_kb") is not None else "n/a"
            w(f"| {name} | {t} | {n} | {per_token / 1e6:.1f} | {bw['best_gbs']:.2f} (median {bw['median_gbs']:.2f}) | "
              f"{bound:.1f} | {huge} | {fmt(gr and gr['avg_ts'], 2)} | {fmt(gp and 100 * gp, 0)}% | "
              f"{fmt(lp and 100 * lp, 0)}% | {met} |")
    w("")

    w("## Prompt processing against the float32 multiply-add peak\n")
    w("A prompt pass is matrix-matrix work, so its FLOP rate is bounded by how fast the cores multiply and add. "
      "FLOP per token = 2 x every block matrix's weights, plus the head once per 128-token prompt (from the GGUF tensor "
      "table). The peak is `tools/perf/fmapeak.c`: twelve independent FMA chains per thread on register-resident "
      "vectors of the machine's width, best of 9 passes, measured before and after the benchmarks. gpt2j multiplies "
      "in float32 for every type (quantized weights are dequantized a block of rows at a time), so this peak bounds "
      "it; llama.cpp multiplies the quantized types as int8 (AVX512-VNNI dot products against activations rounded to "
      "8 bits), whose peak is higher.\n")
    w("| size | type | threads | GFLOP / token | float32 FMA peak GFLOP/s | gpt2j GFLOP/s | gpt2j % of peak | "
      "llama.cpp GFLOP/s | llama.cpp % of peak |")
    w("|---|---|---|---|---|---|---|---|---|")
    for size, (t, gguf) in ((size, f) for size in sizes for f in gguf_files(meta, size)):
        d, name = os.path.join(top, size), SIZE_NAMES.get(size, size)
        per_token = flops_per_token(gguf)
        for n in threads:
            fp = better_of_start_and_end(top, "fmapeak", n, "best_gflops")
            peak = fp and fp["best_gflops"]
            gr, lr = both(d, t, n, "pp128")
            gf = gr["avg_ts"] * per_token / 1e9 if gr else None
            lf = lr["avg_ts"] * per_token / 1e9 if lr else None
            pct = (lambda f: fmt(f and peak and 100 * f / peak, 0) + "%")
            w(f"| {name} | {t} | {n} | {per_token / 1e9:.3f} | {fmt(peak)} | {fmt(gf)} | {pct(gf)} | {fmt(lf)} | {pct(lf)} |")
    w("")
    p1, p2 = (better_of_start_and_end(top, "fmapeak", n, "best_gflops") for n in (1, 2))
    if p1 and p2 and p2["best_gflops"] < 1.3 * p1["best_gflops"]:
        w(f"Two threads multiply-add at {p2['best_gflops']:.0f} GFLOP/s against one thread's {p1['best_gflops']:.0f}: "
          "the machine's two vCPUs share one core's FMA units, so a second thread adds memory parallelism but "
          "little compute.\n")

    ttft = load(os.path.join(top, "ttft.json"))
    if ttft:
        w("## Time to first token from process start\n")
        w("`generate -n 16` on the Q8_0 file, greedy, same prompt; the clock starts before the process is spawned and "
          "stops at the first byte of generated text on stdout (prompt echo off), median of the runs, which alternate "
          "between the engines one run at a time. Total = until the process exits.\n")
        w("| engine | command | first token ms (median) | total ms (median) | runs |")
        w("|---|---|---|---|---|")
        for r in ttft:
            w(f"| {r['engine']} | `{r['command']}` | {fmt(r.get('first_ms'), 0)} | {fmt(r.get('total_ms'), 0)} | "
              f"{r['runs']} |")
        w("")
        first = {r["engine"]: r.get("first_ms") for r in ttft}
        if first.get("gpt2j") and first.get("llama.cpp"):
            ratio = first["gpt2j"] / first["llama.cpp"]
            w(f"gpt2j / llama-cli: {ratio:.2f}x the time to first token (target <= {TARGET_TTFT}x).\n")
            if ratio > TARGET_TTFT:
                missed.append(f"time to first token: {ratio:.2f}x llama-cli's > {TARGET_TTFT}x")

    w("## Targets missed\n")
    w("\n".join(f"- {m}" for m in missed) if missed else "None.")
    w("")
    if missed:
        w("## What limits them\n")
        w("Profiled with JFR, C2's assembly (`-XX:+PrintAssembly`) and JMH; the numbers of the latest profiles are in "
          "the closing note of issue 5.\n")
        w("- **pp**: gpt2j's prompt pass is float32 matrix-matrix work with the tokens along the vector lanes: the "
          "batch is transposed once per matrix (on the pool), 24 weight rows at a time are decoded into a float "
          "panel, and a tile of 6 rows x 64 tokens (24 accumulators) takes 24 FMAs per 4 loads and 6 broadcasts, "
          "768 columns at a time so that the inputs' slab stays in L2 for every tile of the panel. On "
          "its own that tile runs 165-223 GFLOP/s on one core (70-90% of the FMA peak; a same-process harness, "
          "L2-resident panel), but JFR of a Q4_0 pp128 on one thread puts ~55% of the pass in it: ~8% decoding Q4_0 "
          "panels, ~6% attention (one query at a time), ~3% transposing. llama.cpp repacks Q4_0 at load into "
          "interleaved 8x8 blocks (its log: `CPU_AARCH64 model buffer`) and multiplies them as int8 with "
          "AVX512-VNNI dot products, which the float32 peak in the table does not bound; the Vector API has no int8 "
          "dot product, so Q4_0's pp is the closest of the three (0.68-1.11 of llama.cpp's in the runs of "
          "2026-12-02, where F32 and Q8_0 were 1.0-1.4; 0.82-0.96 at every size in the four-size run of "
          "2026-12-06 03:48-05:02Z, where Q8_0 was 1.24-1.53; 0.90-1.09 in the run of 13:11-14:27Z, Q8_0 1.22-1.47). Timed inside the pass (2026-12-06 ~08:15Z, 355M Q4_0 pp128, one "
          "thread, `System.nanoTime` around each panel's decode and tile): the tile takes 0.80-0.95 ns per weight "
          "(128 tokens), the decode 0.13-0.21, where the same decode loop takes 0.06 on a matrix in cache and 0.09 "
          "streaming a 150 MB one without pauses (a harness): a panel's 14 KB of Q4_0 are read in a burst every "
          "~30 us, after the tile has evicted them and the hardware prefetcher has stopped, so the decode waits on "
          "memory, and Java has no prefetch instruction. Not kept, each within the run-to-run noise of pp128: "
          "reading one byte per cache line of the next panel before the tile (the decode fell to 0.15 ns, the reads "
          "cost it back), copying each panel's blocks to a heap array first (`MemorySegment.copy`), decoding from "
          "the heap repack instead of the file. Reading that byte from inside the tile's column loop instead, one line "
          "every 16th column (2026-12-07 ~10:00-10:55Z, a harness alternating two modes pass by pass in one process, "
          "20 passes each, 124M pp128, one thread): 1.02-1.06x the same tile code without it for Q4_0 and Q8_0 (F32's "
          "panel copy gained nothing), but the read's address, end and sum took registers the loop had used (C2's "
          "code moved the panel's base into a register six times per column step instead of twice), and the tile "
          "lost more than the read won: against the tile as it is 0.93 (Q4_0) and 0.94 (Q8_0) in the same harness, and 794-824 against 816-894 tokens/s in "
          "four alternating `gpt2j bench` pairs; short bursts between the tile's calls instead, 0.99 / 1.03. What "
          "the decode costs, in the same harness: skipping it (timing only, wrong numbers) 1.10x (Q4_0), decoding a "
          "panel whose blocks are already in cache 1.06x (Q4_0) and 1.12x (Q8_0). JFR's samples in the same pass: the tile 66%, decoding 11%, "
          "attention ~6% (the kernel has since run 1.4-1.9x faster with the keys stored dimension-major: "
          "docs/KERNELS.md), transposing 3%, GELU 2%. The tile ran at ~60% of the FMA peak (`fmapeak`; that tool "
          "had read half the peak when this text first said the tile reached it): a heap array's elements start 16 "
          "bytes into a cache line, so each of its input loads spanned two lines. Since 07fe3b0 the inputs start a "
          "line (1.10-1.17x prompts), and since f30f91f the panel's rows lie a constant distance apart, so that C2 no "
          "longer runs out of registers in the tile (another 1.12-1.20x; the tile alone at the FMA peak in a harness; "
          "docs/KERNELS.md, \"Inputs that start a cache line\"); what Q4_0's prompt still waits on is the decode's "
          "stalls. In the run of 2026-12-08 04:18-06:00Z (09952b6, the tables above) every pp128 row was ahead of "
          "llama.cpp's: Q4_0 1.06-1.34x at every size and both thread counts (0.82-1.16x in the run before, at "
          "08e8ab8), F32 1.03-1.55x, Q8_0 1.32-2.00x, the K-quant presets 1.78-2.95x.")
        w("- **AVX2 cores** (the tables are this machine's AVX-512; most laptop and desktop cores have AVX2 only): "
          "with `-XX:UseAVX=2` (C2 limited to AVX2 and 16 vector registers, the Vector API then 256 bits wide) "
          "against llama.cpp built with `-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF`, 124M files, one "
          "thread, two rounds back to back (2026-12-07 10:12-10:13Z, after the 256-bit prompt tiles took column "
          "slabs in b048e2c, 1.15-1.21x): pp128 F32 0.95-0.97, Q8_0 0.95-0.99, Q4_0 0.91-0.94; tg64 F32 0.96-0.98, "
          "Q8_0 1.00-1.12, Q4_0 0.92-0.97; at 355M (one round) pp128 F32 0.80-1.11, Q8_0 1.03, Q4_0 0.98, tg64 F32 "
          "0.95, Q8_0 0.91, Q4_0 0.80 (docs/KERNELS.md, \"At 256 bits\"; one-token Q4_0 in float form takes twice "
          "the vector operations per weight at 256 bits as at 512, ~3.5 per 8 weights, where llama.cpp's int8 dot "
          "products take ~2, counted from its source). What is left at that width: C2's "
          "loop for the 6 x 2 prompt tile spends ~37 instructions per 12 FMAs (range checks on the transposed "
          "inputs, reloads from the stack, one address per broadcast row; with the range checks taken out of the "
          "loop it ran no faster, 1.00), and Q4_0 again decodes to floats where llama.cpp multiplies int8.")
        w("- **tg Q8_0, Q4_0 and Q6_K**: their matrices are repacked at load with weight rows in the vector lanes "
          "(39be652, eaf355a, e52940a; docs/KERNELS.md): one widening and one FMA per weight and input, a block's "
          "scale once per lane group. In cache the one-input kernels run ~100 GFLOP/s on one core (Q8_0, Q6_K); "
          "streamed from memory they read 1.06x (Q8_0), 1.1x (Q4_0) and 1.3x (Q6_K) the file's bytes, and Q8_0's "
          "50257x768 head streamed 20-31 GB/s of file bytes in JMH against `bandwidth.c`'s 25-28 GB/s on one "
          "core; inside the engine one thread's Q8_0 matrices ran at 15-18 G weights per second (16-19 GB/s of "
          "repack) in a slower minute (below, \"one thread from 355M up\"). Q4_0's and the K-quants' remaining "
          "gap at one thread is llama.cpp's int8 arithmetic (VNNI) on the same bytes, which the Vector API cannot "
          "express. Before the repack, each row's 32-weight block cost two byte-to-float widenings (Q4_0: "
          "plus the nibble split and the -8), a scale broadcast and an FMA: C2's Q4_0 loop is ~10 vector "
          "instructions per block with no bounds checks left (PrintAssembly), so one core decoded ~15 GB/s of Q4_0 "
          "(JMH) where llama.cpp's int8 VNNI path does more; the Vector API has no int8 dot product. Q4_0 matrices "
          "are repacked on the heap at load, float scales and 16 quant bytes per block (1.1x their bytes): float "
          "scales gave +15-25% Q4_0 tg, the packed quants in a Java array another 1.08-1.21x on one thread (a "
          "segment's index checks did not all leave the loop). Q8_0 gained nothing from either (+2.5% in a "
          "harness), nor from reading at absolute addresses. Measured and dropped: offsets affine in the loop "
          "counter, the F32 kernel's one-stream loop for Q8_0 (20-30% slower), two Q4_0 rows sharing the loads of x "
          "(15-35% slower), a float-bits nibble decode, two accumulators for Q4_0, the scale applied by a multiply "
          "and an add, the -8 folded into block sums of x, a 16-entry lookup (`selectFrom`, one vpermd per 16 "
          "nibbles: no faster), 256-bit vectors (half the speed), 64-byte quant loads split in the byte domain. "
          "Fewer instructions per block did not mean faster here: C2's schedule, not the instruction count, decides. "
          "C2's one-token Q8_0 loop read with `tools/perf/disasm.py` (2026-12-06): ~55 instructions per two blocks, "
          "of them 18 vector operations, eight range checks (the mapped segment's and x's) and a safepoint poll, "
          "so at one thread it is bound by instructions, not bytes; the same loop with its offsets recomputed from "
          "the block index ran 4861 against 8622 ops/s (JMH, 3072x768, two forks of each in one run).")
        w("- **tg F32**: 95% of it is the mat-vec kernel (JFR). It ran the row range as one sequential stream with "
          "four accumulators (since 2026-12-07 four streams side by side at 512 bits, two at 256: one core reads "
          "more from several streams; docs/KERNELS.md, \"Several streams on one core\"; Q8_0 and Q4_0 read two "
          "passes side by side likewise), reading the mapped weights at absolute addresses after one range check per call "
          "(through the segment itself C2 re-checked its bounds and liveness every iteration): 34-37 GB/s on one "
          "core, C's rate (gcc -O3, one row at a time) on the same mapping. Hugging Face F32 weights (input-major, "
          "read in place) walk down w in strips of 16 row vectors. On 2026-12-02 both engines sat at ~90% of the "
          "bandwidth bound on one thread and the ratio moved between 0.95 and 1.08 from run to run. In a four-"
          "size run early on 2026-12-06 this machine's one-thread read bandwidth went from 21.9 GB/s at the start to "
          "32.3 at the end (the bound uses the better), and the 124M F32 rows, measured first, moved within the "
          "run: gpt2j's one-thread pp128 486 -> 276 tokens/s from round 1 to round 2 while llama.cpp's went 470 "
          "-> 579, tg64 samples 24-40 tokens/s; F32 tg was 1.04 / 1.08 at 355M in the same run. In the "
          "run of 13:11-14:27Z the 124M F32 rows, again measured first, ran two-thread tg64 at 56% of the bound "
          "(llama.cpp 50%), 355M at 83% (79%). The file's "
          "page-cache state moves it too (2026-12-06 ~08:25Z): with 80 MB of the 124M F32 file's 500 MB mapped "
          "through huge pages (`FilePmdMapped` in smaps; the rest 4 KB pages), gpt2j's one-thread tg64 made "
          "41.7-45.1 tokens/s, and 52.2-56.2 with the file copied into anonymous memory first (an experiment, not "
          "kept), llama-bench 53.6-56.8 (`-mmp 1`) and 60.3-60.9 (`-mmp 0`, its copy); after the file was dropped "
          "from the page cache (`posix_fadvise(DONTNEED)`) and read again, 160 MB were huge pages and gpt2j's "
          "mapping made 51.6-57.2 against the copy's 52.2-54.5 and llama-bench's 49.3-58.6 / 59.7-60.0. The page "
          "size is not fair to both engines on this VM (2026-12-06 ~22:40Z; its hypervisor, PVM, keeps shadow page "
          "tables): on a file whose page cache is all 4 KB pages gpt2j's token time on the 124M F32 file was 18-21 "
          "ms with a 250-320 ms token every 10-13 tokens, and every 355M token took ~1.5 s (0.9-5.7 tokens/s against "
          "llama-bench's 13.5-19.2 on the same file), with thread CPU time equal to wall time and no page faults, "
          "while a bare loop of the same kernel over the same mapping streamed ~27 GB/s, as C and llama.cpp did "
          "then (half an hour later llama.cpp stalled on that file too: 5.9 / 12.5 against 18.6 / 18.2 tokens/s). "
          "The files gpt2j writes (`quantize`, hub downloads) were all in 4 KB pages: Linux sizes a written file's "
          "folios by its writes, and they came in 1 MiB or 64 KB pieces. They are now written in whole 2 MiB "
          "chunks at 2 MiB-aligned offsets (`ChunkedOutput`) and sit in 2 MiB folios, which every reader maps as "
          "huge pages: the same 355M F32 bytes then made 13.2-19.0 tokens/s against llama-bench's 15.3-19.6 "
          "(docs/PERFORMANCE.md, \"Model files in huge pages\"). A file written by another tool, or by `cp`, "
          "keeps its 4 KB pages until it is evicted and read again (readahead then builds large folios); a copy "
          "into anonymous memory would cost every start ~1.8 s per GB of first-touch memory on this VM. In the run of "
          "2026-12-08 04:18-06:00Z the 124M F32 two-thread tg64 came out 0.98 (rounds 1.02 and 0.94) with both "
          "engines above `bandwidth.c`'s one-stream bound (gpt2j 122%, llama.cpp 125%): both read the file at this "
          "machine's memory rate. Rechecked right after (06:01-06:02Z, `gpt2j bench` against `llama-bench`, tg64 "
          "at two threads, two runs of two alternating rounds): 43.7 / 43.7 against 39.9 / 39.5 tokens/s "
          "(1.10), then 38.5 / 36.6 against 39.3 / 36.9 (0.98 / 0.99): parity within the machine's drift.")
        w("- **1.5B F32 tg**: both engines ran at 12-26% of the bound, llama.cpp's tg64 samples falling from 1.44 to "
          "0.92 tokens/s within one run. It is this VM's reading of a 6.5 GB file mapping, not compute: checked "
          "after the run (2026-12-06 00:51-00:53Z), an anonymous 6 GiB buffer streamed at 36.9 GB/s on one thread "
          "(`bandwidth 1 6144`), while `gpt2j bench` tg16 at two threads made 2.67 to 4.43 tokens/s in four runs "
          "minutes apart (4.43 is 27 GB/s of weights; a pp128 before it in the same process made no consistent "
          "difference) and llama-bench tg16 2.60. The 774M F32 file (3.1 GB) did not show it.")
        w("- **the run of 2026-12-06 13:11-14:27Z** (5334fd9): its 1.5B rows moved by up to 2x between rounds (Q8_0 "
          "tg64 at one thread 1.25 in one round, 0.58 in the other). Its 1.5B Q8_0 tg64 at two threads (0.85 in both "
          "rounds, 1.20 in the run before) was checked right after it (14:35-14:37Z, `-n 32 -r 2`): 17.2 and 17.3 "
          "tokens/s against llama-bench's 15.7 and 15.5 (1.10-1.12), and in three interleaved pairs against the "
          "build before the JIT-cliff fix below (9680ee4) 17.9-18.1 against 12.6-18.0 tokens/s, so that row was "
          "the machine's phase, not a regression. Likewise time to first token: the table's 1831 ms came from one "
          "noisy minute; three interleaved rounds of three right after (14:31Z) gave 1396-1639 ms against "
          "llama-cli's 629-689 (2.2-2.5x).")
        w("- **Q4_0 files' head**: `gpt2j quantize --type q4_0` writes the head (`output.weight`) as Q6_K, as "
          "llama-quantize's preset does (the runs of 2026-12-02 used a Q4_0 head: 70.0 MB per token there, 79.9 "
          "here), and gpt2j's Q6_K kernel read a repack at 1.25 bytes per weight (48 MB for the 124M head; since "
          "e52940a 1.08, with rows in lanes, above). "
          "Back to back on one thread (2026-12-06 ~01:01Z, 124M tg64): the preset file 206 tokens/s against "
          "llama.cpp's 230 (0.89), the same weights with `--pure` (a Q4_0 head) 214 against 227 (0.94). Where a "
          "one-thread Q4_0 token goes (JFR, 2026-12-06 ~14:38Z, `bench -p 0 -n 64 -t 1 -r 5` on the 124M preset "
          "file, 604 samples): 53% in the Q4_0 kernel (85M weights), 33% in the Q6_K head's (38.6M weights; "
          "`MatVecInt8`, one byte and a quarter per weight), 2% attention, 1% LayerNorm: per weight the head costs "
          "about 1.4x a Q4_0 block weight, and each kernel was bound by its vector instructions per weight, not "
          "by the bytes (the same head kernel ran 27-28 GB/s of repack from memory and from L3 alike, a harness). "
          "With both kernels on rows in lanes (e52940a) the 124M preset's one-thread tg64 went from 170-231 to "
          "200-235 tokens/s in three interleaved rounds (llama.cpp 206-229).")
        w("- **K-quant presets at one thread**: besides Q6_K they hold Q4_K and Q5_K matrices (at 1.5B mostly Q5_0 "
          "and Q5_1: gpt2-xl's 1600 columns are not whole 256-weight blocks). Q4_K, Q5_K, Q5_0 and Q5_1 now have "
          "weight rows in vector lanes like Q6_K (Q5_0 and Q5_1 in Q8_0's layout and kernels; Q4_K at 1.06x the "
          "file, the 5-bit types at 1.1-1.25 bytes per weight): 1.6-3.5x in JMH in cache. From memory, where a "
          "token streams every matrix, the byte-wide ones stay bound by their bytes as the row-major repacks before"
          " them were (a byte per weight plus a float scale and minimum per 32, 1.25 bytes per weight): one-thread "
          "tg of the 124M Q5_K_M moved within the machine's noise (132-160 against 124-163 tokens/s, three "
          "interleaved rounds), while Q4_K's nibbles lifted the Q4_K_M preset's (128-145 against 104-139; "
          "docs/KERNELS.md, \"Q4_K the same way\", \"Q5_K, Q5_0 and Q5_1 the same way\"); all of them gain the "
          "server's grouped decode steps. Beating llama.cpp at one thread on the byte-wide types takes the file's "
          "own 5-6 bits per weight in the kernel's stream, decoded at the rate llama.cpp's int8 dot products reach.")
        w("- **one thread from 355M up** (the four-size run of 2026-12-06 23:54Z-2026-12-07 01:01Z, every file read "
          "afresh into huge pages first): at one thread gpt2j led at 124M in F32, Q8_0 and Q4_0 generation and "
          "trailed from 355M up (0.75-0.95, bar Q8_0, Q4_K_M and Q6_K at 1.5B). In weight bytes per second (MB per "
          "token x tokens/s, from the tables) llama.cpp's one thread was flat across the sizes, gpt2j's highest at "
          "124M: Q8_0 124M / 355M / 774M / 1.5B gpt2j 23.5 / 16.8 / 18.4 / 21.1 GB/s against llama.cpp's 19.7 / "
          "18.3 / 19.8 / 20.2; Q4_0 17.4 / 15.0 / 12.6 / 15.7 against 16.2 / 16.7 / 16.1 / 16.9; F32 27.6 / 25.3 / "
          "22.9 / 20.5 against 26.2 / 27.4 / 28.0 / 27.4. Checked back to back right after the run (~01:20-01:30Z, "
          "two rounds): 355M Q8_0 gpt2j 46.6 / 46.5 tokens/s against llama-bench's 40.0 / 42.9 (1.08-1.16; the "
          "table 0.91), 124M Q8_0 153 / 108 against 146 / 100 (the machine's phase moved both engines by a third "
          "within minutes), 774M Q4_0 25.7 / 30.8 against 28.8 / 33.9 (0.89-0.91), 774M F32 5.8 / 6.7 against 8.1 /"
          " 7.2 (0.71-0.92). The kernels are the token (JFR: 94% of a 355M Q8_0 token's samples in "
          "`MatVecQ8_0.pass`, 98% of a 774M F32 token's in `MatVecF32.stream`). Timed matrix by matrix inside the "
          "engine (a throwaway build timing each one-token mat-vec after 6 s of warm-up), gpt2j's one-thread Q8_0 "
          "rate did not fall with the width: 15.0-16.6 G weights/s for each of 124M's matrices, 15.9-17.6 for "
          "355M's, heads included; at 774M the Q4_0 layers ran 25-26.5 G weights/s and the Q6_K head 19, the F32 "
          "matrices 4.0-5.2 (16-21 GB/s, in a slow minute). So the 355M Q8_0 row was the machine's phase; the 774M "
          "Q4_0 and F32 rows are not, and what holds gpt2j's one thread back there is not found. Not the F32 "
          "kernel's shape: over the 774M F32 file's bytes, as 5120x1280 matrices one after another, the kernel in a "
          "bare Java loop read 27-28.5 GB/s where a C loop of one row at a time read 29-30 (34 at best) and a C "
          "loop of four rows at once, as llama.cpp's tinyBLAS tiles do, 26-27 (~01:30Z); minutes later all of them "
          "fell by a third together (the bare Java loop 15-22 GB/s, gpt2j's tg 15.4-16.1, llama-bench's "
          "16.7-23.9).")
        w("- **the run of 2026-12-07 07:28-08:31Z** (fdb3dc1, on the AMD EPYC; the tables above are later, on the Intel Xeon): against the run before it (5c281fe, "
          "05:05-06:13Z; since then the Q4_0 one-token kernels take the low nibble with one shift, 249fd17) "
          "one-thread Q4_0 tg64 went from 0.80 / 0.85 at 355M / 774M to 1.06 / 0.99 (124M 1.11, 1.5B 0.995), and "
          "Q4_0 pp128, whose code did not change, was 0.93-1.01 (0.77-0.94 before: on this machine a single row is "
          "the phase of the minutes it ran in as much as the engines; in the run before, 355M Q8_0 tg64 gave 0.87 "
          "and then 1.97 in two checks minutes apart). The 124M rows, run first, met a slow phase of both engines "
          "(one-thread F32 tg64 at 62% of the bound, llama.cpp's at 70%). Behind at one thread: F32 tg64 "
          "(0.87-0.96), Q8_0 at 774M and 1.5B (0.96, 0.92) and the K-quant presets bar Q6_K at 124M and 1.5B "
          "(0.72-0.90). Those checked back to back after the run (08:32-08:34Z, two rounds, gpt2j then llama-bench, "
          "tokens/s): 774M Q4_K_M tg64 23.3 / 24.0 against 31.9 / 30.8 (0.73 / 0.78), 355M Q6_K 53.1 / 44.0 against "
          "62.5 / 47.6 (0.85 / 0.92), 124M Q5_K_M 127 / 129 against 163 / 158 (0.78 / 0.81). At one thread these "
          "presets read 12-14 GB/s of file bytes in gpt2j and 15-18 in llama.cpp, both far below the 35.8 GB/s "
          "bound, so neither is bound by bandwidth there: llama.cpp multiplies the 4-6-bit values as int8 with VNNI "
          "dot products, gpt2j widens each to a float (in cache 44-54 G weights per second on one core, JMH "
          "`MatVecBench` 768x768: Q4_K 75k, Q5_K 89k, Q6_K 88k, Q8_0 92k ops/s) and from memory reaches about half "
          "of that. Measured for Q8_0 (08:37Z): a harness cycling one thread through a 124M token's 49 matrices (the "
          "engine's shapes and kernels, the launcher's heap flags) made 19.7-22.6 G weights per second after its "
          "first round, 5.5-6.3 ms a token, where `gpt2j bench` took 6.3 ms a token in the same minutes, so the engine adds little around its "
          "kernels; JMH's single 50257x768 matrix called again and again made 644 ops/s (26 GB/s), and 958 (39 GB/s, "
          "above the bound) with the launcher's huge pages: a 41 MB matrix partly stays in the 32 MB L3, so that "
          "figure overstates the stream. In C this core streams at its full rate with up to 16 independent FMAs per "
          "64-byte line (31-32 GB/s; 26-27 with 24), so that much arithmetic can overlap with a stream. The same "
          "Q8_0 kernel written in C with AVX-512 intrinsics, on the same layout and the same 49 shapes (08:43Z, two "
          "rounds alternating with the Java harness): 4.05-4.11 ms a token against Java's 4.23-4.60, then 6.4-7.0 "
          "against 4.17-4.39 as the machine's phase moved: Java's code for the kernel streams as fast as C's, and "
          "what is left is the kernel's form (16-byte loads widened and converted, a float FMA per weight), not "
          "the language.")
        w("- **slow processes (a JIT cliff, fixed)**: until this fix about one gpt2j process in 10 to 40 ran the "
          "Q8_0 mat-vec 4-20x slower for its whole life: `gpt2j bench -m gpt2-q8_0.gguf -p 0 -n 64 -t 1 -r 2` in "
          "loops of 40 (2026-12-06) made 96-163 tokens/s in most runs and 7.3-38.8 in about one in 10 to 40 (the "
          "same process's two-thread test as slow). The cause is C2's inlining rule: it inlines a method that already "
          "has C2 code of its own only if that code is under 2,500 bytes (`InlineSmallCode`). `MatVecQ8_0.block`, "
          "one block's products, took the accumulator vector and returned it; it was hot on its own and got its "
          "own C2 code before `apply` did, at a size near that limit. Where it came out larger, `apply` called "
          "it out of line and boxed the vector twice per block: the C2 code of `apply` in a slow process (8.4 tokens/s, "
          "printed with `-XX:CompileCommand=print`) held two calls and four allocation sites where a fast one's "
          "held none. `-XX:InlineSmallCode=1000` makes every process take that path (27.1 tokens/s against 154.5 "
          "without it, the same minutes), and at 128 bits (`-Dgpt2.vectorBits=128`, the width of ARM's NEON) every "
          "process ran Q8_0 at ~20-25 tokens/s. The Q8_0 kernels are now written out without helpers that pass "
          "vectors (two blocks a pass, as C2 had inlined them), with the same bits (one-token and grouped logits "
          "hashed at 512, 256 and 128 bits: equal), and `KernelHelpersTest` fails if a kernel passes a vector through "
          "any method but a few small ones (each under half of the limit on its own). With `-XX:InlineSmallCode=1000`: "
          "113.8 tokens/s against 27.1 before (512 bits), 110.7 against 29.9 (256). In 30 interleaved pairs with "
          "the old code (11:26-11:36Z) the old code had 2 slow processes (34.4, 38.9 tokens/s) and the new none, "
          "and a loop of 40 at the new code alone had none (96-163). Both builds still run some processes at ~85-110 "
          "tokens/s and most at ~130-166 (in the pairs, medians 146 old, 140 new); that split is not explained. "
          "At 128 bits the Q8_0 kernels were slow for a second reason: they chose the half of an 8-byte load to "
          "widen by a step's parity inside a loop C2 did not unroll; written with the two halves as constants, "
          "124M Q8_0 tg64 went from 23.8-24.9 to 55.3-56.4 tokens/s (three interleaved rounds, 2026-12-06 ~11:47Z; "
          "the same file at 256 bits: 104.7-108.5 before, 119.5-124.6 after), and JMH's `MatVecBench` Q8_0 at 128 "
          "bits from 1.4-1.8x its scalar twin to 3.2-4.0x. Not fixed: F16 at 128 bits, ~9-23 tokens/s.")
        w("- **threads**: a 124M token is ~61 pool jobs of tens of microseconds each; chunks are claimed guided "
          "(half of what is left, down to one grain), since eight equal chunks left the two threads up to a chunk "
          "apart at the end of every job.")
        w("- **bandwidth bound**: `bandwidth.c` reads with the given threads and does no compute; gpt2j's kernels "
          "also convert and multiply (see the items above), and llama.cpp's share of the same bound is in the table.")
        w("- **time to first token**: from the process start to `main` the launcher and the JVM took ~0.28 s "
          "(0.12-0.19 s since the launcher's built-ins below; `-v` reads the start from /proc: it used to add Linux's boot time, kept in whole seconds, and "
          "read up to a second long); picocli builds only the subcommand being run (it built all twelve: main "
          "to the model's file 0.46-0.53 -> 0.38-0.40 s under load, `other` 347 -> 271 ms idle); loading the "
          "file and building the tokenizer ~0.4 s. Until C2 has compiled the Vector API kernels they run "
          "hundreds of times slower (C1 and the interpreter box every vector), and this machine's one C2 thread"
          " also compiles the Vector API's own Java fallbacks (~60 of them, `tOpTemplate`, `ldOp`, their "
          "lambdas) while they are hot: in a JFR timeline of a cold 10-token prompt on the 124M Q8_0 file "
          "(under load) the batched layers took ~1.7 s and the head (50,257 rows through the still-cold one-"
          "token kernel) ~0.8 s, and boxing vectors allocates ~2 GB during such a prompt. A prompt of up to 8 "
          "tokens takes the one-token kernels four inputs at a time (its numbers are those of its tokens fed "
          "one by one), so that one kernel family is compiled before its first token, but cold that was no "
          "faster (7-token prompt: 1957-2266 ms against 1914-1946 before). `generate` sizes its KV cache for "
          "prompt + `-n` rather than the whole context. Measured and dropped, each no better than noise: "
          "compiling sooner (`CompileThresholdScaling`, globally or for the engine's methods; "
          "`-XX:+AOTCompileEagerly` with the AOT cache), calling every kernel once on a spare thread at start-"
          "up (the Vector API's first-use linking), a background warm-up on the real weights during loading, "
          "also when overlapped with building the tokenizer (it competes for the cores); "
          "`-XX:-BackgroundCompilation` was 2x slower; `-XX:TieredStopAtLevel=1` leaves the kernels as boxed C1"
          " code for good. An earlier first-prompt switch to token-by-token (1.35 -> 1.14 s) was removed "
          "because it made a prompt's logits depend on what ran before. On the idle machine (2026-12-05 23:20Z,"
          " 4 interleaved rounds, time to first token medians): 2302 ms with the launcher's flags, 2472 with "
          "`-XX:CICompilerCount=3`, 2417 with `-XX:ArchiveRelocationMode=0`, 2403 with the Vector API's own "
          "methods compiled 10x later, 2372 with the kernels 10x sooner, each run's spread 1.8-2.8 s. What did "
          "help is a small young generation: boxing in cold code turns ~2 GB over, and an eden that fits in the "
          "L3 cache stays hot where the default (~120 MB here) streams through fresh memory. Interleaved on the "
          "idle machine (2026-12-06 00:53-00:58Z, medians of six): 1836 / 2040 ms with the default, 1741 with "
          "`-Xmn128m`, 1676 with 64m, 1531 with 32m, 1487 / 1692 with 16m, 1695 with 8m, 1763 with 4m, and "
          "2153 with `-Xmn1g`; 124M Q8_0 bench at two threads and a 355M quantize unchanged. The launcher now "
          "passes `-Xmn16m`: with it `-v` reads start-up ~230 ms, load ~290, prompt 700-740, other ~230, and "
          "ttft.py (two rounds of five, ~01:00Z) 1384 / 1499 ms against 1802 / 1761 without it and llama-cli's "
          "637 / 618. The same command with `-t 1` reached its first token sooner still (2026-12-06 ~01:14Z, "
          "medians of six, interleaved: 1469 ms against 1580 with `-t 2`, the same text): with one worker C2 has a "
          "core to itself. Not taken: a cold-process rule of one thread would slow the first passes of large "
          "models and long prompts, whose time is arithmetic, not compilation. Where the time goes now "
          "(2026-12-06 ~01:40Z, marks from `main`, one cold 10-token prompt): picocli 150-170 ms to the "
          "command's first line; opening the file ~340 ms (GGUF metadata ~120, the tokenizer 70-110 of which "
          "its whole-token check ~25); tokenizing 25 ms; the prompt 700-860 ms, of which layer 0 ~370 (its "
          "first matrix, qkv, 230-245 ms: the batched tile runs interpreted until C2's compile of its loop "
          "lands), layers 1-11 15-30 ms each (attention, still C1 code, 12-14 ms a layer for 10 tokens) and "
          "the head 80-120 ms. `-XX:+CITime` at the first token: C2 had compiled for 1.04 s and C1 for 0.52 s, "
          "1.56 s of CPU in a 1.37 s process on two cores, so the compilers, not the arithmetic, hold the first "
          "token back. The launcher started ~20 processes before the JVM (`dirname`, `sed`, `stat`, `cksum`, "
          "~4 ms each here): with shell built-ins it takes 36-40 ms from exec to `java` instead of 109-125, and "
          "picocli's classes are now in the start-up cache (below). Interleaved on the idle machine "
          "(~01:58Z, three rounds of four, medians): 1500 ms at ec3bbac, 1347 now, llama-cli 644 (2.33x -> "
          "2.09x). Then the GGUF header read through a byte-array window (metadata parse 149-166 -> 90-107 ms) and "
          "the tokenizer's whole-token check learned per token when first met (15-25 ms less): again interleaved "
          "(~02:46Z, three rounds of four, medians, a slower phase): 1942 ms at ec3bbac, 1431 at b112750, llama-cli "
          "720 (2.70x -> 1.99x); a table run at b112750 followed a minute later. `-t 1` against `-t 2` once more "
          "(~01:50Z, twelve each): 1250 against 1264 ms, noise. Tried and dropped: a tiny random model of the "
          "file's type run on a background thread during loading, so that C2 would compile the kernels before the "
          "prompt (its one interpreted pass took ~1 s and the first token came at 1.9-2.0 s); picocli's "
          "`picocli.converters.excludes` for the java.time and java.sql converters it registers by reflection "
          "(`--version` 347 against 350 ms).")
        w("- **start-up cache** (issue 22): the launcher records the JDK 25 AOT cache once per build "
          "(`-XX:AOTCacheOutput`, JEP 483/514/515; the training run is `AotTraining`: `generate` on the "
          "embedded model as stored and as Q8_0, `tokenize`, `--help`) and maps it on every later start "
          "(`-XX:AOTCache`): 1,762 of the 2,030 classes a 124M Q8_0 `generate -n 16` loads come from it "
          "(1,615 of 2,057 before picocli's were compiled for Java 25), "
          "against 1,208 of 2,118 from the JDK's own archive without it. It holds class data only: with "
          "`jdk.incubator.vector` resolved (by `--add-modules`, or required from a module path: both tried) the"
          " JDK does not archive the module graph ('archivedBootLayer not available, disabling full module "
          "graph'), and without it no class is AOT-linked and no JIT profile is kept (training of `--version`: "
          "0 of 1,329 classes AOT-linked, 0 method training records; the same jar without the incubator module:"
          " 1,346 of 1,346). So the cache spares parsing and verifying classes, not linking, initializing or "
          "the JIT's warm-up, until the Vector API leaves incubation. The JVM also relocates the 25 MB cache at"
          " every start (`ArchiveRelocationMode=1`, the JDK's default since 20, for address randomization): "
          "~110-150 ms under load, ~30 ms with the diagnostic `-XX:ArchiveRelocationMode=0`; left at the JDK's "
          "default. picocli's jar is compiled for Java 5, and the cache holds no class that old: its ~170 "
          "classes were read and verified from the jar at every start. The launcher's jar now gets them compiled"
          " for Java 25 from picocli's published sources (the same version, from Maven Central; `cli/pom.xml`), "
          "and all 168 a `generate` loads come from the cache; the annotation proxies picocli has the JDK "
          "generate still cannot be archived ('Unsupported location'). `gpt2j --version`, medians of eight "
          "interleaved (2026-12-06 ~01:59Z, the launcher's built-ins included): 608 ms at ec3bbac, 419 now, "
          "against 115 ms for a plain `java -version`. "
          "GGUF strings decode with `new String(bytes, UTF_8)` and a round-trip check only when the result "
          "holds U+FFFD. The tokenizer finds tokens through an index of their bytes instead of a map of 50,257 "
          "fresh strings, and the pre-tokenizer classifies a char when it first meets one instead of all 65,536 at "
          "class init (b730320): in fresh JVMs (no start-up cache, three interleaved pairs) building the tokenizer "
          "from the 124M file's lists took 117-127 -> 75-77 ms and encoding the first prompt 23 -> 1.1 ms, but the "
          "first token did not move measurably (interleaved medians of 20, 2026-12-06 ~03:25Z: 1471 against 1403 "
          "ms, then 1505 against 1504). What is left is the JIT, and on two cores its backlog, not the main "
          "thread, sets the first token. A compile log of a cold 10-token prompt (`-XX:+LogCompilation`, "
          "2026-12-06 ~03:18Z): C2 was busy 1.13 s of the 1.2 s from the end of loading to the first token, "
          "0.62 s of it compiling 107 of the Vector API's own Java fallbacks (`tOpTemplate`, `ldOp`, `stOp`, "
          "their lambdas: hot only because the kernels run as C1 code at first, and dead code once C2 has "
          "compiled the kernels, where the operations are intrinsics), 0.39 s on gpt2j's methods. The batched "
          "tile (`MatMulF32.rows6x1`) was first called at 0.65 s, stayed interpreted until its C1 OSR compile at "
          "0.85 s (the interpreter's 60,000 loop iterations, ~80 calls of boxed vector code) and reached C2 at "
          "0.93 s; layer 0's qkv took ~340 ms of the prompt. Tried and not kept: `-XX:CompileCommand="
          "MaxNodeLimit,jdk/incubator/vector/*.*,1` (C2 gives up on the fallbacks at once and they stay C1 "
          "code; the kernels, compiled as their own roots, still inline them): C2's fallback time 0.62 -> 0.02 s,"
          " but the first token moved by noise alone; with the kernels' compile thresholds also scaled by 0.2 "
          "(`CompileThresholdScaling`) 1535 against 1625 ms (medians of ten, interleaved; by 0.05: Attention.head"
          " was compiled five times over as its immature profiles failed), and only ~2% with the scaling alone: "
          "not worth JVM flags that would leave a kernel whose Vector API call fails to inline calling C1 "
          "fallbacks for good. Running the first prompt's tile through a scalar twin with the same bits (the "
          "tile's lanes are plain FMA chains; measured equal output) cut layer 0's qkv from ~340 to ~70 ms, but "
          "the later layers then ran as C1 scalar code (~8 ns per multiply-add) until the tile's C2 code could "
          "take over, and a per-panel race between the two came out at the same first token (1350-1520 ms either "
          "way). JDK 25 keeps no compiled code across runs, so the 1.5x llama-cli target is out of reach by "
          "these means; the ratio is in the table above.")
        w("- **loading a repacked type** (issue 22): Q4_0, Q4_K, Q5_K and Q6_K matrices are repacked on the heap at "
          "load (`KernelMatrix`), and a cold start paid for it: on the 124M Q4_0 file (its head Q6_K) the layers' "
          "repack took 180-230 ms and the head's 200-235 (2026-12-06 ~03:00Z). They read the mapping a block or a "
          "byte at a time, each read a checked segment access in code that was still cold; they now copy a chunk "
          "of whole blocks to a heap array and repack from it: `-v`'s model load, medians of three interleaved, "
          "124M Q4_0 759 -> 648 ms, Q4_K_M 909 -> 743. The launcher's 16 MB young generation costs here too: the "
          "repacked arrays (under half of eden each at these sizes) are allocated in eden and copied out by young "
          "collections, 8 collections and ~190 ms of pauses while a 124M Q4_0 file loads, 130 and ~0.96 s for the "
          "1.5B Q4_0 (`-Xlog:gc`), and even the Q8_0 load (the vocabulary's strings and maps) pays ~80 ms in four; "
          "`-XX:MaxTenuringThreshold=0` saved ~25 ms of pauses in all, G1 with the same young size was slower "
          "(124M Q4_0 first token 3086 against 2087 ms). Allocating the repacked arrays beyond the young generation "
          "(one set of arrays per type and width, each matrix's rows at an offset in it) cut the load's pauses "
          "(124M Q4_0: 8 -> 2, ~190 -> ~50 ms) but not the load (671 against 640 ms, medians of three "
          "interleaved; 1.5B Q4_0 3.51-3.55 s against 3.42-3.56): fresh old-generation memory costs its page "
          "faults instead (the 1.5B Q4_0 run: 263k minor faults, 1.8 s of system time in 4.7 s). Not kept. "
          "Populating the file mapping's page tables ahead (`madvise(MADV_POPULATE_READ)` through FFM) did not "
          "pay either: touching every page of the 124M Q8_0 file took ~125-150 ms cold, ~90 + 86 with it. "
          "What did pay is huge pages: the faults are the kernel zeroing fresh 4 KB pages (`clear_page_erms`, ~17% "
          "of `perf record`'s samples while the 1.5B Q4_K_M loads, GC threads included), and the launcher now "
          "passes `-XX:+UseTransparentHugePages` where Linux gives huge pages on request (`[madvise]`). `-v`'s "
          "load, three back-to-back pairs without and with it (2026-12-06 ~07:15Z): 124M Q4_K_M 0.75-0.82 -> "
          "0.48-0.60 s, 774M Q4_K_M 2.6-3.2 -> 1.2-2.0 s, 1.5B Q4_0 3.2-3.7 -> 1.5-1.9 s (first token 4.5-5.4 -> "
          "2.9-3.7 s), 1.5B Q4_K_M 1.9-2.2 -> 0.7-1.5 s; 774M Q4_0 tg64 at one thread unchanged (25.7-28.7 "
          "against 22.6-29.3 tokens/s), and the 124M Q8_0 first token (nothing repacked) within the machine's "
          "drift (medians of twelve 1274 against 1423 ms, then 1712 against 1848). The Q5_K and Q6_K unpacks "
          "now split eight quants per long (0.10-0.15 ns per weight, from ~1). Q5_0/Q5_1 matrices are now repacked "
          "too (gpt2-xl's K-quant presets, below): 1.5B Q4_K_M load 0.7-1.5 -> 3.8-4.7 s on this VM, most of it "
          "the host backing memory the guest takes again (a fresh 1 GB mapping: 1812 ms the first time, 57 ms "
          "right after); with host memory warmed 0.9-1.7 -> 1.7-2.3 s. Serial GC with "
          "`PretenureSizeThreshold=1m` cut the young collections' pauses (0.93 -> 0.13 s) but not the load.")
        w("")
    w("## Reproduce\n")
    w("```\nLLAMA_CPP=/path/to/built/llama.cpp tools/perf/performance.sh   # writes docs/PERFORMANCE.md\n"
      "SIZES=\"gpt2 gpt2-medium gpt2-large gpt2-xl\" LLAMA_CPP=... tools/perf/performance.sh   # all four sizes\n```\n")
    w("The 124M shape alone takes ~6 minutes on an idle machine; all four sizes roughly 20 times the 124M's "
      "benchmark time plus making ~32 GB of models once (an estimate from the weight bytes: 355M, 774M and 1.5B "
      "read 2.9x, 6.2x and 12.6x the 124M's per token), i.e. about an hour and a half with the six types; "
      "`TYPES=\"f32 q8_0 q4_0\"` leaves out the K-quants.\n")
    w("llama.cpp is built separately (not part of this repository): "
      "`cmake -B build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release && "
      "cmake --build build -j --target llama-bench llama-cli`.")
    text = "\n".join(out)
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        ours = {line for line in text.splitlines() if line.startswith("## ")}
        with open(sys.argv[2]) as f:
            sections = ("\n" + f.read()).split("\n## ")[1:]
        kept = ["## " + sec.rstrip("\n") for sec in sections if "## " + sec.split("\n", 1)[0] not in ours]
        text = "\n\n".join([text.rstrip("\n")] + kept)
    print(text)


if __name__ == "__main__":
    main()
