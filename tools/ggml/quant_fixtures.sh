#!/usr/bin/env bash
# Writes weights/src/test/resources/quant/ggml/: reference blocks from ggml's own quantizers (quant_blocks.c)
# for QuantizerGgmlTest. Needs a llama.cpp checkout built with CMake (LLAMA_CPP, default /tmp/llama.cpp) and cc.
# Usage: tools/ggml/quant_fixtures.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
llama=${LLAMA_CPP:-/tmp/llama.cpp}
out="$here/../../weights/src/test/resources/quant/ggml"
lib=$(dirname "$(find "$llama/build" -name 'libggml-base.so' | head -1)")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c11 -I"$llama/ggml/include" "$here/quant_blocks.c" -o "$tmp/quant_blocks" -L"$lib" -lggml-base -lm \
    -Wl,-rpath,"$lib"
mkdir -p "$out"
"$tmp/quant_blocks" "$out"
ls -l "$out"
