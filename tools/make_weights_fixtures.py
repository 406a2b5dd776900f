"""Write the tiny Hugging Face checkpoints the weights module's tests read (weights/src/test/resources/hf/).

Written with torch through tools/hf_checkpoint.py, so the Java reader is checked against an independent writer.
Element i of the k-th tensor (save_pretrained order, see hf_tensor_names) holds (k % 64) * 0.25 + (i % 1024) / 1024 - 8,
the same formula as TestCheckpoints.value in the Java tests.
Usage: /usr/bin/python3 tools/make_weights_fixtures.py
"""
import os
import shutil

import torch

from hf_checkpoint import config_json, hf_tensor_names, write_checkpoint

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "src", "test", "resources", "hf")
V, C, E, L, H = 40, 8, 16, 2, 2


def shapes():
    s = {"wte.weight": (V, E), "wpe.weight": (C, E), "ln_f.weight": (E,), "ln_f.bias": (E,)}
    for i in range(L):
        p = f"h.{i}."
        s.update({p + "ln_1.weight": (E,), p + "ln_1.bias": (E,), p + "attn.c_attn.weight": (E, 3 * E),
                  p + "attn.c_attn.bias": (3 * E,), p + "attn.c_proj.weight": (E, E), p + "attn.c_proj.bias": (E,),
                  p + "ln_2.weight": (E,), p + "ln_2.bias": (E,), p + "mlp.c_fc.weight": (E, 4 * E),
                  p + "mlp.c_fc.bias": (4 * E,), p + "mlp.c_proj.weight": (4 * E, E), p + "mlp.c_proj.bias": (E,)})
    return s


def main():
    s = shapes()
    params = {}
    for k, name in enumerate(hf_tensor_names(L, "")):
        n = 1
        for d in s[name]:
            n *= d
        i = torch.arange(n, dtype=torch.float64)
        params[name] = ((k % 64) * 0.25 + (i % 1024) / 1024 - 8).to(torch.float32).reshape(s[name])
    out = os.path.join(ROOT, "tiny-sharded-f16")
    shutil.rmtree(out, ignore_errors=True)
    write_checkpoint(out, config_json(V, C, E, L, H), params, prefix="transformer.", dtype=torch.float16,
                     with_lm_head=True, shards=2)
    out = os.path.join(ROOT, "tiny-openai-f32")
    shutil.rmtree(out, ignore_errors=True)
    write_checkpoint(out, config_json(V, C, E, L, H), params, prefix="", with_attn_bias=True)


if __name__ == "__main__":
    main()
