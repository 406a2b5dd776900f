"""Tiny GPT-2 checkpoints for every GPT2Config field that changes the math, with float64 reference outputs.

    /usr/bin/python3 tools/make_config_fixtures.py           # rewrite engine/src/test/resources/fixtures/cfg-*/
    /usr/bin/python3 tools/make_config_fixtures.py --verify  # also run each through torch.nn in float32

Each fixture is a Hugging Face directory (config.json + model.safetensors, random F32 weights, a few KB) whose
config.json sets one of: scale_attn_by_inverse_layer_idx, scale_attn_weights, n_inner, layer_norm_epsilon, or an
activation_function (each ACT2FN name a GPT-2 can carry). The reference below is written from transformers'
modeling_gpt2.py (GPT2Attention: scores = q k^T, divided by sqrt(head_dim) when scale_attn_weights, and by
layer_idx + 1 when scale_attn_by_inverse_layer_idx; GPT2MLP: act(c_fc) then c_proj, width n_inner or 4 n_embd) and
activations.py (each ACT2FN class's formula as written there), in numpy float64: it shares no code with gpt2j.
The output layout is tools/make_fixtures.py's (fixture.json, logits.f32, attention.f32, model/).
"""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_checkpoint  # noqa: E402
from make_fixtures import FIXTURES, compact_lists, log_softmax, write_f32  # noqa: E402

_erf = np.vectorize(math.erf)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# activations.py, ACT2CLS: the name -> its class's forward, in float64.
ACT2FN = {
    # NewGELUActivation
    "gelu_new": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * np.power(x, 3.0)))),
    # PytorchGELUTanh: nn.functional.gelu(input, approximate="tanh"), the same tanh formula
    "gelu_pytorch_tanh": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))),
    # FastGELUActivation
    "gelu_fast": lambda x: 0.5 * x * (1.0 + np.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))),
    # AccurateGELUActivation: precomputed_constant = sqrt(2 / pi)
    "gelu_accurate": lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * np.power(x, 3)))),
    # GELUActivation: nn.functional.gelu, exact; gelu_python is x * 0.5 * (1 + erf(x / sqrt 2))
    "gelu": lambda x: x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0))),
    "gelu_python": lambda x: x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0))),
    # QuickGELUActivation
    "quick_gelu": lambda x: x * sigmoid(1.702 * x),
    "relu": lambda x: np.maximum(x, 0.0),
    "silu": lambda x: x * sigmoid(x),
    "swish": lambda x: x * sigmoid(x),
    "tanh": np.tanh,
}

BASE = dict(vocab=32, ctx=20, embd=8, heads=2, layers=2, prompt=12, greedy=6, eps=1e-5, inner=None,
            act="gelu_new", scale=True, inverse=False)

# name, description, overrides of BASE (config.json gets the matching fields).
SPECS = [
    ("cfg-inverse-layer-idx", "scale_attn_by_inverse_layer_idx: true (layer l's scores also divided by l + 1)",
     dict(layers=4, inverse=True, seed=11)),
    ("cfg-no-scale", "scale_attn_weights: false (no 1/sqrt(head_dim))", dict(layers=3, scale=False, seed=12)),
    ("cfg-no-scale-inverse", "scale_attn_weights: false with scale_attn_by_inverse_layer_idx: true",
     dict(layers=3, scale=False, inverse=True, seed=13)),
    ("cfg-n-inner-odd", "n_inner: 37 (not 4 * n_embd, and odd)", dict(inner=37, seed=14)),
    ("cfg-epsilon", "layer_norm_epsilon: 0.03", dict(eps=0.03, seed=15)),
    ("cfg-gelu-pytorch-tanh", "activation_function: gelu_pytorch_tanh", dict(act="gelu_pytorch_tanh", seed=16)),
    ("cfg-gelu-fast", "activation_function: gelu_fast", dict(act="gelu_fast", seed=17)),
    ("cfg-gelu-accurate", "activation_function: gelu_accurate", dict(act="gelu_accurate", seed=18)),
    ("cfg-gelu", "activation_function: gelu (exact erf)", dict(act="gelu", seed=19)),
    ("cfg-quick-gelu", "activation_function: quick_gelu", dict(act="quick_gelu", seed=21)),
    ("cfg-relu", "activation_function: relu", dict(act="relu", seed=22)),
    ("cfg-silu", "activation_function: silu", dict(act="silu", seed=23)),
    ("cfg-tanh", "activation_function: tanh", dict(act="tanh", seed=25)),
]


