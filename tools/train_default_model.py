#!/usr/bin/env python3
"""Train gpt2j's embedded default model: the exact GPT-2 architecture with the real GPT-2 tokenizer,
on the King James Bible (public domain; Debian package bible-kjv, read through its `bible` command).

    apt-get install python3-torch python3-regex bible-kjv
    /usr/bin/python3 tools/train_default_model.py --out build-out/kjv      # about an hour on 2 cores

Writes OUT/hf (config.json + model.safetensors, Hugging Face layout), OUT/train.txt, OUT/heldout.txt and
OUT/metrics.json (held-out perplexity measured here, plus the unigram baseline). Fixed seeds; every
hyper-parameter is an argument with its default below. Speed: export LD_LIBRARY_PATH to Debian's OpenBLAS
(libopenblas0-openmp), see run_training.sh.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_bpe import Gpt2Bpe  # noqa: E402
from hf_checkpoint import config_json, write_checkpoint  # noqa: E402

HELDOUT_EVERY = 20  # chapter i is held out when i % 20 == 7: about 5% of the text, spread over every book


def kjv_chapters():
    out = subprocess.run(["bible", "-l", "100000", "gen1:1-rev22:21"], check=True, capture_output=True, text=True).stdout
    chapters, title, verses = [], None, []
    for line in out.split("\n"):
        if not line.strip():
            continue
        if line.startswith("  "):
            number, _, text = line.strip().partition(" ")
            assert number.isdigit(), line
            verses.append(text.strip())
        else:
            if title is not None:
                chapters.append((title, verses))
            title, verses = line.strip(), []
    chapters.append((title, verses))
    return chapters


def chapter_text(title, verses):
    return title + "\n\n" + "\n".join(verses) + "\n\n"


def split_corpus():
    chapters = kjv_chapters()
    assert len(chapters) == 1189, len(chapters)
    train = "".join(chapter_text(t, v) for i, (t, v) in enumerate(chapters) if i % HELDOUT_EVERY != 7)
    held = "".join(chapter_text(t, v) for i, (t, v) in enumerate(chapters) if i % HELDOUT_EVERY == 7)
    return train, held


class Gpt2(torch.nn.Module):
    """GPT-2 with parameters kept in Hugging Face's layout (Conv1D weights [in, out])."""

    def __init__(self, seen, n_vocab, n_ctx, n_embd, n_layer, n_head):
        super().__init__()
        self.n_head = n_head
        self.n_vocab = n_vocab
        e = n_embd
        # Only tokens that occur in the training text get their own embedding row; every other GPT-2 token shares
        # one vector `u`. The softmax stays exact over all 50257 tokens: the shared column carries log(#unseen).
        self.register_buffer("seen", torch.tensor(seen, dtype=torch.long))
        local = torch.full((n_vocab,), len(seen), dtype=torch.long)
        local[self.seen] = torch.arange(len(seen))
        self.register_buffer("local", local)
        self.log_unseen = math.log(n_vocab - len(seen))
        p = torch.nn.ParameterDict()
        p["wte"] = torch.nn.Parameter(torch.randn(len(seen) + 1, e) * 0.02)
        p["wpe"] = torch.nn.Parameter(torch.randn(n_ctx, e) * 0.01)
        std_proj = 0.02 / math.sqrt(2 * n_layer)
        for i in range(n_layer):
            p[f"h{i}_ln1_w"] = torch.nn.Parameter(torch.ones(e))
            p[f"h{i}_ln1_b"] = torch.nn.Parameter(torch.zeros(e))
            p[f"h{i}_attn_w"] = torch.nn.Parameter(torch.randn(e, 3 * e) * 0.02)
            p[f"h{i}_attn_b"] = torch.nn.Parameter(torch.zeros(3 * e))
            p[f"h{i}_aproj_w"] = torch.nn.Parameter(torch.randn(e, e) * std_proj)
            p[f"h{i}_aproj_b"] = torch.nn.Parameter(torch.zeros(e))
            p[f"h{i}_ln2_w"] = torch.nn.Parameter(torch.ones(e))
            p[f"h{i}_ln2_b"] = torch.nn.Parameter(torch.zeros(e))
            p[f"h{i}_fc_w"] = torch.nn.Parameter(torch.randn(e, 4 * e) * 0.02)
            p[f"h{i}_fc_b"] = torch.nn.Parameter(torch.zeros(4 * e))
            p[f"h{i}_mproj_w"] = torch.nn.Parameter(torch.randn(4 * e, e) * std_proj)
            p[f"h{i}_mproj_b"] = torch.nn.Parameter(torch.zeros(e))
        p["lnf_w"] = torch.nn.Parameter(torch.ones(e))
        p["lnf_b"] = torch.nn.Parameter(torch.zeros(e))
        self.p = p
        self.n_layer = n_layer
        self.eps = 1e-5

    def forward(self, idx, dropout=0.0):
        p, (b, t) = self.p, idx.shape
        e = p["wte"].shape[1]
        hs = e // self.n_head
        x = p["wte"][self.local[idx]] + p["wpe"][:t]
        x = F.dropout(x, dropout, self.training)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        for i in range(self.n_layer):
            h = F.layer_norm(x, (e,), p[f"h{i}_ln1_w"], p[f"h{i}_ln1_b"], self.eps)
            qkv = h @ p[f"h{i}_attn_w"] + p[f"h{i}_attn_b"]
            q, k, v = qkv.split(e, dim=2)
            q = q.view(b, t, self.n_head, hs).transpose(1, 2)
            k = k.view(b, t, self.n_head, hs).transpose(1, 2)
            v = v.view(b, t, self.n_head, hs).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
            att = att.masked_fill(~mask, float("-inf")).softmax(-1)
            att = F.dropout(att, dropout, self.training)
            y = (att @ v).transpose(1, 2).reshape(b, t, e)
            x = x + F.dropout(y @ p[f"h{i}_aproj_w"] + p[f"h{i}_aproj_b"], dropout, self.training)
            h = F.layer_norm(x, (e,), p[f"h{i}_ln2_w"], p[f"h{i}_ln2_b"], self.eps)
            h = F.gelu(h @ p[f"h{i}_fc_w"] + p[f"h{i}_fc_b"], approximate="tanh")
            x = x + F.dropout(h @ p[f"h{i}_mproj_w"] + p[f"h{i}_mproj_b"], dropout, self.training)
        x = F.layer_norm(x, (e,), p["lnf_w"], p["lnf_b"], self.eps)
        logits = x @ p["wte"].t()
        logits[..., -1] += self.log_unseen
        return logits

    def loss(self, idx, targets, dropout=0.0):
        """Mean next-token NLL over the full GPT-2 vocabulary."""
        logits = self(idx, dropout)
        local = self.local[targets]
        nll = F.cross_entropy(logits.view(-1, logits.shape[-1]), local.view(-1), reduction="none")
        # a specific unseen token gets 1/#unseen of the shared column's probability
        return (nll + (local.view(-1) == len(self.seen)).double().mul(self.log_unseen)).mean()

    def full_wte(self):
        return self.p["wte"][self.local]

    def hf_params(self):
        p, out = self.p, {"wte.weight": self.full_wte(), "wpe.weight": self.p["wpe"]}
        for i in range(self.n_layer):
            for ours, theirs in [("ln1_w", "ln_1.weight"), ("ln1_b", "ln_1.bias"), ("attn_w", "attn.c_attn.weight"),
                                 ("attn_b", "attn.c_attn.bias"), ("aproj_w", "attn.c_proj.weight"),
                                 ("aproj_b", "attn.c_proj.bias"), ("ln2_w", "ln_2.weight"), ("ln2_b", "ln_2.bias"),
                                 ("fc_w", "mlp.c_fc.weight"), ("fc_b", "mlp.c_fc.bias"),
                                 ("mproj_w", "mlp.c_proj.weight"), ("mproj_b", "mlp.c_proj.bias")]:
                out[f"h.{i}.{theirs}"] = p[f"h{i}_{ours}"]
        out["ln_f.weight"], out["ln_f.bias"] = p["lnf_w"], p["lnf_b"]
        return out


