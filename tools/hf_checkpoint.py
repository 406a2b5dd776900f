"""Write GPT-2 checkpoints in the Hugging Face layout (config.json + model.safetensors), with no library beyond torch.

Safetensors format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}},
then the raw little-endian tensor bytes.
"""
import json
import os
import struct

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes()  # reshape: a 0-d tensor cannot be viewed as bytes
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def config_json(n_vocab, n_ctx, n_embd, n_layer, n_head, eps=1e-5):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "activation_function": "gelu_new",
        "vocab_size": n_vocab,
        "n_positions": n_ctx,
        "n_ctx": n_ctx,
        "n_embd": n_embd,
        "n_layer": n_layer,
        "n_head": n_head,
        "layer_norm_epsilon": eps,
        "bos_token_id": 50256,
        "eos_token_id": 50256,
        "tie_word_embeddings": True,
    }


def hf_tensor_names(n_layer, prefix="transformer."):
    """Names in save_pretrained order; with prefix='' they are the original OpenAI release names."""
    names = [prefix + "wte.weight", prefix + "wpe.weight"]
    for i in range(n_layer):
        p = f"{prefix}h.{i}."
        names += [p + "ln_1.weight", p + "ln_1.bias", p + "attn.c_attn.weight", p + "attn.c_attn.bias",
                  p + "attn.c_proj.weight", p + "attn.c_proj.bias", p + "ln_2.weight", p + "ln_2.bias",
                  p + "mlp.c_fc.weight", p + "mlp.c_fc.bias", p + "mlp.c_proj.weight", p + "mlp.c_proj.bias"]
    names += [prefix + "ln_f.weight", prefix + "ln_f.bias"]
    return names


def write_checkpoint(directory, config, params, prefix="transformer.", dtype=torch.float32, with_lm_head=False,
                     with_attn_bias=False, shards=1):
    """params: dict keyed by names without prefix ('wte.weight', 'h.0.attn.c_attn.weight' [in, out], ...)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tensors = {}
    for name in hf_tensor_names(config["n_layer"], ""):
        tensors[prefix + name] = params[name].to(dtype)
        if with_attn_bias and name.endswith("attn.c_attn.bias"):
            n = config["n_positions"]
            block = name[: -len("c_attn.bias")]
            tensors[prefix + block + "bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n).to(dtype)
            tensors[prefix + block + "masked_bias"] = torch.tensor(-1e4).to(dtype)
    if with_lm_head:
        tensors["lm_head.weight"] = params["wte.weight"].to(dtype)
    if shards <= 1:
        write_safetensors(os.path.join(directory, "model.safetensors"), tensors, {"format": "pt"})
        return
    names = list(tensors)
    per = (len(names) + shards - 1) // shards
    weight_map = {}
    for s in range(shards):
        fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
        write_safetensors(os.path.join(directory, fname), part, {"format": "pt"})
        weight_map.update({n: fname for n in part})
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
