"""GGUF files written by llama.cpp's llama-quantize, with float64 reference outputs, for gpt2j's tests.

    /usr/bin/python3 tools/llama_quant_fixtures.py [--llama /tmp/llama.cpp] [--work /tmp/gpt2j-llama-quant]

1. A random GPT-2 (tools/make_fixtures.py: 1 layer, n_embd 256 so that K-quant rows are whole 256-value blocks, vocab
   257 = the byte tokens and one merge, context 16) and the same at n_embd 32, where llama-quantize falls back from K-quants.
2. `gpt2j quantize --type f32` writes each as GGUF; llama-quantize writes every preset from it (PRESETS).
3. For every file, gguf-py (llama.cpp's own numpy reader and dequantizer, independent of gpt2j) decodes every tensor
   and tools/make_fixtures.py's float64 forward pass scores a fixed token sequence (mean NLL) and continues a prompt
   greedily. Results: WORK/reference.json (all files), and the committed fixture files below.

The 256-wide files are 400-800 KB each, too large to commit all, so the repository holds one file per width that mixes
types (MIXED: built from the presets' own tensors, copied byte for byte), with its reference (reference.json) and its
float64 logits (<name>.logits.f32) in engine/src/test/resources/llama-quant/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import types

import numpy as np

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
OUT = os.path.join(ROOT, "engine", "src", "test", "resources", "llama-quant")
sys.path.insert(0, TOOLS)
import make_fixtures  # noqa: E402

PRESETS = ["Q4_K_M", "Q5_K_M", "Q6_K", "Q3_K_M", "Q2_K", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "IQ4_XS", "Q4_0"]
# The committed files, one per width: each tensor copied byte for byte from the preset file named, so that between
# them they hold every type gpt2j reads beyond F32/F16, as llama-quantize wrote it.
MIXED = {
    256: {"token_embd.weight": "IQ4_XS", "output.weight": "Q6_K", "blk.0.attn_qkv.weight": "Q3_K_M",
          "blk.0.attn_output.weight": "Q5_K_M", "blk.0.ffn_up.weight": "Q2_K", "blk.0.ffn_down.weight": "Q2_K"},
    32: {"token_embd.weight": "Q4_1", "output.weight": "Q4_0", "blk.0.attn_qkv.weight": "Q5_0",
         "blk.0.attn_output.weight": "Q5_1", "blk.0.ffn_up.weight": "IQ4_NL", "blk.0.ffn_down.weight": "Q4_0"},
}
PROMPT, NEW, SEED = 6, 10, 15
STD = {256: 0.3, 32: 0.8}  # weight spread: peaked enough that greedy choices are clear (top-2 margins)


def gguf_module(llama):
    sys.modules.setdefault("sentencepiece", types.SimpleNamespace(SentencePieceProcessor=object))  # vocab.py only
    sys.path.insert(0, os.path.join(llama, "gguf-py"))
    import gguf
    return gguf


def hf_names(gguf, path):
    """GGUF tensors as float64 arrays under the HF names forward64 takes (Conv1D [in, out])."""
    r = gguf.GGUFReader(path)
    w, kinds = {}, {}
    for t in r.tensors:
        a = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
        a = a.reshape([int(d) for d in reversed(t.shape)])
        kinds[t.tensor_type.name] = kinds.get(t.tensor_type.name, 0) + 1
        n = t.name
        if n == "token_embd.weight":
            w["wte.weight"] = a
        elif n == "position_embd.weight":
            w["wpe.weight"] = a
        elif n == "output.weight":
            w["lm_head.weight"] = a
        elif n.startswith("output_norm."):
            w["ln_f." + n.split(".")[-1]] = a
        else:
            _, i, part, kind = n.split(".")
            hf = {"attn_norm": "ln_1", "attn_qkv": "attn.c_attn", "attn_output": "attn.c_proj", "ffn_norm": "ln_2",
                  "ffn_up": "mlp.c_fc", "ffn_down": "mlp.c_proj"}[part]
            w[f"h.{i}.{hf}.{kind}"] = a.T if kind == "weight" else a
    heads = int(r.fields["gpt2.attention.head_count"].parts[-1][0])
    return w, kinds, heads


def reference(gguf, path, tokens):
    w, kinds, heads = hf_names(gguf, path)
    logits, _ = make_fixtures.forward64(w, tokens, heads)
    logp = make_fixtures.log_softmax(logits)
    nll = float(-np.mean([logp[i, tokens[i + 1]] for i in range(len(tokens) - 1)]))
    greedy, margin = make_fixtures.greedy64(w, tokens[:PROMPT], heads, NEW)
    r = gguf.GGUFReader(path)
    bpw = 8 * sum(int(t.n_bytes) for t in r.tensors) / sum(int(t.n_elements) for t in r.tensors)
    return {"types": dict(sorted(kinds.items())), "bits_per_weight": bpw, "tokens": tokens, "nll": nll, "prompt": tokens[:PROMPT],
            "greedy": greedy, "greedy_margin": margin, "bytes": os.path.getsize(path)}


def logits_of(gguf, path, tokens):
    w, _, heads = hf_names(gguf, path)
    return make_fixtures.forward64(w, tokens, heads)[0]


def mixed(gguf, files, choice, out):
    """A copy of the Q4_0 preset's file whose matrices come from the presets that choice names."""
    readers = {p: gguf.GGUFReader(files[p]) for p in PRESETS}
    base = readers["Q4_0"]
    wr = gguf.GGUFWriter(out, "gpt2")
    for f in base.fields.values():
        if f.name.startswith("GGUF.") or f.name == "general.architecture":
            continue
        vtype = f.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            sub = f.types[-1]
            vals = [bytes(f.parts[i]).decode("utf-8") if sub == gguf.GGUFValueType.STRING else f.parts[i].tolist()[0]
                    for i in f.data]
            wr.add_key_value(f.name, vals, vtype)
        elif vtype == gguf.GGUFValueType.STRING:
            wr.add_key_value(f.name, bytes(f.parts[-1]).decode("utf-8"), vtype)
        else:
            wr.add_key_value(f.name, f.parts[-1].tolist()[0], vtype)
    for t in base.tensors:
        src = next(x for x in readers[choice.get(t.name, "Q4_0")].tensors if x.name == t.name)
        wr.add_tensor(t.name, np.asarray(src.data), raw_dtype=src.tensor_type)  # quantized: uint8 (rows, row bytes)
    wr.write_header_to_file()
    wr.write_kv_data_to_file()
    wr.write_tensors_to_file()
    wr.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llama", default="/tmp/llama.cpp")
    ap.add_argument("--work", default="/tmp/gpt2j-llama-quant")
    ap.add_argument("--check", action="store_true",
                    help="only run ./gpt2j (perplexity, greedy generate) on every file in WORK and compare")
    args = ap.parse_args()
    if args.check:
        check(args.work)
        return
    gguf = gguf_module(args.llama)
    quantize = os.path.join(args.llama, "build", "bin", "llama-quantize")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    tokens = [int(t) for t in np.random.default_rng(SEED).integers(0, 257, 16)]
    refs, committed = {}, {}
    for embd in (256, 32):
        hf = os.path.join(args.work, f"hf{embd}")
        shutil.rmtree(hf, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_fixtures.py"), "--n-layer", "1", "--n-embd", str(embd),
                        "--n-head", "4", "--n-vocab", "257", "--n-ctx", "16", "--std", str(STD[embd]), "--seed", str(SEED),
                        "--out", hf], check=True)
        with open(os.path.join(hf, "vocab.json"), "w") as f:  # the 256 byte tokens of byte-level BPE and one merge
            json.dump({**{ch: b for b, ch in make_byte_chars().items()}, "\u0120t": 256}, f)
        with open(os.path.join(hf, "merges.txt"), "w") as f:
            f.write("#version: 0.2\n\u0120 t\n")
        f32 = os.path.join(args.work, f"m{embd}-f32.gguf")
        subprocess.run([os.path.join(ROOT, "gpt2j"), "quantize", "-m", hf, "--type", "f32", "-o", f32], check=True)
        files = {}
        for p in PRESETS:
            files[p] = os.path.join(args.work, f"m{embd}-{p.lower()}.gguf")
            subprocess.run([quantize, f32, files[p], p], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        files["MIXED"] = os.path.join(args.work, f"m{embd}-mixed.gguf")
        mixed(gguf, files, MIXED[embd], files["MIXED"])
        for p, path in files.items():
            name = os.path.basename(path)
            refs[name] = reference(gguf, path, tokens)
            print(name, refs[name]["types"], "nll", round(refs[name]["nll"], 4), "margin", round(refs[name]["greedy_margin"], 4))
            if p == "MIXED":
                shutil.copyfile(path, os.path.join(OUT, name))
                committed[name] = refs[name]
                make_fixtures.write_f32(os.path.join(OUT, name.replace(".gguf", ".logits.f32")), logits_of(gguf, path, tokens))
    with open(os.path.join(args.work, "reference.json"), "w") as f:
        json.dump(refs, f, indent=1)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"generator": "tools/llama_quant_fixtures.py (llama-quantize files; gguf-py dequantization; "
                                "numpy float64 forward)", "files": committed}, f, indent=1)


