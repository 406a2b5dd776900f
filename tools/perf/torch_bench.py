"""PyTorch float32 baseline for gpt2j bench: ppN (one batched prompt forward) and tgN (N one-token steps, KV cache).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=T \
        /usr/bin/python3 tools/perf/torch_bench.py -m HF_DIR -p 128 -n 64 -t T -r R

Measured the way llama-bench measures: pp feeds N random tokens from an empty cache and needs the logits of the last
position only; tg starts from an empty cache and decodes N tokens one at a time (argmax); one warm-up run each; every
repetition gives a tokens/s sample. Prints llama-bench-style JSON rows. The model is our own code on torch ops
(torch.addmm on the Conv1D [in, out] weights as stored), not Hugging Face's.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

NP_DTYPES = {"F32": np.float32, "F16": np.float16}


def load_hf(directory):
    """config.json + model.safetensors (single file) -> (config, {name without prefix: float32 tensor})."""
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(directory, "model.safetensors"), "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    params = {}
    for name, info in header.items():
        if name == "__metadata__" or name.endswith((".attn.bias", ".attn.masked_bias")):
            continue
        lo, hi = info["data_offsets"]
        array = np.frombuffer(data, dtype=NP_DTYPES[info["dtype"]], count=(hi - lo) // np.dtype(NP_DTYPES[info["dtype"]]).itemsize, offset=lo)
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        params[key] = torch.from_numpy(array.astype(np.float32).reshape(info["shape"]))
    return config, params


class Gpt2:
    def __init__(self, config, p):
        self.c = config["n_embd"]
        self.h = config["n_head"]
        self.layers = config["n_layer"]
        self.ctx = config["n_positions"]
        self.p = p
        self.k = torch.zeros(self.layers, self.ctx, self.c)
        self.v = torch.zeros(self.layers, self.ctx, self.c)

    def forward(self, tokens, pos, last_only=True):
        """tokens: LongTensor (T,) at positions pos..pos+T-1; fills the KV cache; returns logits of the last token."""
        p, c, h = self.p, self.c, self.h
        t = tokens.shape[0]
        hd = c // h
        x = p["wte.weight"][tokens] + p["wpe.weight"][pos:pos + t]
        n = pos + t
        mask = torch.ones(t, n, dtype=torch.bool).tril(diagonal=pos) if t > 1 else None
        for i in range(self.layers):
            w = lambda s: p[f"h.{i}.{s}"]  # noqa: E731
            a = F.layer_norm(x, (c,), w("ln_1.weight"), w("ln_1.bias"), 1e-5)
            qkv = torch.addmm(w("attn.c_attn.bias"), a, w("attn.c_attn.weight"))
            q, k, v = qkv.split(c, dim=1)
            self.k[i, pos:n] = k
            self.v[i, pos:n] = v
            q = q.view(t, h, hd).transpose(0, 1)                      # (h, t, hd)
            keys = self.k[i, :n].view(n, h, hd).transpose(0, 1)       # (h, n, hd)
            values = self.v[i, :n].view(n, h, hd).transpose(0, 1)
            scores = torch.matmul(q, keys.transpose(1, 2)) / math.sqrt(hd)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            y = torch.matmul(scores.softmax(-1), values).transpose(0, 1).reshape(t, c)
            x = x + torch.addmm(w("attn.c_proj.bias"), y, w("attn.c_proj.weight"))
            m = F.layer_norm(x, (c,), w("ln_2.weight"), w("ln_2.bias"), 1e-5)
            m = F.gelu(torch.addmm(w("mlp.c_fc.bias"), m, w("mlp.c_fc.weight")), approximate="tanh")
            x = x + torch.addmm(w("mlp.c_proj.bias"), m, w("mlp.c_proj.weight"))
        last = F.layer_norm(x[-1:] if last_only else x, (c,), p["ln_f.weight"], p["ln_f.bias"], 1e-5)
        return last @ p["wte.weight"].T


def run_pp(model, n, vocab, gen):
    tokens = torch.randint(0, vocab, (n,), generator=gen)
    t0 = time.perf_counter()
    model.forward(tokens, 0)
    return time.perf_counter() - t0


def run_tg(model, n, vocab, gen):
    token = torch.randint(0, vocab, (1,), generator=gen)
    t0 = time.perf_counter()
    for pos in range(n):
        token = model.forward(token, pos).argmax(-1)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-m", "--model", required=True, help="Hugging Face GPT-2 directory (single model.safetensors)")
    ap.add_argument("-p", "--n-prompt", type=int, default=128)
    ap.add_argument("-n", "--n-gen", type=int, default=64)
    ap.add_argument("-t", "--threads", type=int, default=1)
    ap.add_argument("-r", "--repetitions", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    config, params = load_hf(args.model)
    model = Gpt2(config, params)
    gen = torch.Generator().manual_seed(0)
    rows = []
    with torch.inference_mode():
        for test, n, fn in (("pp", args.n_prompt, run_pp), ("tg", args.n_gen, run_tg)):
            if n <= 0:
                continue
            fn(model, n, config["vocab_size"], gen)  # warm-up
            samples = [n / fn(model, n, config["vocab_size"], gen) for _ in range(args.repetitions)]
            rows.append({"model": os.path.basename(os.path.normpath(args.model)), "type": "f32",
                         "engine": "pytorch " + torch.__version__, "threads": args.threads, "test": f"{test}{n}",
                         "n_prompt": n if test == "pp" else 0, "n_gen": n if test == "tg" else 0,
                         "avg_ts": float(np.mean(samples)), "stddev_ts": float(np.std(samples, ddof=1)) if len(samples) > 1 else 0.0,
                         "samples_ts": samples})
    json.dump(rows, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
