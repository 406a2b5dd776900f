"""Tiny GPT-2 checkpoints written by torch.save (pytorch_model.bin, both container formats) for gpt2j's tests.

    /usr/bin/python3 tools/make_pytorch_fixtures.py     # rewrite engine/src/test/resources/fixtures/pytorch/

Three weight sets (F32, F16, BF16), each with:
  - safetensors/: the same weights, plain and contiguous, as config.json + model.safetensors (the comparison copy);
  - fixture.json + logits.f32: tokens, the float64 reference logits (forward64 from make_fixtures.py, written from the
    GPT-2 definition in numpy, on the weights as stored) and the greedy continuation;
  - one model directory per .bin variant (config.json + pytorch_model.bin, or shards + pytorch_model.bin.index.json).
The F32 variants store tensors the way real checkpoints do and the way a careless save does: lm_head.weight as a
view of wte's storage, h.0.attn.c_attn.weight as a transposed view (strides (1, in)), h.0.ln_1 weight and bias as two
views of one storage (the bias at a storage offset), h.1.mlp.c_proj.weight as every other row of a larger storage,
and the OpenAI-named variant with the causal-mask buffers (attn.bias as bool, attn.masked_bias).

malicious/: a pickle that runs `touch MARKER` through os.system when torch.load reads it, in both formats; the
script checks that torch.load really does run it (in a child process), then deletes the marker.
"""
import collections
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_checkpoint  # noqa: E402
import make_fixtures  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "engine", "src", "test", "resources", "fixtures", "pytorch")
MARKER = "/tmp/gpt2j-pickle-ran-a-command"
VOCAB, CTX, EMBD, LAYERS, HEADS = 48, 16, 8, 2, 2
PROMPT, GREEDY = 10, 6

# weight set: dtype, seed, variants (name, container, prefix, tricks, lm_head view, mask buffers, shards)
SETS = [
    ("f32", torch.float32, 21, [
        ("zip-hf", "zip", "transformer.", True, True, False, 1),
        ("legacy-hf", "legacy", "transformer.", True, True, False, 1),
        ("zip-openai", "zip", "", True, False, True, 1),
        ("legacy-openai", "legacy", "", True, False, True, 1),
        ("zip-sharded", "zip", "transformer.", True, True, False, 2),
    ]),
    ("f16", torch.float16, 122, [
        ("zip", "zip", "transformer.", True, False, False, 1),
        ("legacy", "legacy", "transformer.", True, False, False, 1),
    ]),
    ("bf16", torch.bfloat16, 223, [
        ("zip", "zip", "transformer.", True, False, False, 1),
        ("legacy", "legacy", "transformer.", True, False, False, 1),
    ]),
]


def state_dict(stored, prefix, tricks, lm_head, masks):
    """stored: unprefixed name -> tensor (contiguous, final dtype). Returns the state dict to torch.save."""
    sd = collections.OrderedDict()
    for name in hf_checkpoint.hf_tensor_names(LAYERS, ""):
        sd[prefix + name] = stored[name].clone()
        if masks and name.endswith("attn.c_attn.bias"):
            block = prefix + name[: -len("c_attn.bias")]
            sd[block + "bias"] = torch.tril(torch.ones(CTX, CTX, dtype=torch.bool)).view(1, 1, CTX, CTX)
            sd[block + "masked_bias"] = torch.tensor(-1e4, dtype=stored[name].dtype)
    if tricks:
        w = prefix + "h.0.attn.c_attn.weight"
        sd[w] = stored["h.0.attn.c_attn.weight"].t().contiguous().t()          # same values, strides (1, in)
        assert not sd[w].is_contiguous()
        g, b = prefix + "h.0.ln_1.weight", prefix + "h.0.ln_1.bias"
        both = torch.cat([stored["h.0.ln_1.weight"], stored["h.0.ln_1.bias"]])
        sd[g], sd[b] = both[:EMBD], both[EMBD:]                                  # one storage, bias at offset EMBD
        assert sd[b].storage_offset() == EMBD
        p = prefix + "h.1.mlp.c_proj.weight"
        src = stored["h.1.mlp.c_proj.weight"]
        big = torch.full((2 * src.shape[0], src.shape[1]), 7.0, dtype=src.dtype)
        big[1::2] = src
        sd[p] = big[1::2]                                                        # offset one row, row stride 2 rows
        assert not sd[p].is_contiguous() and sd[p].storage_offset() == src.shape[1]
    if lm_head:
        wte = sd[prefix + "wte.weight"]
        sd["lm_head.weight"] = wte.view(wte.shape)                              # another tensor, wte's storage
    return sd


def save(obj, path, container):
    torch.save(obj, path, _use_new_zipfile_serialization=(container == "zip"))


