"""Float64 greedy decoding of a GPT-2 GGUF file (F32/F16/Q8_0/Q4_0 tensors dequantized exactly), as a judge when
gpt2j and llama.cpp disagree on a near tie: prints each step's argmax and top-1 minus top-2 logit margin.

    /usr/bin/python3 tools/perf/gguf_greedy.py FILE.gguf --prompt-ids 464,2068,... -n 16 [--check 1,2,3,...]

With --check, the given continuation is scored instead (each step's argmax is taken from the given prefix).
The forward pass is tools/make_fixtures.py's float64 reference.
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import make_fixtures  # noqa: E402

# ggml type id -> numpy dequantizer over the raw bytes of n elements
def _q8_0(raw, n):
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 34)
    d = b[:, :2].copy().view("<f2").astype(np.float64)
    return (b[:, 2:].view(np.int8).astype(np.float64) * d).reshape(n)


def _q4_0(raw, n):
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    d = b[:, :2].copy().view("<f2").astype(np.float64)
    qs = b[:, 2:]
    # low nibbles are elements 0..15 of the block, high nibbles 16..31 (ggml's layout)
    q = np.concatenate([(qs & 0x0F), (qs >> 4)], axis=1).astype(np.float64) - 8
    return (q * d).reshape(n)


DEQUANT = {0: (lambda raw, n: np.frombuffer(raw, "<f4", n).astype(np.float64), 1, 4),
           1: (lambda raw, n: np.frombuffer(raw, "<f2", n).astype(np.float64), 1, 2),
           2: (_q4_0, 32, 18), 8: (_q8_0, 32, 34)}
GGUF_TO_HF = {"token_embd.weight": "wte.weight", "position_embd.weight": "wpe.weight", "output_norm.weight": "ln_f.weight",
              "output_norm.bias": "ln_f.bias"}
BLOCK = {"attn_norm": "ln_1", "attn_qkv": "attn.c_attn", "attn_output": "attn.c_proj", "ffn_norm": "ln_2",
         "ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"}


def read_gguf(path):
    """-> (metadata {key: scalar}, {gguf tensor name: float64 array in PyTorch order})."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n].decode("utf-8", "replace")
        pos += n
        return s

    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            inner, n = take("<I"), take("<Q")
            return [value(inner) for _ in range(n)] if inner in (8, 9) else \
                [take(scalar[inner]) for _ in range(n)] if n < 64 else _skip(inner, n)
        return take(scalar[t])

    def _skip(inner, n):
        nonlocal pos
        pos += struct.calcsize(scalar[inner]) * n
        return None

    assert data[:4] == b"GGUF", "not a GGUF file"
    pos = 4
    take("<I")
    n_tensors, n_kv = take("<Q"), take("<Q")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("<Q") for _ in range(take("<I"))]
        infos.append((name, dims, take("<I"), take("<Q")))
    align = meta.get("general.alignment", 32)
    base = (pos + align - 1) // align * align
    tensors = {}
    for name, dims, t, off in infos:
        fn, per, size = DEQUANT[t]
        n = int(np.prod(dims))
        raw = data[base + off: base + off + n // per * size]
        tensors[name] = fn(raw, n).reshape(list(reversed(dims)))
    return meta, tensors


def hf_weights(tensors):
    """GGUF names and [out, in] matrices -> make_fixtures names with Conv1D [in, out]."""
    w = {}
    for name, a in tensors.items():
        if name in GGUF_TO_HF:
            w[GGUF_TO_HF[name]] = a
        elif name == "output.weight":
            continue
        else:
            _, i, part, kind = name.split(".")
            w[f"h.{i}.{BLOCK[part]}.{kind}"] = a.T if kind == "weight" and a.ndim == 2 else a
    if "output.weight" in tensors and not np.array_equal(tensors["output.weight"], tensors["token_embd.weight"]):
        raise SystemExit("gguf_greedy: output.weight differs from token_embd.weight; untied heads are not supported")
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gguf")
    ap.add_argument("--prompt-ids", required=True)
    ap.add_argument("-n", type=int, default=16)
    ap.add_argument("--check", help="comma-separated continuation to score")
    args = ap.parse_args()
    meta, tensors = read_gguf(args.gguf)
    w = hf_weights(tensors)
    heads = meta["gpt2.attention.head_count"]
    seq = [int(x) for x in args.prompt_ids.split(",")]
    given = [int(x) for x in args.check.split(",")] if args.check else None
    steps = len(given) if given else args.n
    for i in range(steps):
        logits = make_fixtures.forward64(w, seq, heads)[0][-1]
        order = np.argsort(logits)[::-1]
        best, margin = int(order[0]), float(logits[order[0]] - logits[order[1]])
        mark = "" if not given else (" ok" if given[i] == best else f" given {given[i]} is {logits[best] - logits[given[i]]:.2e} below")
        print(f"step {i:2d}: argmax {best:5d} (2nd {int(order[1]):5d}) margin {margin:.3e}{mark}")
        seq.append(given[i] if given else best)


if __name__ == "__main__":
    main()
