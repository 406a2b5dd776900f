"""Writes utf8_replace.tsv: random byte strings and Python's bytes.decode("utf-8", errors="replace").

Each line: the bytes in hex, a tab, the decoded code points in hex separated by spaces. Bytes are drawn
mostly from the values where UTF-8 validity changes (Unicode Table 3-7 boundaries). Run with python3.
"""
import random

INTERESTING = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
               0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]

rng = random.Random(20240601)
with open("utf8_replace.tsv", "w", encoding="ascii") as out:
    for _ in range(3000):
        n = rng.randint(1, 10)
        data = bytes(rng.choice(INTERESTING) if rng.random() < 0.7 else rng.randint(0, 255) for _ in range(n))
        text = data.decode("utf-8", errors="replace")
        out.write(data.hex() + "\t" + " ".join("%x" % ord(c) for c in text) + "\n")
