"""Reference Q8_0 / Q4_0 / F16 blocks, written with numpy from ggml's published reference quantizers
(quantize_row_q8_0_ref, quantize_row_q4_0_ref and dequantize_row_* in ggml/src/ggml-quants.c), for the Java tests.

Every step is float32 as in C: d = amax / 127 (Q8_0) or d = max / -8 with max the signed value of largest magnitude,
first one on ties (Q4_0); id = 1/d or 0; the scale is stored as fp16 rounded to nearest even (GGML_FP32_TO_FP16).
Q8_0: q = roundf(x * id), halves away from zero (np.round would round to even). Q4_0: q = min(15, (int8)(x * id + 8.5)).

Writes weights/src/test/resources/quant/: input.f32 (raw little-endian float32), q8_0.bin, q4_0.bin, f16.bin,
q8_0.dequant.f32, q4_0.dequant.f32.  Usage: /usr/bin/python3 tools/ggml_quant_reference.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "src", "test", "resources", "quant")
QK = 32
F = np.float32


def roundf(v):
    # C roundf on float32 values; float64 holds |v| + 0.5 exactly for the magnitudes that matter here
    a = np.floor(np.abs(v).astype(np.float64) + 0.5)
    return (np.sign(v) * a).astype(np.int64)


def q8_0(x):
    out = bytearray()
    for b in x.reshape(-1, QK):
        amax = np.max(np.abs(b))
        d = F(amax / F(127))
        ident = F(F(1) / d) if d != 0 else F(0)
        out += np.array([d], dtype=np.float16).tobytes()
        out += roundf(b * ident).astype(np.int8).tobytes()
    return bytes(out)


def q4_0(x):
    out = bytearray()
    for b in x.reshape(-1, QK):
        mx = F(b[np.argmax(np.abs(b))])  # argmax returns the first index on ties, as ggml's strict '<' does
        d = F(mx / F(-8))
        ident = F(F(1) / d) if d != 0 else F(0)
        out += np.array([d], dtype=np.float16).tobytes()
        v = (b * ident + F(8.5)).astype(np.float32)
        q = np.minimum(15, np.trunc(v).astype(np.int64))
        out += (q[:16] | (q[16:] << 4)).astype(np.uint8).tobytes()
    return bytes(out)


def dequant(blocks, kind):
    ys = []
    step = 34 if kind == "q8_0" else 18
    for i in range(0, len(blocks), step):
        d = F(np.frombuffer(blocks[i:i + 2], dtype=np.float16)[0])
        if kind == "q8_0":
            q = np.frombuffer(blocks[i + 2:i + 34], dtype=np.int8).astype(F)
        else:
            qs = np.frombuffer(blocks[i + 2:i + 18], dtype=np.uint8).astype(np.int64)
            q = np.concatenate([(qs & 0x0F) - 8, (qs >> 4) - 8]).astype(F)
        ys.append((q * d).astype(F))
    return np.concatenate(ys).astype("<f4").tobytes()


def inputs():
    rng = np.random.default_rng(20240601)
    blocks = [
        np.zeros(QK, dtype=F),                                             # d = 0, id = 0
        np.array([2.5, -2.5, 0.5, -0.5, 126.5, -126.5, 1.5, -1.5] * 4, F),  # Q8_0 ties, see below
        np.array([3.0, -3.0] * 16, F),                                      # equal magnitudes: the first sign wins
        np.array([-3.0, 3.0] * 16, F),
        np.concatenate([[F(-8)], np.linspace(-8, 7.9, 31, dtype=F)]).astype(F),  # Q4_0: d = 1, exact x + 8.5 halves
        (rng.standard_normal(QK) * 1e-6).astype(F),                         # fp16 scale underflows to subnormal / 0
        (rng.standard_normal(QK) * 3e4).astype(F),                          # scale near the top of fp16
    ]
    # Q8_0 ties: amax 127 makes d = 1 and id = 1, so x * id lands exactly on .5
    blocks[1][31] = F(127)
    for s in (0.02, 0.1, 1.0, 5.0):
        for _ in range(8):
            blocks.append((rng.standard_normal(QK) * s).astype(F))
    for _ in range(8):
        blocks.append(rng.uniform(-1, 1, QK).astype(F))
    return np.concatenate(blocks).astype(F)


def main():
    os.makedirs(OUT, exist_ok=True)
    x = inputs()
    files = {
        "input.f32": x.astype("<f4").tobytes(),
        "q8_0.bin": q8_0(x),
        "q4_0.bin": q4_0(x),
        "f16.bin": x.astype("<f2").tobytes(),
    }
    files["q8_0.dequant.f32"] = dequant(files["q8_0.bin"], "q8_0")
    files["q4_0.dequant.f32"] = dequant(files["q4_0.bin"], "q4_0")
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