@torch.no_grad()
def perplexity(model, ids, context):
    """gpt2j's method: windows of `context` tokens advancing by `context`; in each window every token after the
    window's first is scored from the tokens before it in the window. Returns (scored tokens, mean nll)."""
    model.eval()
    total, count = 0.0, 0
    for begin in range(0, len(ids) - 1, context):
        window = torch.tensor(ids[begin:begin + context])[None]
        if window.shape[1] < 2:
            break
        total += model.loss(window[:, :-1], window[:, 1:]).item() * (window.shape[1] - 1)
        count += window.shape[1] - 1
    model.train()
    return count, total / count


def unigram_perplexity(train_ids, held_ids, vocab):
    counts = torch.bincount(torch.tensor(train_ids), minlength=vocab).double() + 1.0  # add-one smoothing
    logp = (counts / counts.sum()).log()
    return math.exp(-logp[torch.tensor(held_ids)].mean().item())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--n-embd", type=int, default=128)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-ctx", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=40)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1611)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--bench", type=int, default=0, help="time this many steps and exit")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    train_text, held_text = split_corpus()
    with open(os.path.join(args.out, "train.txt"), "w", encoding="utf-8") as f:
        f.write(train_text)
    with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write(held_text)
    bpe = Gpt2Bpe()
    train_ids = bpe.encode(train_text)
    held_ids = bpe.encode(held_text)
    print(f"train {len(train_text)} chars {len(train_ids)} tokens; held-out {len(held_text)} chars {len(held_ids)} tokens",
          flush=True)
    data = torch.tensor(train_ids, dtype=torch.long)

    seen = sorted(set(train_ids))
    print(f"{len(seen)} distinct tokens in the training text", flush=True)
    model = Gpt2(seen, 50257, args.n_ctx, args.n_embd, args.n_layer, args.n_head)
    decay = [p for n, p in model.p.items() if p.dim() == 2]
    no_decay = [p for n, p in model.p.items() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    steps = args.bench or args.steps
    for step in range(1, steps + 1):
        lr = args.lr * min(1.0, step / args.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / args.steps))))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = torch.randint(0, len(data) - args.n_ctx - 1, (args.batch,), generator=gen)
        x = torch.stack([data[s:s + args.n_ctx] for s in starts])
        y = torch.stack([data[s + 1:s + 1 + args.n_ctx] for s in starts])
        loss = model.loss(x, y, args.dropout)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == 1 or args.bench:
            el = time.time() - t0
            print(f"step {step}/{steps} loss {loss.item():.4f} lr {lr:.2e} {el:.0f}s "
                  f"{step * args.batch * args.n_ctx / el:.0f} tok/s", flush=True)
        if not args.bench and (step % args.eval_every == 0 or step == steps):
            n, nll = perplexity(model, held_ids, args.n_ctx)
            print(f"step {step} held-out nll {nll:.4f} ppl {math.exp(nll):.3f} ({n} tokens)", flush=True)
            write_checkpoint(os.path.join(args.out, "hf"), config_json(50257, args.n_ctx, args.n_embd, args.n_layer,
                                                                         args.n_head), model.hf_params())
    if args.bench:
        return

    n, nll = perplexity(model, held_ids, args.n_ctx)
    metrics = {"heldout_tokens_scored": n, "heldout_nll": nll, "heldout_perplexity": math.exp(nll),
               "unigram_perplexity": unigram_perplexity(train_ids, held_ids, 50257), "context": args.n_ctx,
               "train_tokens": len(train_ids), "heldout_tokens": len(held_ids), "seconds": time.time() - t0,
               "args": vars(args)}
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics, indent=2), flush=True)


if __name__ == "__main__":
    main()