def random_params(rng, s):
    """HF names (no prefix) -> float32 tensors, Conv1D [in, out]; spread norms and biases so logits have margins."""
    e, f = s["embd"], s["inner"] or 4 * s["embd"]

    def w(*shape):
        return torch.from_numpy((rng.standard_normal(shape) * 0.5 * rng.uniform(0.6, 1.4)).astype(np.float32))

    def v(n, center):
        return torch.from_numpy((center + 0.2 * rng.standard_normal(n)).astype(np.float32))

    p = {"wte.weight": w(s["vocab"], e), "wpe.weight": w(s["ctx"], e)}
    for i in range(s["layers"]):
        h = f"h.{i}."
        p[h + "ln_1.weight"], p[h + "ln_1.bias"] = v(e, 1.0), v(e, 0.0)
        p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"] = w(e, 3 * e), v(3 * e, 0.0)
        p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"] = w(e, e), v(e, 0.0)
        p[h + "ln_2.weight"], p[h + "ln_2.bias"] = v(e, 1.0), v(e, 0.0)
        p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"] = w(e, f), v(f, 0.0)
        p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"] = w(f, e), v(e, 0.0)
    p["ln_f.weight"], p["ln_f.bias"] = v(e, 1.0), v(e, 0.0)
    return p


# ---- float64 reference, after modeling_gpt2.py ------------------------------------------------------------------

