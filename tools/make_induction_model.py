#!/usr/bin/env python3
"""A small GPT-2 whose heads do textbook jobs by construction: the attention explorer's worked example (README).

Training one on this shared 2-core machine did not get past the unigram plateau in the minutes it had (two runs of a
2-layer model on repeated word runs, 600 steps at 3e-3 and 200 at 1e-3; induction heads appear later than that), so the
weights are written by hand instead, in GPT-2's exact architecture and Hugging Face layout (n_embd 128, 2 layers x 2
heads, context 40, GPT-2's tokenizer and 50257-token vocabulary). The residual stream is split into four blocks:

    T  dims   0..23  the token's code (words of the demo: orthonormal; every other token: random, half the norm)
    S  dims  24..47  the previous token's code, written by layer 0's previous-token head
    P  dims  48..87  the position: cos/sin of 20 frequencies 2 pi f / 41, so sum_f cos(theta_f (i - j)) is 20 at
                     i = j and exactly -1/2 elsewhere (a Dirichlet kernel)
    N  dims  88..127 minus P, so every vector has mean 0 and LayerNorm only rescales it

    layer 0 head 0, previous-token: q = the position rotated back by one, k = the position: peaks at key i - 1;
                    it copies the key's token code into S.
    layer 0 head 1, first-token:    q = a constant, k = the position: peaks at key 0; it writes nothing (a sink).
    layer 1 head 0, induction:      q = the current token's code (T), k = the code of the token before each key (S):
                    peaks on the key right after an earlier copy of the current token; it adds that key's code to T,
                    so the model predicts it next.
    layer 1 head 1, self:           q = k = the token code: the token itself and its earlier copies.
    The MLPs are zero; the final LayerNorm and the tied embedding read T.

    /usr/bin/python3 tools/make_induction_model.py --out build-out/induction
    ./gpt2j attention -m build-out/induction -p "$(cat build-out/induction/prompt.txt)" --html attention.html

The model is 26 MB (the 50257 x 128 embedding), so it is made on demand and never committed. The script checks the
heads with its own float64 forward pass (tools/make_attention_steps.py's) before writing.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_bpe import Gpt2Bpe, copy_tokenizer  # noqa: E402
from hf_checkpoint import config_json, write_checkpoint  # noqa: E402
from make_attention_steps import forward  # noqa: E402

WORDS = "the cat sat on mat dog ran to park bird flew over tree fish in river sun rose above hill moon king".split()
PROMPT = " the dog ran over hill to park in sun. the dog ran over hill to park in sun."
E, HEADS, HD, CTX, V = 128, 2, 64, 40, 50257
T, S, P, N = slice(0, 24), slice(24, 48), slice(48, 88), slice(88, 128)
FREQS = 20
A = 4.0          # norm of a demo token's code in the embedding
PREV = 4.0       # previous-token and first-token sharpness: attention logit gap 0.125 * 4 * 20.5 = 10.25 nats
INDUCTION = 160.0  # demo match: 20 nats; random (half-norm) codes of the induction probe: 5 nats
SELF = 64.0      # self head: 8 nats for the same token
COPY = 12.0      # how strongly the induction head writes the next token's code


def zero_mean_basis(rng, dims):
    """An orthonormal basis of the vectors in R^dims whose entries sum to 0 (dims - 1 of them)."""
    m = rng.standard_normal((dims, dims))
    m -= m.mean(axis=0, keepdims=True)
    q, _ = np.linalg.qr(m)
    return q[:, :dims - 1].T


def build(seed):
    rng = np.random.default_rng(seed)
    bpe = Gpt2Bpe()
    demo = sorted({i for w in WORDS for i in bpe.encode(" " + w)} | set(bpe.encode(".")))
    basis = zero_mean_basis(rng, 24)
    assert len(demo) <= len(basis), len(demo)
    codes = rng.standard_normal((V, 24))
    codes -= codes.mean(axis=1, keepdims=True)
    codes *= 0.5 / np.linalg.norm(codes, axis=1, keepdims=True)
    for i, t in enumerate(demo):
        codes[t] = basis[i]
    wte = np.zeros((V, E))
    wte[:, T] = A * codes
    theta = 2 * math.pi * np.arange(1, FREQS + 1) / 41
    pos = np.arange(CTX)[:, None] * theta[None, :]
    wpe = np.zeros((CTX, E))
    wpe[:, P] = np.stack([np.cos(pos), np.sin(pos)], axis=2).reshape(CTX, 2 * FREQS)
    wpe[:, N] = -wpe[:, P]

    p = {"wte.weight": wte, "wpe.weight": wpe, "ln_f.weight": np.ones(E), "ln_f.bias": np.zeros(E)}
    sigma0 = math.sqrt((A * A + 2 * FREQS) / E)       # LayerNorm's std of a demo token's embedding
    sigma1 = math.sqrt((2 * A * A + 2 * FREQS) / E)   # ... after layer 0 has added the previous token's code
    rot = np.zeros((2 * FREQS, 2 * FREQS))            # [cos t p, sin t p] -> [cos t (p-1), sin t (p-1)]
    for f, t in enumerate(theta):
        c, s = math.cos(t), math.sin(t)
        rot[2 * f:2 * f + 2, 2 * f:2 * f + 2] = [[c, -s], [s, c]]  # acts on a row vector: x @ rot
    for layer in range(2):
        attn = np.zeros((E, 3 * E))
        attn_b = np.zeros(3 * E)
        proj = np.zeros((E, E))
        q0, k0, v0 = slice(0, 2 * FREQS), slice(E, E + 2 * FREQS), slice(2 * E, 2 * E + 24)
        q1, k1 = slice(HD, HD + 2 * FREQS), slice(E + HD, E + HD + 2 * FREQS)
        if layer == 0:
            attn[P, q0] = PREV * sigma0 * rot          # head 0: previous token
            attn[P, k0] = sigma0 * np.eye(2 * FREQS)
            attn[T, v0] = sigma0 * np.eye(24)
            proj[0:24, S] = np.eye(24)                 # its output goes to S
            attn_b[q1] = PREV * np.tile([1.0, 0.0], FREQS)  # head 1: first token (cos terms of position 0)
            attn[P, k1] = sigma0 * np.eye(2 * FREQS)
        else:
            attn[T, slice(0, 24)] = INDUCTION * sigma1 / A * np.eye(24)       # head 0: induction
            attn[S, slice(E, E + 24)] = sigma1 / A * np.eye(24)
            attn[T, v0] = COPY * sigma1 / A * np.eye(24)
            proj[0:24, T] = np.eye(24)
            attn[T, slice(HD, HD + 24)] = SELF * sigma1 / A * np.eye(24)      # head 1: self
            attn[T, slice(E + HD, E + HD + 24)] = sigma1 / A * np.eye(24)
        pre = f"h.{layer}."
        p.update({pre + "ln_1.weight": np.ones(E), pre + "ln_1.bias": np.zeros(E),
                  pre + "attn.c_attn.weight": attn, pre + "attn.c_attn.bias": attn_b,
                  pre + "attn.c_proj.weight": proj, pre + "attn.c_proj.bias": np.zeros(E),
                  pre + "ln_2.weight": np.ones(E), pre + "ln_2.bias": np.zeros(E),
                  pre + "mlp.c_fc.weight": np.zeros((E, 4 * E)), pre + "mlp.c_fc.bias": np.zeros(4 * E),
                  pre + "mlp.c_proj.weight": np.zeros((4 * E, E)), pre + "mlp.c_proj.bias": np.zeros(E)})
    return p, bpe


def check(params, bpe):
    """The float64 reference forward on the demo prompt: each head's mean weight on its job's key."""
    cfg = {"n_embd": E, "n_head": HEADS, "n_layer": 2, "layer_norm_epsilon": 1e-5}
    w32 = {k: np.asarray(v, dtype=np.float32).astype(np.float64) for k, v in params.items()}
    tokens = bpe.encode(PROMPT)
    raw, scales, logits = forward(w32, cfg, tokens)
    t, out = len(tokens), {}
    for layer in range(2):
        for head in range(HEADS):
            a = raw[layer, head] * scales[layer]
            a = np.where(np.tril(np.ones((t, t))) > 0, a, -np.inf)
            a = np.exp(a - a.max(1, keepdims=True))
            a /= a.sum(1, keepdims=True)
            prev = np.mean([a[q, q - 1] for q in range(1, t)])
            first = np.mean([a[q, 0] for q in range(1, t)])
            same = np.mean([a[q, q] for q in range(1, t)])
            half = t // 2  # the prompt is one sentence said twice
            ind = np.mean([a[q, q - half + 1] for q in range(half, t - 1)])
            out[f"L{layer}H{head}"] = {"previous": prev, "first": first, "self": same, "induction_in_prompt": ind}
    predicted = [int(np.argmax(r)) for r in logits]
    second = tokens[len(tokens) // 2:]
    right = sum(predicted[len(tokens) // 2 + i - 1] == second[i] for i in range(1, len(second)))
    out["second_copy_predicted"] = f"{right}/{len(second) - 1}"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20)
    args = ap.parse_args()
    params, bpe = build(args.seed)
    report = check(params, bpe)
    print(json.dumps(report, indent=2, default=float))
    assert report["L0H0"]["previous"] > 0.9 and report["L0H1"]["first"] > 0.9, report
    assert report["L1H0"]["induction_in_prompt"] > 0.9 and report["L1H1"]["self"] > 0.5, report
    os.makedirs(args.out, exist_ok=True)
    write_checkpoint(args.out, config_json(V, CTX, E, 2, HEADS),
                     {k: torch.tensor(v, dtype=torch.float32) for k, v in params.items()})
    copy_tokenizer(args.out)
    with open(os.path.join(args.out, "prompt.txt"), "w") as f:
        f.write(PROMPT)


if __name__ == "__main__":
    main()
