"""Small GPT-2 checkpoints in the Hugging Face layout, with float64 reference outputs, for gpt2j's tests.

    /usr/bin/python3 tools/make_fixtures.py                 # rewrite engine/src/test/resources/fixtures/
    /usr/bin/python3 tools/make_fixtures.py --verify        # also check the float64 reference against torch.nn (F32)
    /usr/bin/python3 tools/make_fixtures.py --shape gpt2 --out build-out/gpt2-random   # random 124M-shape checkpoint

The reference forward pass below is written from the GPT-2 definition (learned positions, pre-LayerNorm blocks,
causal multi-head attention, tanh GELU, head tied to wte) in numpy float64, independently of Hugging Face and of the
Java code. It runs on the weights as stored (F16/BF16 rounding included), so only gpt2j's own arithmetic differs.
"""
import argparse
import json
import os
import re
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_bpe  # noqa: E402
import hf_checkpoint  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "engine", "src", "test", "resources", "fixtures")
EPS = 1e-5
TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}

# name: shape, storage and test data. Dimensions stay multiples of 32 so every matrix can also be quantized to Q8_0/Q4_0.
FIXTURE_SPECS = [
    dict(name="f32-hf", about="save_pretrained naming (transformer. prefix), F32, no lm_head (tied)",
         vocab=200, ctx=64, embd=64, layers=2, heads=4, prefix="transformer.", dtype="F32",
         lm_head=False, attn_bias=False, shards=1, seed=1, prompt=24, greedy=16),
    dict(name="f32-openai", about="original OpenAI release naming (no prefix) with h.N.attn.bias/masked_bias buffers",
         vocab=96, ctx=32, embd=32, layers=2, heads=2, prefix="", dtype="F32",
         lm_head=False, attn_bias=True, shards=1, seed=2, prompt=16, greedy=12),
    dict(name="f32-lm-head", about="save_pretrained naming with an explicit lm_head.weight (equal to wte, as HF saves it)",
         vocab=150, ctx=32, embd=32, layers=2, heads=4, prefix="transformer.", dtype="F32",
         lm_head=True, attn_bias=False, shards=1, seed=3, prompt=20, greedy=8),
    dict(name="f16", about="save_pretrained naming, every tensor F16",
         vocab=300, ctx=48, embd=32, layers=2, heads=2, prefix="transformer.", dtype="F16",
         lm_head=False, attn_bias=False, shards=1, seed=4, prompt=20, greedy=12),
    dict(name="bf16", about="save_pretrained naming, every tensor BF16",
         vocab=128, ctx=32, embd=32, layers=2, heads=2, prefix="transformer.", dtype="BF16",
         lm_head=False, attn_bias=False, shards=1, seed=5, prompt=16, greedy=8),
    dict(name="f32-sharded", about="save_pretrained naming, F32, two shards with model.safetensors.index.json",
         vocab=120, ctx=32, embd=32, layers=2, heads=4, prefix="transformer.", dtype="F32",
         lm_head=False, attn_bias=False, shards=2, seed=6, prompt=18, greedy=8),
]

# Published GPT-2 sizes: (n_layer, n_embd, n_head); all have vocab 50257 and context 1024.
SHAPES = {"gpt2": (12, 768, 12), "gpt2-medium": (24, 1024, 16), "gpt2-large": (36, 1280, 20), "gpt2-xl": (48, 1600, 25)}


