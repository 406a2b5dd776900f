#!/usr/bin/env python3
"""Reference data for the attention explorer's step view, from the committed engine fixtures.

For every layer, head and query of a fixture's prompt: the raw scores q.k, the scale the layer applies, and (from
those, independently of gpt2j) the attention weights; plus the 5 most probable next tokens after each position.
Everything is computed here in float64 with numpy, following Hugging Face's modeling_gpt2.py (GPT2Attention._attn:
attn_weights = q @ k^T, divided by sqrt(head_dim) when scale_attn_weights (default true) and by layer_idx + 1 when
scale_attn_by_inverse_layer_idx; the causal mask puts the dtype's minimum, i.e. -inf in effect, on later keys; then
softmax), reading the weights as stored in model.safetensors (F32, F16 or BF16).

    /usr/bin/python3 tools/make_attention_steps.py          # writes cli/src/test/resources/attention-steps/*.json
"""
import json
import math
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "engine", "src", "test", "resources", "fixtures")
OUT = os.path.join(ROOT, "cli", "src", "test", "resources", "attention-steps")
NAMES = ["f32-hf", "f16"]
TOP_K = 5


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base, out = 8 + n, {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        data = raw[base + a:base + b]
        if info["dtype"] == "F32":
            x = np.frombuffer(data, "<f4")
        elif info["dtype"] == "F16":
            x = np.frombuffer(data, "<f2")
        elif info["dtype"] == "BF16":
            x = (np.frombuffer(data, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(info["dtype"])
        out[name.removeprefix("transformer.")] = x.astype(np.float64).reshape(info["shape"])
    return out


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(w, cfg, tokens):
    """Returns raw scores [L][H][T][T] (later keys 0), scales [L] and logits [T][V]."""
    t, e, nh = len(tokens), cfg["n_embd"], cfg["n_head"]
    hd, eps = e // nh, cfg.get("layer_norm_epsilon", 1e-5)
    x = w["wte.weight"][tokens] + w["wpe.weight"][:t]
    raw, scales = np.zeros((cfg["n_layer"], nh, t, t)), []
    causal = np.tril(np.ones((t, t), dtype=bool))
    for l in range(cfg["n_layer"]):
        p = f"h.{l}."
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv[:, :e], qkv[:, e:2 * e], qkv[:, 2 * e:]
        scale = 1.0
        if cfg.get("scale_attn_weights", True):
            scale /= math.sqrt(hd)
        if cfg.get("scale_attn_by_inverse_layer_idx", False):
            scale /= l + 1
        scales.append(scale)
        y = np.zeros((t, e))
        for head in range(nh):
            s = slice(head * hd, (head + 1) * hd)
            dots = q[:, s] @ k[:, s].T
            raw[l, head] = np.where(causal, dots, 0.0)
            a = np.where(causal, dots * scale, -np.inf)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            y[:, s] = a @ v[:, s]
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]) @ w[p + "mlp.c_proj.weight"] \
            + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return raw, scales, x @ w["wte.weight"].T


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in NAMES:
        d = os.path.join(FIXTURES, name)
        with open(os.path.join(d, "fixture.json")) as f:
            tokens = json.load(f)["tokens"]
        with open(os.path.join(d, "model", "config.json")) as f:
            cfg = json.load(f)
        raw, scales, logits = forward(read_safetensors(os.path.join(d, "model", "model.safetensors")), cfg, tokens)
        top = []
        for row in logits:
            p = np.exp(row - row.max())
            p /= p.sum()
            ids = sorted(range(len(p)), key=lambda i: (-p[i], i))[:TOP_K]
            top.append({"ids": ids, "probabilities": [float(f"{p[i]:.9g}") for i in ids]})
        t = len(tokens)
        doc = {
            "fixture": name,
            "generator": "tools/make_attention_steps.py (numpy float64, following modeling_gpt2.py)",
            "tokens": tokens,
            "scales": scales,
            "meaning": "scores[layer][head][query] = q.k for keys 0..query (later keys are masked: -inf after "
                       "scaling); weights = softmax(scores * scale); next[position] = top 5 next tokens",
            "scores": [[[[float(f"{raw[l, h, q, k]:.10g}") for k in range(q + 1)] for q in range(t)]
                        for h in range(raw.shape[1])] for l in range(raw.shape[0])],
            "next": top,
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(name, os.path.getsize(os.path.join(OUT, name + ".json")), "bytes")


if __name__ == "__main__":
    main()
