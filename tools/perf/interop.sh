#!/usr/bin/env bash
# GGUF interop between gpt2j and llama.cpp, both directions, judged by greedy tokens on the same file.
#
#   LLAMA_CPP=/path/to/llama.cpp CONVERT_PYTHON=/path/to/python tools/perf/interop.sh
#
# LLAMA_CPP: a llama.cpp checkout with llama-cli and llama-quantize built in build/bin (not part of this repository).
# CONVERT_PYTHON: a Python that can run llama.cpp's convert_hf_to_gguf.py, i.e. with numpy, torch >= 2 (the script
# uses torch.float8_e4m3fn), transformers (for AutoTokenizer), tokenizers, sentencepiece, pyyaml and tqdm installed;
# Debian's torch 1.13 is too old for it. Without CONVERT_PYTHON, direction (a) uses only llama-quantize's files.
#
# (a) llama.cpp writes: convert_hf_to_gguf.py (F32) and llama-quantize (Q8_0, Q4_0 --pure) -> gpt2j generates.
# (b) gpt2j writes: gpt2j quantize (F32, Q8_0, Q4_0) -> llama-cli generates.
# For each file both engines decode 16 tokens greedily from the same prompt; the token ids must be equal.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$root"
llama=${LLAMA_CPP:-/tmp/llama.cpp}
bin=$llama/build/bin
work=${PERF_WORK:-$root/build-out/perf}
py=/usr/bin/python3
prompt="The quick brown fox jumps over the lazy dog because"
n=16
mkdir -p "$work"
model=$work/gpt2-random
[ -f "$model/model.safetensors" ] || $py tools/make_fixtures.py --shape gpt2 --out "$model"

files=()
# (a) files written by llama.cpp
if [ -n "${CONVERT_PYTHON:-}" ]; then
  [ -f "$work/llamacpp-f32.gguf" ] || "$CONVERT_PYTHON" "$llama/convert_hf_to_gguf.py" "$model" --outtype f32 \
      --outfile "$work/llamacpp-f32.gguf" > "$work/convert.log" 2>&1
  files+=("$work/llamacpp-f32.gguf")
  src=$work/llamacpp-f32.gguf
else
  src=""
fi
# llama-quantize needs a GGUF input; without the converter, requantize gpt2j's F32 file (still llama.cpp's writer).
[ -f "$work/gpt2-f32.gguf" ] || ./gpt2j quantize -m "$model" --type f32 -o "$work/gpt2-f32.gguf" 2>/dev/null
src=${src:-$work/gpt2-f32.gguf}
[ -f "$work/llamacpp-q8_0.gguf" ] || "$bin/llama-quantize" "$src" "$work/llamacpp-q8_0.gguf" q8_0 > /dev/null 2>&1
# --pure: by default llama-quantize stores output.weight of a Q4_0 model as Q6_K, a type gpt2j does not read.
[ -f "$work/llamacpp-q4_0.gguf" ] || "$bin/llama-quantize" --pure "$src" "$work/llamacpp-q4_0.gguf" q4_0 > /dev/null 2>&1
[ -f "$work/llamacpp-q4_0-mixed.gguf" ] || "$bin/llama-quantize" "$src" "$work/llamacpp-q4_0-mixed.gguf" q4_0 > /dev/null 2>&1
files+=("$work/llamacpp-q8_0.gguf" "$work/llamacpp-q4_0.gguf")
# (b) files written by gpt2j
for t in f32 q8_0 q4_0; do
  [ -f "$work/gpt2-$t.gguf" ] || ./gpt2j quantize -m "$model" --type "$t" -o "$work/gpt2-$t.gguf" 2>/dev/null
  files+=("$work/gpt2-$t.gguf")
done

# The prompt's token ids from gpt2j, passed to both engines so that only the model's arithmetic is compared.
ids=$(./gpt2j tokenize -m "$work/gpt2-f32.gguf" "$prompt" 2>/dev/null | paste -sd, -)

llama_tokens() {  # token ids llama-cli generates greedily, from its debug log of every evaluated batch
  # llama-cli evaluates every sampled token but the last, so ask for one more.
  "$bin/llama-cli" -m "$1" -p "$prompt" -n $((n + 1)) --temp 0 -t 2 -no-cnv --no-warmup -v -s 1 < /dev/null 2>&1 >/dev/null \
    | $py -c '
import re, sys
evals = [line for line in sys.stdin if line.startswith("eval: [")]
ids = [re.findall(r"\x27:(\d+)(?=, \x27| \])", e) for e in evals]
prompt, gen = ids[0], [i[0] for i in ids[1:]]
print(",".join(prompt), ",".join(gen))'
}

status=0
printf '%-28s %-6s %s\n' file match "tokens (gpt2j | llama.cpp)"
for f in "${files[@]}"; do
  read -r lp lg < <(llama_tokens "$f")
  if [ "$lp" != "$ids" ]; then echo "$(basename "$f"): prompt tokenized differently: gpt2j $ids, llama.cpp $lp"; status=1; fi
  gg=$(./gpt2j generate -m "$f" --prompt-ids "$ids" -n "$n" --temp 0 -t 2 --json 2>/dev/null \
        | $py -c 'import sys, json; print(",".join(map(str, json.load(sys.stdin)["tokens"])))') || gg="gpt2j failed"
  if [ "$gg" = "$lg" ]; then m=yes; else m=NO; status=1; fi
  printf '%-28s %-6s %s | %s\n' "$(basename "$f")" "$m" "$gg" "$lg"
  if [ "$m" = NO ] && [ "$gg" != "gpt2j failed" ]; then
    # Judge with exact float64 arithmetic on the file's dequantized weights: which engine took the true argmax?
    $py tools/perf/gguf_greedy.py "$f" --prompt-ids "$ids" --check "$gg" | sed 's/^/    float64 judge of gpt2j: /'
  fi
done
echo "gpt2j on llama-quantize's default Q4_0 mix (output.weight as Q6_K):"
./gpt2j generate -m "$work/llamacpp-q4_0-mixed.gguf" --prompt-ids "$ids" -n 2 --temp 0 2>&1 >/dev/null | grep -v WARNING || true
exit $status
