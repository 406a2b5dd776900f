"""GPT-2 byte-level BPE in plain Python, for the tools only (training data, fixtures).

Written from the published algorithm: the pre-tokenizer regex, the byte-to-unicode table and merges by rank.
It is independent of the Java tokenizer and is used to prepare training data; the Java tests check the Java
tokenizer against jtokkit instead.
"""
import json
import os
import shutil

import regex

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "tokenizer", "src", "main", "resources", "gpt2j", "tokenizer")
# The jar derives GPT-2's vocabulary from merges.txt; OpenAI's own vocab.json is kept as a test resource of weights.
VOCAB_JSON = os.path.join(HERE, "..", "weights", "src", "test", "resources", "gpt2j", "weights", "gpt2-vocab.json")


def vocab_path(directory):
    """vocab.json in a checkpoint directory, or OpenAI's for the bundled tokenizer directory."""
    if os.path.samefile(directory, DEFAULT_DIR):
        return VOCAB_JSON
    return os.path.join(directory, "vocab.json")


def copy_tokenizer(out):
    """Writes GPT-2's vocab.json and merges.txt into the checkpoint directory out."""
    shutil.copyfile(VOCAB_JSON, os.path.join(out, "vocab.json"))
    shutil.copyfile(os.path.join(DEFAULT_DIR, "merges.txt"), os.path.join(out, "merges.txt"))


def bytes_to_unicode():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class Gpt2Bpe:
    def __init__(self, directory=DEFAULT_DIR):
        with open(vocab_path(directory), encoding="utf-8") as f:
            self.encoder = json.load(f)
        self.decoder = {v: k for k, v in self.encoder.items()}
        with open(os.path.join(directory, "merges.txt"), encoding="utf-8") as f:
            lines = f.read().split("\n")[1:]
        self.ranks = {tuple(line.split(" ")): i for i, line in enumerate(lines) if line}
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.cache = {}

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, best_rank = None, None
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best is None:
                break
            a, b = parts[best], parts[best + 1]
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        ids = [self.encoder[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        out = []
        for piece in PATTERN.findall(text):
            word = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            out.extend(self._bpe(word))
        return out

    def decode(self, ids):
        data = bytes(self.byte_decoder[c] for i in ids for c in self.decoder[i])
        return data.decode("utf-8", errors="replace")
