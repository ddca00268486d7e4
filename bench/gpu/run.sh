#!/usr/bin/env bash
# The GPU check of the trainer, in one command on the (offline) GPU machine:
#   bash bench/gpu/run.sh            # Llama-3-8B shape: seed recipe vs train run (qlora, auto)
#   bash bench/gpu/run.sh --tiny     # CPU dry run of the same path (seconds, no GPU needed)
# It installs the wheels that `../shared/gpu/fetch-wheels.sh xxhash==4.1.0 liger-kernel==0.8.5` put in .whl/ (when
# present), checks that every module the trainer imports is there, then runs
# bench/gpu/train_bench.py and writes the figures to $OUT/train_bench.json (or /tmp).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -d .whl ] && compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
missing=$(python3 - <<'PY'
import importlib.util
need = ("torch", "transformers", "peft", "accelerate", "trl", "datasets", "xxhash", "pydantic", "rich", "safetensors", "yaml")
print(" ".join(m for m in need if importlib.util.find_spec(m) is None))
PY
)
if [ -n "$missing" ]; then
  echo "Missing Python modules: $missing. Fetch their wheels into .whl/ (../shared/gpu/fetch-wheels.sh xxhash==4.1.0 NAME==VERSION) and carry .whl." >&2
  exit 2
fi
if command -v nvidia-smi > /dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; fi
python3 bench/gpu/train_bench.py --out "${OUT:-/tmp}/train_bench.json" "$@"