def write_variant(directory, config, sd, container, shards):
    os.makedirs(directory)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if shards == 1:
        save(sd, os.path.join(directory, "pytorch_model.bin"), container)
        return
    names = list(sd)
    cut = len(names) // 2
    # lm_head stays with wte, so a view never crosses a file
    parts = [names[:cut], names[cut:]]
    if "lm_head.weight" in parts[1]:
        parts[1].remove("lm_head.weight")
        parts[0].append("lm_head.weight")
    weight_map, total = {}, 0
    for i, part in enumerate(parts):
        file = f"pytorch_model-{i + 1:05d}-of-{len(parts):05d}.bin"
        save(collections.OrderedDict((n, sd[n]) for n in part), os.path.join(directory, file), container)
        for n in part:
            weight_map[n] = file
            total += sd[n].numel() * sd[n].element_size()
    with open(os.path.join(directory, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def check_loads_back(directory, sd):
    """torch.load of what we wrote gives the same tensors (values and the storage sharing we meant)."""
    files = sorted(f for f in os.listdir(directory) if f.endswith(".bin"))
    loaded = {}
    for f in files:
        loaded.update(torch.load(os.path.join(directory, f)))
    assert sorted(loaded) == sorted(sd), (list(loaded), list(sd))
    for n, t in sd.items():
        assert torch.equal(loaded[n], t), n


def random_model(dtype, seed):
    """The first seed from `seed` on whose greedy continuation varies and has clear argmax margins."""
    for s in range(seed, seed + 100):
        rng = np.random.default_rng(s)
        params = make_fixtures.random_params(rng, VOCAB, CTX, EMBD, LAYERS, 0.5, spread=True)
        stored = {k: v.to(dtype).contiguous() for k, v in params.items()}
        w64 = {k: v.to(torch.float64).numpy() for k, v in stored.items()}
        tokens = [int(x) for x in rng.integers(0, VOCAB, PROMPT)]
        greedy, margin = make_fixtures.greedy64(w64, tokens, HEADS, GREEDY)
        if margin > 0.05 and len(set(greedy)) >= 3:
            return stored, w64, tokens, greedy, margin
    raise SystemExit(f"no seed in [{seed}, {seed + 100}) gives a varied greedy continuation")


def make_set(name, dtype, seed, variants):
    stored, w64, tokens, greedy, margin = random_model(dtype, seed)
    logits, _ = make_fixtures.forward64(w64, tokens, HEADS)

    out = os.path.join(OUT, name)
    config = hf_checkpoint.config_json(VOCAB, CTX, EMBD, LAYERS, HEADS, make_fixtures.EPS)
    hf_checkpoint.write_checkpoint(os.path.join(out, "safetensors"), config, stored, dtype=dtype)
    make_fixtures.write_f32(os.path.join(out, "logits.f32"), logits)
    manifest = {
        "name": name,
        "generator": "tools/make_pytorch_fixtures.py (torch " + torch.__version__ + "; float64 reference: "
                     "make_fixtures.forward64 on the stored weights)",
        "dtype": {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[dtype],
        "config": {"vocab_size": VOCAB, "n_positions": CTX, "n_embd": EMBD, "n_layer": LAYERS, "n_head": HEADS},
        "tokens": tokens,
        "logits": {"file": "logits.f32", "shape": list(logits.shape), "meaning": "logits[t][v] after tokens[0..t]"},
        "greedy": {"new_tokens": greedy, "min_top2_margin": round(margin, 6)},
        "variants": {},
    }
    for vname, container, prefix, tricks, lm_head, masks, shards in variants:
        sd = state_dict(stored, prefix, tricks, lm_head, masks)
        write_variant(os.path.join(out, vname), config, sd, container, shards)
        check_loads_back(os.path.join(out, vname), sd)
        manifest["variants"][vname] = {"container": container, "tensor_prefix": prefix, "strided_views": tricks,
                                       "lm_head_view_of_wte": lm_head, "mask_buffers": masks, "shards": shards}
    with open(os.path.join(out, "fixture.json"), "w") as f:
        f.write(make_fixtures.compact_lists(json.dumps(manifest, indent=2)) + "\n")
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
    print(f"{name}: {size} bytes, variants {[v[0] for v in variants]}, greedy {greedy}, margin {margin:.3f}")


class RunsACommand:
    """What an attacker would put in a pickle: unpickling calls os.system('touch MARKER')."""

    def __reduce__(self):
        return os.system, ("touch " + MARKER,)


def make_malicious():
    out = os.path.join(OUT, "malicious")
    config = hf_checkpoint.config_json(VOCAB, CTX, EMBD, LAYERS, HEADS, make_fixtures.EPS)
    for container in ("zip", "legacy"):
        d = os.path.join(out, container)
        os.makedirs(d)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        path = os.path.join(d, "pytorch_model.bin")
        save(collections.OrderedDict([("wte.weight", RunsACommand())]), path, container)
        # Prove the fixture is armed: an unrestricted torch.load runs the command.
        if os.path.exists(MARKER):
            os.remove(MARKER)
        subprocess.run([sys.executable, "-c", f"import torch; torch.load({path!r})"], check=False,
                       stderr=subprocess.DEVNULL)
        assert os.path.exists(MARKER), f"torch.load of {path} did not run the command"
        os.remove(MARKER)
        print(f"malicious/{container}: torch.load runs `touch {MARKER}` (checked, marker removed)")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for name, dtype, seed, variants in SETS:
        make_set(name, dtype, seed, variants)
    make_malicious()


if __name__ == "__main__":
    main()
