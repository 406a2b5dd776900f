"""Write tiny GPT-2 GGUF files with llama.cpp's own Python writer (gguf-py), for the weights module's reader tests.

Laid out as llama.cpp's convert_hf_to_gguf.py GPT2Model does: Conv1D weights transposed to [out, in], norms, biases
and position_embd in F32, the other 2-D weights quantized with gguf.quants.quantize (a numpy port of ggml's
reference quantizers), and no output.weight (tied to token_embd, as the current converter writes it).
Values are those of tools/make_weights_fixtures.py: element i of HF tensor k is (k % 64) * 0.25 + (i % 1024) / 1024 - 8.
Needs the gguf package (pip install gguf; 0.19.0 was used). Usage: /usr/bin/python3 tools/make_gguf_fixtures.py
"""
import os

import gguf
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "src", "test", "resources", "gguf")
V, C, E, L, H = 40, 8, 32, 2, 4


def hf_shapes():
    s = {"wte.weight": (V, E), "wpe.weight": (C, E)}
    for i in range(L):
        p = f"h.{i}."
        s.update({p + "ln_1.weight": (E,), p + "ln_1.bias": (E,), p + "attn.c_attn.weight": (E, 3 * E),
                  p + "attn.c_attn.bias": (3 * E,), p + "attn.c_proj.weight": (E, E), p + "attn.c_proj.bias": (E,),
                  p + "ln_2.weight": (E,), p + "ln_2.bias": (E,), p + "mlp.c_fc.weight": (E, 4 * E),
                  p + "mlp.c_fc.bias": (4 * E,), p + "mlp.c_proj.weight": (4 * E, E), p + "mlp.c_proj.bias": (E,)})
    s.update({"ln_f.weight": (E,), "ln_f.bias": (E,)})
    return s


def gguf_name(hf):
    if hf == "wte.weight":
        return "token_embd.weight"
    if hf == "wpe.weight":
        return "position_embd.weight"
    if hf.startswith("ln_f."):
        return "output_norm." + hf.split(".")[-1]
    _, i, *rest = hf.split(".")
    part = ".".join(rest[:-1])
    names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
             "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    return f"blk.{i}.{names[part]}.{rest[-1]}"


def write(path, qtype, file_type):
    w = gguf.GGUFWriter(path, "gpt2")
    w.add_block_count(L)
    w.add_context_length(C)
    w.add_embedding_length(E)
    w.add_feed_forward_length(4 * E)
    w.add_head_count(H)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(file_type)
    tokens = [f"t{i}" for i in range(V - 1)] + ["<|endoftext|>"]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types([1] * (V - 1) + [3])
    w.add_token_merges(["t 0", "Ġ t"])
    w.add_bos_token_id(V - 1)
    w.add_eos_token_id(V - 1)
    for k, (name, shape) in enumerate(hf_shapes().items()):
        n = int(np.prod(shape))
        i = np.arange(n, dtype=np.float64)
        x = ((k % 64) * 0.25 + (i % 1024) / 1024 - 8).astype(np.float32).reshape(shape)
        if name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            x = np.ascontiguousarray(x.T)
        if x.ndim == 2 and name != "wpe.weight":
            q = gguf.quants.quantize(x, qtype)
            w.add_tensor(gguf_name(name), q, raw_shape=q.shape, raw_dtype=qtype)
        else:
            w.add_tensor(gguf_name(name), x)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    os.makedirs(OUT, exist_ok=True)
    write(os.path.join(OUT, "tiny-q8_0.gguf"), gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0)
    write(os.path.join(OUT, "tiny-q4_0.gguf"), gguf.GGMLQuantizationType.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0)


if __name__ == "__main__":
    main()
