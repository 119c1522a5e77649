#!/usr/bin/env bash
# The GPU half of issue 23, in one call on a machine with a CUDA GPU (not yet run: the
# session that wrote it had no GPU). About 2-4 minutes on an H200; prints everything.
#
#   bash bench/gpu_check.sh            # PYTHON=... to choose the interpreter
#
# Measures, in one run, TF32 off (descent's exact_float32; the loop under the same flags):
#   1. the built-in moons MLP, 100×100 surface: descent vs the naive per-point loop;
#   2. the small CNN on 16,384 random 16×16 images, 41×41 surface: descent vs the loop
#      (the case where one grid point already fills the device: target ratio ≥ 1.0);
#   3. the plan descent's probe chose on this device (printed with each line).
# Needs torch with CUDA, numpy and lazy-loader importable; descent itself is put on the
# path from this checkout (no install).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
root=$(mktemp -d)
mkdir -p "$root/descent"
for part in engine renders scenes; do ln -s "$PWD/$part" "$root/descent/$part"; done
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
DESCENT_CACHE_DIR=$(mktemp -d)
export DESCENT_CACHE_DIR
nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu --format=csv || true
"$PY" - <<'PY'
import importlib, sys
missing = [m for m in ("torch", "numpy", "lazy_loader") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"gpu_check: missing Python packages: {', '.join(missing)}")
import torch
if not torch.cuda.is_available():
    sys.exit("gpu_check: torch.cuda.is_available() is False")
print("torch", torch.__version__, "on", torch.cuda.get_device_name(0),
      "| matmul.allow_tf32 default:", torch.backends.cuda.matmul.allow_tf32,
      "| cudnn.allow_tf32 default:", torch.backends.cudnn.allow_tf32, "(descent turns both off)")
PY
timeout 480 "$PY" bench/network.py --device cuda --no-gloo --repeat 2 \
  --cnn-images 16384 --cnn-side 16 --cnn-grid 41
