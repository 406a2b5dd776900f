"""What llama-quantize writes for each preset on two small GPT-2-shaped models, for weights' QuantPresetTest.

Two F32 models, written with llama.cpp's gguf-py: "w256" (n_embd 256, 2 layers: every matrix row a multiple of 256)
and "w64" (n_embd 64, 16 layers: rows of 64 take llama-quantize's fallback types, ffn_down's rows of 256 do not,
and 16 layers reach every layer rule of the _S/_M/_L presets). Each is quantized by llama-quantize (no importance
matrix) into every preset gpt2j offers, and with --pure for Q4_K_M and Q3_K_S; for each output the script records the
file type (or that it refused) and, per quantized tensor, its ggml type and the first 16 hex digits of the sha256 of its data.

Values come from splitmix64, so QuantPresetTest rebuilds the same floats in Java: element i (row-major, [rows][cols])
of the tensor with seed s is ((h >> 40) - 2^23) / 2^23 / 16, times 8 when h & 255 == 0 (outliers), where
h = splitmix64(s << 32 | i). Seeds: token_embd 1, position_embd 2, output 3, output_norm.weight 4, output_norm.bias 5;
layer l's tensors 100 + 20 l + k in the order of NAMES below.

Writes weights/src/test/resources/quant/presets.json. Nothing of llama.cpp is committed.
Usage: /usr/bin/python3 tools/ggml/quant_presets.py [/tmp/llama.cpp]
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import types

import numpy as np

LLAMA = sys.argv[1] if len(sys.argv) > 1 else "/tmp/llama.cpp"
sys.modules.setdefault("sentencepiece", types.SimpleNamespace(SentencePieceProcessor=object))  # only vocab.py needs it
sys.path.insert(0, os.path.join(LLAMA, "gguf-py"))
import gguf  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "weights", "src", "test", "resources", "quant",
                   "presets.json")
PRESETS = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S",
           "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS"]
PURE = ["Q4_K_M", "Q3_K_S"]
MODELS = {"w256": dict(embd=256, layers=2, heads=4), "w64": dict(embd=64, layers=16, heads=2)}
VOCAB, CTX = 320, 16
NAMES = ["attn_norm.weight", "attn_norm.bias", "attn_qkv.weight", "attn_qkv.bias", "attn_output.weight",
         "attn_output.bias", "ffn_norm.weight", "ffn_norm.bias", "ffn_up.weight", "ffn_up.bias", "ffn_down.weight",
         "ffn_down.bias"]
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(z):
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def values(seed, shape):
    n = int(np.prod(shape))
    h = splitmix64((np.uint64(seed) << np.uint64(32)) | np.arange(n, dtype=np.uint64))
    v = ((h >> np.uint64(40)).astype(np.int64) - (1 << 23)).astype(np.float32) / np.float32(1 << 23) / np.float32(16)
    v = np.where((h & np.uint64(255)) == 0, v * np.float32(8), v).astype(np.float32)
    return v.reshape(shape)


def tensors(embd, layers):
    t = [("token_embd.weight", 1, (VOCAB, embd)), ("position_embd.weight", 2, (CTX, embd)),
         ("output.weight", 3, (VOCAB, embd)), ("output_norm.weight", 4, (embd,)), ("output_norm.bias", 5, (embd,))]
    shapes = {"attn_qkv.weight": (3 * embd, embd), "attn_qkv.bias": (3 * embd,), "attn_output.weight": (embd, embd),
              "ffn_up.weight": (4 * embd, embd), "ffn_up.bias": (4 * embd,), "ffn_down.weight": (embd, 4 * embd)}
    for layer in range(layers):
        for k, name in enumerate(NAMES):
            t.append((f"blk.{layer}.{name}", 100 + 20 * layer + k, shapes.get(name, (embd,))))
    return t


def write_model(path, embd, layers, heads):
    w = gguf.GGUFWriter(path, "gpt2")
    w.add_name("presets")
    w.add_block_count(layers)
    w.add_context_length(CTX)
    w.add_embedding_length(embd)
    w.add_feed_forward_length(4 * embd)
    w.add_head_count(heads)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(0)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list([f"t{i}" for i in range(VOCAB - 1)] + ["<|endoftext|>"])
    w.add_token_types([1] * (VOCAB - 1) + [3])
    w.add_token_merges(["t 0"])
    for name, seed, shape in tensors(embd, layers):
        w.add_tensor(name, values(seed, shape))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def record(path):
    r = gguf.GGUFReader(path)
    ftype = int(r.fields["general.file_type"].parts[-1][0])
    out = {}
    for t in r.tensors:
        if t.tensor_type == gguf.GGMLQuantizationType.F32 and len(t.shape) == 1:
            continue
        if t.name == "position_embd.weight":
            continue
        out[t.name] = [t.tensor_type.name, hashlib.sha256(t.data.tobytes()).hexdigest()[:16]]
    return {"file_type": ftype, "tensors": out}


def main():
    quantize = os.path.join(LLAMA, "build", "bin", "llama-quantize")
    result = {"vocab": VOCAB, "context": CTX, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for model, cfg in MODELS.items():
            src = os.path.join(tmp, model + ".gguf")
            write_model(src, cfg["embd"], cfg["layers"], cfg["heads"])
            runs = {}
            for preset in PRESETS + ["pure " + p for p in PURE]:
                dst = os.path.join(tmp, "out.gguf")
                args = [quantize] + (["--pure"] if preset.startswith("pure ") else []) + [src, dst, preset.split()[-1]]
                done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # --pure aborts on a row that is not a multiple of the type's block: gpt2j must refuse it too
                runs[preset] = record(dst) if done.returncode == 0 else {"refused": True}
            result["models"][model] = dict(cfg, presets=runs)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=0, sort_keys=True)
        f.write("\n")
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