def random_params(rng, vocab, ctx, embd, layers, std, spread):
    """HF parameter names (no prefix) -> float32 tensors; Conv1D weights are [in, out].

    spread=False: GPT-2's init (normal(0, std) weights, LayerNorm 1/0, zero biases).
    spread=True: per-tensor std varied around `std`, random LayerNorm gains and biases, so that the tiny fixtures
    have peaked attention and logits with clear argmax margins.
    """
    def normal(shape, s):
        return torch.from_numpy(rng.standard_normal(shape, dtype=np.float32) * np.float32(s))

    def weight(shape):
        return normal(shape, std * rng.uniform(0.5, 1.5) if spread else std)

    def vector(n, center):
        if not spread:
            return torch.full((n,), float(center))
        return torch.from_numpy((center + 0.1 * rng.standard_normal(n)).astype(np.float32))

    p = {"wte.weight": weight((vocab, embd)), "wpe.weight": weight((ctx, embd))}
    for i in range(layers):
        h = f"h.{i}."
        p[h + "ln_1.weight"], p[h + "ln_1.bias"] = vector(embd, 1.0), vector(embd, 0.0)
        p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"] = weight((embd, 3 * embd)), vector(3 * embd, 0.0)
        p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"] = weight((embd, embd)), vector(embd, 0.0)
        p[h + "ln_2.weight"], p[h + "ln_2.bias"] = vector(embd, 1.0), vector(embd, 0.0)
        p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"] = weight((embd, 4 * embd)), vector(4 * embd, 0.0)
        p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"] = weight((4 * embd, embd)), vector(embd, 0.0)
    p["ln_f.weight"], p["ln_f.bias"] = vector(embd, 1.0), vector(embd, 0.0)
    return p


# ---- float64 reference ----------------------------------------------------------------------------------------------

def layer_norm(x, w, b):
    # x: (T, C); two passes: mean, then variance of the centred values.
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + EPS) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def forward64(w, tokens, n_head):
    """w: name -> float64 array (HF names, Conv1D [in, out]; lm_head.weight when untied). Returns logits (T, V) and
    attention (L, H, T, T)."""
    t = len(tokens)
    x = w["wte.weight"][tokens] + w["wpe.weight"][:t]             # (T, C)
    c = x.shape[1]
    hd = c // n_head
    causal = np.tril(np.ones((t, t), dtype=bool))
    attention = []
    i = 0
    while f"h.{i}.ln_1.weight" in w:
        h = f"h.{i}."
        a = layer_norm(x, w[h + "ln_1.weight"], w[h + "ln_1.bias"])
        qkv = a @ w[h + "attn.c_attn.weight"] + w[h + "attn.c_attn.bias"]   # (T, 3C): q | k | v
        q, k, v = qkv[:, :c], qkv[:, c:2 * c], qkv[:, 2 * c:]
        heads, probs = [], []
        for j in range(n_head):
            s = slice(j * hd, (j + 1) * hd)
            scores = q[:, s] @ k[:, s].T / np.sqrt(hd)                   # (T, T)
            scores = np.where(causal, scores, -np.inf)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            p = scores / scores.sum(axis=-1, keepdims=True)
            probs.append(p)
            heads.append(p @ v[:, s])                                     # (T, hd)
        attention.append(probs)
        y = np.concatenate(heads, axis=1) @ w[h + "attn.c_proj.weight"] + w[h + "attn.c_proj.bias"]
        x = x + y
        m = layer_norm(x, w[h + "ln_2.weight"], w[h + "ln_2.bias"])
        m = gelu_tanh(m @ w[h + "mlp.c_fc.weight"] + w[h + "mlp.c_fc.bias"])
        x = x + m @ w[h + "mlp.c_proj.weight"] + w[h + "mlp.c_proj.bias"]
        i += 1
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"])
    return x @ w.get("lm_head.weight", w["wte.weight"]).T, np.array(attention)


def log_softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def greedy64(w, tokens, n_head, n_new):
    """Argmax continuation, recomputing the full sequence each step; also the smallest top-1/top-2 logit margin."""
    seq, margin = list(tokens), np.inf
    for _ in range(n_new):
        last = forward64(w, seq, n_head)[0][-1]
        top2 = np.sort(last)[-2:]
        margin = min(margin, top2[1] - top2[0])
        seq.append(int(np.argmax(last)))
    return seq[len(tokens):], float(margin)


