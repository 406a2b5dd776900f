#!/usr/bin/env python3
"""Independent float64 reference numbers for the embedded default model, committed as cli/model/reference.json.

    /usr/bin/python3 tools/eval_default_model.py build-out/kjv/hf cli/model/reference.json

Reads the trained Hugging Face checkpoint, rounds matrices and embeddings to float16 exactly as the shipped
F16 GGUF stores them (norms, biases and position embeddings stay float32), and computes with numpy in float64
(tools/make_fixtures.py's forward pass): the mean NLL of the first windows of the held-out text, scored as
`gpt2j perplexity --context 256` scores them, and greedy continuations of a few prompts.
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_bpe import Gpt2Bpe  # noqa: E402
from make_fixtures import forward64, log_softmax  # noqa: E402

PROMPTS = ["And it came to pass", "In the beginning", "The LORD is my shepherd", "Jesus said unto them"]
WINDOWS, GREEDY = 4, 24


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e
        a, b = e["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"])
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    cfg = json.load(open(os.path.join(src, "config.json")))
    raw = read_safetensors(os.path.join(src, "model.safetensors"))
    w = {}
    for name, a in raw.items():
        name = name.removeprefix("transformer.")
        stored = a.astype(np.float16) if a.ndim == 2 and name != "wpe.weight" else a  # what the F16 GGUF holds
        w[name] = stored.astype(np.float64)
    bpe = Gpt2Bpe()
    heldout = open(os.path.join(os.path.dirname(dst), "kjv-heldout.txt"), encoding="utf-8").read()
    ids = bpe.encode(heldout)
    ctx, total, scored = cfg["n_positions"], 0.0, 0
    for k in range(WINDOWS):
        window = ids[k * ctx:(k + 1) * ctx]
        logp = log_softmax(forward64(w, window, cfg["n_head"])[0])
        total -= sum(logp[i, window[i + 1]] for i in range(len(window) - 1))
        scored += len(window) - 1
    greedy = []
    for prompt in PROMPTS:
        seq = bpe.encode(prompt)
        for _ in range(GREEDY):
            seq.append(int(np.argmax(forward64(w, seq, cfg["n_head"])[0][-1])))
        new = seq[len(bpe.encode(prompt)):]
        greedy.append({"prompt": prompt, "tokens": new, "text": bpe.decode(new)})
    ref = {"heldout_file": "kjv-heldout.txt", "context": ctx, "windows": WINDOWS, "tokens_scored": scored,
           "heldout_prefix_tokens": WINDOWS * ctx, "nll": total / scored, "greedy": greedy}
    with open(dst, "w") as f:
        json.dump(ref, f, indent=1)
    print(json.dumps(ref, indent=1))


if __name__ == "__main__":
    main()
