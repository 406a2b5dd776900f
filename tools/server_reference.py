#!/usr/bin/env python3
"""Float64 reference numbers for the server's tests, from the embedded model's own GGUF file.

    /usr/bin/python3 tools/server_reference.py cli/model/default.gguf server/src/test/resources/reference.json

Reads the F16/F32 tensors of the GGUF with a small reader written here, converts them to Hugging Face's layout and
runs tools/make_fixtures.py's numpy float64 forward pass (independent of the Java code): the log-probability of
every prompt token after its prefix with the top 5 alternatives (what echo + logprobs must return), and greedy
continuations of several prompts (what concurrent greedy requests must return).
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_bpe import Gpt2Bpe  # noqa: E402
from make_fixtures import forward64, log_softmax  # noqa: E402

ECHO_PROMPTS = ["In the beginning God created the heaven and the earth.", "And Moses said unto the people, Fear ye not"]
GREEDY_PROMPTS = ["And it came to pass", "In the beginning", "The LORD is my shepherd", "Jesus said unto them",
                  "Blessed are the", "And the king said", "Thus saith the LORD", "For God so loved"]
GREEDY = 16
TOP = 5


def read_gguf(path):
    """Tensor name -> float64 array in numpy order (ggml's ne reversed); metadata ints we need."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take(scalar[t])

    assert data[:4] == b"GGUF", "not a GGUF file"
    pos = 4
    take("I")
    n_tensors, n_kv = take("Q"), take("Q")
    meta = {}
    for _ in range(n_kv):
        key = string()
        meta[key] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        ne = [take("Q") for _ in range(take("I"))]
        infos.append((name, ne, take("I"), take("Q")))
    align = meta.get("general.alignment", 32)
    start = (pos + align - 1) // align * align
    tensors = {}
    for name, ne, typ, off in infos:
        count = int(np.prod(ne))
        dtype = {0: "<f4", 1: "<f2"}[typ]
        a = np.frombuffer(data, dtype=dtype, count=count, offset=start + off)
        tensors[name] = a.astype(np.float64).reshape(list(reversed(ne)))
    return tensors, meta


def hf_layout(t):
    """GGUF names and [out, in] matrices -> Hugging Face names and Conv1D [in, out] matrices."""
    w = {"wte.weight": t["token_embd.weight"], "wpe.weight": t["position_embd.weight"],
         "ln_f.weight": t["output_norm.weight"], "ln_f.bias": t["output_norm.bias"]}
    names = {"attn_norm": "ln_1", "ffn_norm": "ln_2", "attn_qkv": "attn.c_attn", "attn_output": "attn.c_proj",
             "ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"}
    i = 0
    while f"blk.{i}.attn_norm.weight" in t:
        for g, h in names.items():
            for part in ("weight", "bias"):
                a = t[f"blk.{i}.{g}.{part}"]
                w[f"h.{i}.{h}.{part}"] = a.T if a.ndim == 2 else a
        i += 1
    return w


def main():
    src, dst = sys.argv[1], sys.argv[2]
    t, meta = read_gguf(src)
    w = hf_layout(t)
    heads = meta["gpt2.attention.head_count"]
    bpe = Gpt2Bpe()
    echo = []
    for prompt in ECHO_PROMPTS:
        ids = bpe.encode(prompt)
        logp = log_softmax(forward64(w, ids, heads)[0])
        rows = []
        for i in range(len(ids) - 1):
            top = np.argsort(-logp[i], kind="stable")[:TOP]
            rows.append({"token": ids[i + 1], "logprob": float(logp[i, ids[i + 1]]),
                         "top": [[int(k), float(logp[i, k])] for k in top]})
        echo.append({"prompt": prompt, "tokens": ids, "scored": rows})
    greedy = []
    for prompt in GREEDY_PROMPTS:
        seq = bpe.encode(prompt)
        margin = np.inf
        for _ in range(GREEDY):
            last = forward64(w, seq, heads)[0][-1]
            top2 = np.sort(last)[-2:]
            margin = min(margin, top2[1] - top2[0])
            seq.append(int(np.argmax(last)))
        new = seq[len(bpe.encode(prompt)):]
        greedy.append({"prompt": prompt, "tokens": new, "text": bpe.decode(new), "min_margin": float(margin)})
    with open(dst, "w") as f:
        json.dump({"model": os.path.basename(src), "echo": echo, "greedy": greedy}, f, indent=1)


if __name__ == "__main__":
    main()
