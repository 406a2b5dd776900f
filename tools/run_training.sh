#!/usr/bin/env bash
# Reproduces the embedded default model: trains it, then converts it to GGUF with gpt2j itself.
#   apt-get install python3-torch python3-regex bible-kjv libopenblas0-openmp
#   tools/run_training.sh [OUT_DIR]       (default build-out/kjv; about an hour on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-out/kjv}
export OMP_WAIT_POLICY=PASSIVE
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
/usr/bin/python3 "$root/tools/train_default_model.py" --out "$out"