def torch_forward32(p, tokens, n_head):
    """The same model with torch.nn building blocks in float32: a cross-check of forward64, not a reference."""
    import torch.nn.functional as F
    x = p["wte.weight"][tokens] + p["wpe.weight"][: len(tokens)]
    t, c = x.shape
    hd = c // n_head
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    i = 0
    while f"h.{i}.ln_1.weight" in p:
        h = f"h.{i}."
        a = F.layer_norm(x, (c,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], EPS)
        q, k, v = F.linear(a, p[h + "attn.c_attn.weight"].T, p[h + "attn.c_attn.bias"]).split(c, dim=1)
        q, k, v = (z.view(t, n_head, hd).transpose(0, 1) for z in (q, k, v))
        att = (q @ k.transpose(1, 2) / hd ** 0.5).masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(0, 1).reshape(t, c)
        x = x + F.linear(y, p[h + "attn.c_proj.weight"].T, p[h + "attn.c_proj.bias"])
        m = F.layer_norm(x, (c,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], EPS)
        m = F.gelu(F.linear(m, p[h + "mlp.c_fc.weight"].T, p[h + "mlp.c_fc.bias"]), approximate="tanh")
        x = x + F.linear(m, p[h + "mlp.c_proj.weight"].T, p[h + "mlp.c_proj.bias"])
        i += 1
    x = F.layer_norm(x, (c,), p["ln_f.weight"], p["ln_f.bias"], EPS)
    return x @ p["wte.weight"].T


# ---- fixtures -------------------------------------------------------------------------------------------------------

def compact_lists(text):
    """Indented JSON with each list of numbers on one line, so token lists stay readable."""
    return re.sub(r"\[\n[-+.,eE\d\s]*\]", lambda m: json.dumps(json.loads(m.group(0))), text)


def write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


def make_fixture(spec, root, verify):
    rng = np.random.default_rng(spec["seed"])
    # 0.2 gives peaked attention and logits with a spread of a few units at these widths.
    params = random_params(rng, spec["vocab"], spec["ctx"], spec["embd"], spec["layers"], 0.2, spread=True)
    dtype = TORCH_DTYPES[spec["dtype"]]
    stored = {k: v.to(dtype) for k, v in params.items()}
    w64 = {k: v.to(torch.float64).numpy() for k, v in stored.items()}
    tokens = [int(x) for x in rng.integers(0, spec["vocab"], spec["prompt"])]

    out = os.path.join(root, spec["name"])
    shutil.rmtree(out, ignore_errors=True)
    model_dir = os.path.join(out, "model")
    config = hf_checkpoint.config_json(spec["vocab"], spec["ctx"], spec["embd"], spec["layers"], spec["heads"], EPS)
    hf_checkpoint.write_checkpoint(model_dir, config, params, prefix=spec["prefix"], dtype=dtype,
                                   with_lm_head=spec["lm_head"], with_attn_bias=spec["attn_bias"],
                                   shards=spec["shards"])

    logits, attention = forward64(w64, tokens, spec["heads"])
    logp = log_softmax(logits)
    nll = float(-np.mean([logp[i, tokens[i + 1]] for i in range(len(tokens) - 1)]))
    greedy, margin = greedy64(w64, tokens, spec["heads"], spec["greedy"])
    assert margin > 1e-2, f"{spec['name']}: greedy top-2 margin {margin} too small for a float32 engine"
    assert attention.max() > 0.9, f"{spec['name']}: attention is too uniform ({attention.max()})"
    write_f32(os.path.join(out, "logits.f32"), logits)
    write_f32(os.path.join(out, "attention.f32"), attention)

    files = sorted(os.listdir(model_dir))
    manifest = {
        "name": spec["name"],
        "description": spec["about"],
        "generator": "tools/make_fixtures.py (numpy float64 reference forward on the stored weights)",
        "model_dir": "model",
        "checkpoint": {
            "files": files,
            "dtype": spec["dtype"],
            "naming": "openai" if spec["prefix"] == "" else "save_pretrained",
            "tensor_prefix": spec["prefix"],
            "lm_head": spec["lm_head"],
            "attn_bias_buffers": spec["attn_bias"],
            "shards": spec["shards"],
        },
        "config": {"vocab_size": spec["vocab"], "n_positions": spec["ctx"], "n_embd": spec["embd"],
                   "n_layer": spec["layers"], "n_head": spec["heads"], "layer_norm_epsilon": EPS},
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
        "logit_stats": {"std": round(float(logits.std()), 6), "max_abs": round(float(np.abs(logits).max()), 6)},
    }
    with open(os.path.join(out, "fixture.json"), "w") as f:
        f.write(compact_lists(json.dumps(manifest, indent=2)) + "\n")

    if verify:
        p32 = {k: v.to(torch.float32) for k, v in stored.items()}
        with torch.no_grad():
            ref32 = torch_forward32(p32, torch.tensor(tokens), spec["heads"]).numpy()
        diff = float(np.abs(ref32 - logits).max())
        status = "ok" if diff < 1e-5 else "MISMATCH"
        print(f"  verify {spec['name']}: max |torch.nn float32 - float64| = {diff:.2e} {status}")
        if diff >= 1e-5:
            sys.exit(1)
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
    print(f"{spec['name']}: {size} bytes, nll {nll:.4f}, greedy {greedy}, margin {margin:.3f}")


