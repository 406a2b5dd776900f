"""Blocks of every type gpt2j dequantizes beyond Q8_0/Q4_0, and their floats as llama.cpp's gguf-py decodes them
(numpy, gguf.quants.dequantize), for weights' DequantizerTest. gguf-py is an independent implementation of ggml's
dequantize_row_* formulas; nothing of llama.cpp is committed, only the random blocks and the floats it produced.

Quant bytes are random; every fp16 field (scales, minimums) is overwritten with a finite value: random normal of a
few magnitudes, a negative one, a subnormal, and zero, so no NaN or infinity hides a wrong formula.

Writes weights/src/test/resources/dequant/<type>.bin and <type>.f32 (little-endian float32).
Usage: /usr/bin/python3 tools/ggml_dequant_fixtures.py [/tmp/llama.cpp/gguf-py]
"""
import os
import sys
import types

import numpy as np

GGUF_PY = sys.argv[1] if len(sys.argv) > 1 else "/tmp/llama.cpp/gguf-py"
sys.modules.setdefault("sentencepiece", types.SimpleNamespace(SentencePieceProcessor=object))  # only vocab.py needs it
sys.path.insert(0, GGUF_PY)
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as T  # noqa: E402
from gguf.quants import dequantize  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "src", "test", "resources", "dequant")

# type -> byte offsets of its fp16 fields inside one block (ggml-common.h)
HALVES = {
    "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2],
    "Q5_K": [0, 2], "Q6_K": [208], "IQ4_NL": [0], "IQ4_XS": [0],
}


def blocks(name, rng):
    block, size = GGML_QUANT_SIZES[T[name]]
    count = 6 if block == 256 else 24
    raw = rng.integers(0, 256, size=(count, size), dtype=np.uint8)
    for b in range(count):
        for k, off in enumerate(HALVES[name]):
            if b == 0:
                v = 0.0 if k else 1.0                      # d = 1: the products are the integers themselves
            elif b == 1:
                v = -0.0123                                # a negative scale
            elif b == 2:
                v = 3.0e-6                                 # fp16 subnormal
            elif b == 3 and k == 0:
                v = 0.0                                    # d = 0
            else:
                v = rng.standard_normal() * [1e-3, 0.05, 1.0, 40.0][b % 4]
            raw[b, off:off + 2] = np.frombuffer(np.float16(v).tobytes(), dtype=np.uint8)
    return raw, count * block


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(15)
    for name in HALVES:
        raw, n = blocks(name, rng)
        y = dequantize(raw.reshape(1, -1), T[name]).reshape(-1).astype("<f4")
        assert y.size == n and np.all(np.isfinite(y)), name
        with open(os.path.join(OUT, name.lower() + ".bin"), "wb") as f:
            f.write(raw.tobytes())
        with open(os.path.join(OUT, name.lower() + ".f32"), "wb") as f:
            f.write(y.tobytes())
        print(name, raw.size, "bytes,", n, "values")


if __name__ == "__main__":
    main()
