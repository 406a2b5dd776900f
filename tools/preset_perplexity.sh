#!/usr/bin/env bash
# Perplexity of the embedded model at every llama-quantize preset (README, "Embedded model"): the model is written as
# F32 by gpt2j, each preset by a locally built llama-quantize (LLAMA_CPP=/path/to/built/llama.cpp), and every file is
# scored by gpt2j on the first 16,000 characters of the held-out text (context 256). Prints a Markdown table; the
# types and bits per weight are gpt2j info's. Takes a minute or two. Usage: LLAMA_CPP=... tools/preset_perplexity.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${LLAMA_CPP:?set LLAMA_CPP to a llama.cpp checkout built with llama-quantize}"
quantize=$LLAMA_CPP/build/bin/llama-quantize
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 16000 "$root/cli/model/kjv-heldout.txt" >"$work/text.txt"
"$root/gpt2j" quantize --type f32 -o "$work/f32.gguf" 2>/dev/null
row() { # FILE LABEL
    local ppl info
    ppl=$("$root/gpt2j" perplexity -m "$1" -f "$work/text.txt" --context 256 --json 2>/dev/null)
    info=$("$root/gpt2j" info -m "$1" --json)
    python3 - "$2" "$ppl" "$info" "${base:-}" <<'PY'
import json, sys
label, ppl, info, base = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
p = ppl["perplexity"]
rel = f" ({100 * (p / float(base) - 1):+.2f}%)" if base else ""
types = ", ".join(f"{t} x{n}" for t, n in info["tensor_types"].items() if t != "F32")
f32 = info["tensor_types"].get("F32", 0)
print(f"| {label} | {p:.3f}{rel} | {info['bits_per_weight']:.2f} | {types or '-'} (+ F32 x{f32}) |")
PY
}
echo "| file | perplexity | bits per weight | tensor types |"
echo "|---|---|---|---|"
base=""
line=$(row "$root/cli/model/default.gguf" "shipped F16 (\`default.gguf\`)")
echo "$line"
base=$(echo "$line" | awk -F'|' '{print $3}' | awk '{print $1}')
for preset in Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_NL IQ4_XS Q3_K_L Q3_K_M Q3_K_S Q2_K; do
    if "$quantize" "$work/f32.gguf" "$work/$preset.gguf" "$preset" >"$work/$preset.log" 2>&1; then
        row "$work/$preset.gguf" "llama-quantize \`$preset\`"
    else
        echo "| llama-quantize \`$preset\` | llama-quantize refused: $(grep -m1 -i 'error\|failed' "$work/$preset.log" || tail -1 "$work/$preset.log") | | |"
    fi
    rm -f "$work/$preset.gguf"
done
