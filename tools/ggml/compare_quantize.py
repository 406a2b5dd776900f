"""gpt2j quantize against llama-quantize on a real model, every preset: both quantize the same F32 GGUF (gpt2j's own
export of MODEL), and each tensor's type and bytes are compared. Prints one line per preset; exit 1 on a difference.
Needs a llama.cpp build (LLAMA_CPP, default /tmp/llama.cpp) and ./gpt2j; not part of the test suite.
Usage: /usr/bin/python3 tools/ggml/compare_quantize.py [MODEL] [PRESET...]   (MODEL defaults to the embedded model)
"""
import os
import subprocess
import sys
import tempfile
import types

LLAMA = os.environ.get("LLAMA_CPP", "/tmp/llama.cpp")
sys.modules.setdefault("sentencepiece", types.SimpleNamespace(SentencePieceProcessor=object))  # only vocab.py needs it
sys.path.insert(0, os.path.join(LLAMA, "gguf-py"))
import gguf  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PRESETS = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S",
           "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS"]


def tensors(path):
    r = gguf.GGUFReader(path)
    ftype = int(r.fields["general.file_type"].parts[-1][0])
    return ftype, {t.name: (t.tensor_type.name, t.data.tobytes()) for t in r.tensors}


def main():
    args = sys.argv[1:]
    model = args.pop(0) if args and not args[0].upper() in PRESETS else None
    presets = [a.upper() for a in args] or PRESETS
    gpt2j = os.path.join(ROOT, "gpt2j")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "f32.gguf")
        subprocess.run([gpt2j, "quantize"] + (["-m", model] if model else []) + ["--type", "f32", "-o", src],
                       check=True, stderr=subprocess.DEVNULL)
        for p in presets:
            ours, theirs = os.path.join(tmp, "gpt2j.gguf"), os.path.join(tmp, "llama.gguf")
            subprocess.run([os.path.join(LLAMA, "build", "bin", "llama-quantize"), src, theirs, p], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run([gpt2j, "quantize", "-m", src, "--type", p.lower(), "-o", ours], check=True,
                           stderr=subprocess.DEVNULL)
            (fa, a), (fb, b) = tensors(ours), tensors(theirs)
            diff = [n for n in b if n not in a or a[n] != b[n]] + [n for n in a if n not in b]
            kinds = sorted({t for t, _ in b.values()})
            print(f"{p:7} file_type {fa} vs {fb}, {len(b)} tensors ({', '.join(kinds)}): "
                  + ("identical" if not diff and fa == fb else f"{len(diff)} differ: {diff[:4]}"))
            bad += bool(diff) or fa != fb
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