def make_shape(args):
    layers, embd, heads = SHAPES[args.shape] if args.shape else (12, 768, 12)
    layers = args.n_layer or layers
    embd = args.n_embd or embd
    heads = args.n_head or heads
    vocab, ctx = args.n_vocab or 50257, args.n_ctx or 1024
    if embd % heads:
        sys.exit(f"n_embd {embd} is not a multiple of n_head {heads}")
    rng = np.random.default_rng(args.seed)
    params = random_params(rng, vocab, ctx, embd, layers, args.std, spread=False)
    config = hf_checkpoint.config_json(vocab, ctx, embd, layers, heads, EPS)
    dtype = TORCH_DTYPES[args.dtype]
    hf_checkpoint.write_checkpoint(args.out, config, params, dtype=dtype, with_lm_head=args.lm_head,
                                   shards=args.shards)
    if vocab == 50257:
        gpt2_bpe.copy_tokenizer(args.out)
    n = sum(v.numel() for v in params.values())
    print(f"wrote {args.out}: {n / 1e6:.1f}M parameters, {layers} layers, n_embd {embd}, {heads} heads, "
          f"vocab {vocab}, context {ctx}, {args.dtype}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output directory (fixtures: default engine/src/test/resources/fixtures)")
    ap.add_argument("--verify", action="store_true", help="cross-check the float64 reference with torch.nn (float32)")
    ap.add_argument("--shape", choices=sorted(SHAPES), help="write one random checkpoint of a published GPT-2 size")
    ap.add_argument("--n-layer", type=int)
    ap.add_argument("--n-embd", type=int)
    ap.add_argument("--n-head", type=int)
    ap.add_argument("--n-vocab", type=int)
    ap.add_argument("--n-ctx", type=int)
    ap.add_argument("--std", type=float, default=0.02, help="weight init std for --shape (default 0.02)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=sorted(TORCH_DTYPES), default="F32")
    ap.add_argument("--lm-head", action="store_true", help="also store lm_head.weight (= wte)")
    ap.add_argument("--shards", type=int, default=1)
    args = ap.parse_args()
    if args.shape or args.n_layer or args.n_embd or args.n_head or args.n_vocab or args.n_ctx:
        if not args.out:
            ap.error("--out is required with --shape or explicit dimensions")
        make_shape(args)
        return
    root = args.out or FIXTURES
    for spec in FIXTURE_SPECS:
        make_fixture(spec, root, args.verify)


if __name__ == "__main__":
    main()