def layer_norm(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def forward64(w, tokens, s):
    """Logits (T, V) and attention (L, H, T, T) of GPT2LMHeadModel with config s."""
    t, n_head, eps, act = len(tokens), s["heads"], s["eps"], ACT2FN[s["act"]]
    x = w["wte.weight"][tokens] + w["wpe.weight"][:t]
    c = x.shape[1]
    hd = c // n_head
    causal = np.tril(np.ones((t, t), dtype=bool))
    attention = []
    for layer_idx in range(s["layers"]):
        h = f"h.{layer_idx}."
        a = layer_norm(x, w[h + "ln_1.weight"], w[h + "ln_1.bias"], eps)
        qkv = a @ w[h + "attn.c_attn.weight"] + w[h + "attn.c_attn.bias"]
        q, k, v = qkv[:, :c], qkv[:, c:2 * c], qkv[:, 2 * c:]
        heads, probs = [], []
        for j in range(n_head):
            sl = slice(j * hd, (j + 1) * hd)
            attn_weights = q[:, sl] @ k[:, sl].T
            if s["scale"]:
                attn_weights = attn_weights / (v[:, sl].shape[-1] ** 0.5)
            if s["inverse"]:
                attn_weights = attn_weights / float(layer_idx + 1)
            attn_weights = np.where(causal, attn_weights, -np.inf)
            attn_weights = np.exp(attn_weights - attn_weights.max(axis=-1, keepdims=True))
            p = attn_weights / attn_weights.sum(axis=-1, keepdims=True)
            probs.append(p)
            heads.append(p @ v[:, sl])
        attention.append(probs)
        x = x + np.concatenate(heads, axis=1) @ w[h + "attn.c_proj.weight"] + w[h + "attn.c_proj.bias"]
        m = layer_norm(x, w[h + "ln_2.weight"], w[h + "ln_2.bias"], eps)
        m = act(m @ w[h + "mlp.c_fc.weight"] + w[h + "mlp.c_fc.bias"])
        x = x + m @ w[h + "mlp.c_proj.weight"] + w[h + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].T, np.array(attention)


def greedy64(w, tokens, s):
    seq, margin = list(tokens), np.inf
    for _ in range(s["greedy"]):
        last = forward64(w, seq, s)[0][-1]
        top2 = np.sort(last)[-2:]
        margin = min(margin, top2[1] - top2[0])
        seq.append(int(np.argmax(last)))
    return seq[len(tokens):], float(margin)


def torch_forward32(p, tokens, s):
    """A cross-check with torch.nn building blocks in float32 (activations from torch, not the table above)."""
    import torch.nn.functional as F
    acts = {"gelu_new": lambda z: F.gelu(z, approximate="tanh"), "gelu_pytorch_tanh": lambda z: F.gelu(z, approximate="tanh"),
            "gelu_fast": lambda z: F.gelu(z, approximate="tanh"), "gelu_accurate": lambda z: F.gelu(z, approximate="tanh"),
            "gelu": F.gelu, "gelu_python": F.gelu, "quick_gelu": lambda z: z * torch.sigmoid(1.702 * z),
            "relu": F.relu, "silu": F.silu, "swish": F.silu, "tanh": torch.tanh}
    x = p["wte.weight"][tokens] + p["wpe.weight"][: len(tokens)]
    t, c = x.shape
    n_head = s["heads"]
    hd = c // n_head
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(s["layers"]):
        h = f"h.{i}."
        a = F.layer_norm(x, (c,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], s["eps"])
        q, k, v = F.linear(a, p[h + "attn.c_attn.weight"].T, p[h + "attn.c_attn.bias"]).split(c, dim=1)
        q, k, v = (z.view(t, n_head, hd).transpose(0, 1) for z in (q, k, v))
        scale = (1 / hd ** 0.5 if s["scale"] else 1.0) / (i + 1 if s["inverse"] else 1)
        att = (q @ k.transpose(1, 2) * scale).masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + F.linear((att @ v).transpose(0, 1).reshape(t, c), p[h + "attn.c_proj.weight"].T, p[h + "attn.c_proj.bias"])
        m = F.layer_norm(x, (c,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], s["eps"])
        m = acts[s["act"]](F.linear(m, p[h + "mlp.c_fc.weight"].T, p[h + "mlp.c_fc.bias"]))
        x = x + F.linear(m, p[h + "mlp.c_proj.weight"].T, p[h + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (c,), p["ln_f.weight"], p["ln_f.bias"], s["eps"])
    return x @ p["wte.weight"].T


def config_json(s):
    c = hf_checkpoint.config_json(s["vocab"], s["ctx"], s["embd"], s["layers"], s["heads"], s["eps"])
    c.update({"activation_function": s["act"], "n_inner": s["inner"], "scale_attn_weights": s["scale"],
              "scale_attn_by_inverse_layer_idx": s["inverse"], "reorder_and_upcast_attn": s["inverse"]})
    return c


def sensitivity(w64, tokens, s, logits):
    """How far the logits move when the fixture's one setting is reverted to GPT-2's: the fixture must notice it."""
    plain = dict(s, eps=1e-5, inner=s["inner"], act="gelu_new", scale=True, inverse=False)
    if s["inner"] is not None:
        return float("inf")  # the tensors' shapes already differ
    other = forward64(w64, tokens, plain)[0]
    return float(np.abs(other - logits).max() / np.abs(logits).max())


def make(name, about, overrides, root, verify):
    s = dict(BASE, **overrides)
    # The first seed (from the spec's, in steps of 1000) whose greedy continuation has clear top-2 margins and whose
    # logits move by 10x the tests' tolerance (1e-4 of the largest logit) when the setting is reverted to GPT-2's.
    # gelu_pytorch_tanh, gelu_fast and gelu_accurate are GPT-2's own function: their formulas differ by rounding only.
    same = s["act"] in ("gelu_pytorch_tanh", "gelu_fast", "gelu_accurate")
    for seed in range(s["seed"], s["seed"] + 50000, 1000):
        rng = np.random.default_rng(seed)
        params = random_params(rng, s)
        w64 = {k: v.to(torch.float64).numpy() for k, v in params.items()}
        tokens = [int(t) for t in rng.integers(0, s["vocab"], s["prompt"])]
        logits, attention = forward64(w64, tokens, s)
        moved = sensitivity(w64, tokens, s, logits)
        if not same and moved < 1e-3:
            continue
        greedy, margin = greedy64(w64, tokens, s)
        if margin > 2e-2:
            break
    else:
        sys.exit(f"{name}: no seed gave a top-2 margin over 0.02 and logits that notice the setting")

    out = os.path.join(root, name)
    shutil.rmtree(out, ignore_errors=True)
    hf_checkpoint.write_checkpoint(os.path.join(out, "model"), config_json(s), params)
    write_f32(os.path.join(out, "logits.f32"), logits)
    write_f32(os.path.join(out, "attention.f32"), attention)
    logp = log_softmax(logits)
    nll = float(-np.mean([logp[i, tokens[i + 1]] for i in range(len(tokens) - 1)]))
    manifest = {
        "name": name,
        "description": about,
        "seed": seed,
        "generator": "tools/make_config_fixtures.py (numpy float64 forward after modeling_gpt2.py)",
        "model_dir": "model",
        "config": {"vocab_size": s["vocab"], "n_positions": s["ctx"], "n_embd": s["embd"], "n_layer": s["layers"],
                   "n_head": s["heads"], "layer_norm_epsilon": s["eps"], "n_inner": s["inner"],
                   "activation_function": s["act"], "scale_attn_weights": s["scale"],
                   "scale_attn_by_inverse_layer_idx": s["inverse"]},
        "tokens": tokens,
        "logits": {"file": "logits.f32", "dtype": "float32", "byte_order": "little", "shape": list(logits.shape),
                   "meaning": "logits[t][v] after tokens[0..t]"},
        "attention": {"file": "attention.f32", "dtype": "float32", "byte_order": "little",
                      "shape": list(attention.shape),
                      "meaning": "attention[layer][head][query][key] after the causal mask and softmax"},
        "greedy": {"new_tokens": greedy, "count": len(greedy),
                   "meaning": "argmax continuation of tokens, float64 model", "min_top2_margin": round(margin, 6)},
        "nll": {"mean": nll, "perplexity": float(np.exp(nll)), "scored": len(tokens) - 1,
                "meaning": "mean natural-log NLL of tokens[1..] each predicted from the tokens before it"},
        "plain_gpt2_moves_logits_by": None if math.isinf(moved) else round(moved, 6),
    }
    with open(os.path.join(out, "fixture.json"), "w") as f:
        f.write(compact_lists(json.dumps(manifest, indent=2)) + "\n")
    if verify:
        with torch.no_grad():
            ref32 = torch_forward32(params, torch.tensor(tokens), s).numpy()
        diff = float(np.abs(ref32 - logits).max() / np.abs(logits).max())
        print(f"  verify {name}: max |torch.nn float32 - float64| / max |logit| = {diff:.1e}"
              f" {'ok' if diff < 1e-5 else 'MISMATCH'}")
        if diff >= 1e-5:
            sys.exit(1)
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
    print(f"{name}: {size} bytes, greedy {greedy}, margin {margin:.3f}, plain GPT-2 moves logits by {moved:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=FIXTURES, help="output directory (default engine/src/test/resources/fixtures)")
    ap.add_argument("--verify", action="store_true", help="cross-check each reference with torch.nn in float32")
    args = ap.parse_args()
    for name, about, overrides in SPECS:
        make(name, about, overrides, args.out, args.verify)


if __name__ == "__main__":
    main()