def check(work):
    """Every preset file's NLL and greedy tokens from ./gpt2j against WORK/reference.json; exits 1 on a mismatch."""
    with open(os.path.join(work, "reference.json")) as f:
        refs = json.load(f)
    bad = 0
    for name, ref in refs.items():
        path = os.path.join(work, name)
        ids = os.path.join(work, "ids.json")
        with open(ids, "w") as f:
            json.dump(ref["tokens"], f)
        gpt2j = os.path.join(ROOT, "gpt2j")
        run = lambda *a: json.loads(subprocess.run([gpt2j, *a], check=True, capture_output=True, text=True).stdout)
        nll = run("perplexity", "-m", path, "--ids-file", ids, "--json")["nll"]
        gen = run("generate", "-m", path, "--prompt-ids", ",".join(map(str, ref["prompt"])), "-n", str(NEW), "--temp", "0",
                  "--json")["tokens"]
        ok = abs(nll - ref["nll"]) <= 1e-4 * ref["nll"] and gen == ref["greedy"]
        bad += not ok
        print(f"{name:18s} {'ok ' if ok else 'BAD'} nll {nll:.6f} ref {ref['nll']:.6f}  greedy {'equal' if gen == ref['greedy'] else gen}"
              f"  types {ref['types']}")
    sys.exit(1 if bad else 0)


def make_byte_chars():
    """GPT-2's byte -> printable character table (bytes_to_unicode)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


if __name__ == "__main__":
    main()
