#!/usr/bin/env bash
# The GPU backend's checks in one run, on a machine with an NVIDIA GPU, CuPy, numpy,
# scipy and pytest (no install: the clearing needs nothing else). Writes each step's
# output to $OUT (default: bench/gpu-out) as it goes.
#   bash bench/gpu_checks.sh [--paper | --1e6]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-bench/gpu-out}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD/offchain:$PWD/bench:$PWD/tests/unit/clearing" PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
step() {  # step NAME SECONDS COMMAND...
  local name=$1 limit=$2
  shift 2
  echo "== $name ($(date -u +%H:%M:%S))" | tee -a "$OUT/gpu.log"
  timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.txt" | tee -a "$OUT/gpu.log" >/dev/null
  echo "== $name exit ${PIPESTATUS[0]}" | tee -a "$OUT/gpu.log"
}
nvidia-smi -L | tee -a "$OUT/gpu.log"
"$PY" -c "import cupy, numpy, scipy; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__)" | tee -a "$OUT/gpu.log"
step tests 150 "$PY" -m pytest -q -p no:cacheprovider --noconftest -o filterwarnings=default \
  tests/unit/clearing/test_clearing_device.py
step engine_1e5 150 "$PY" bench/engine_bench.py --size 100000x1000000 --limit 0 --backend cuda
grep -q "gpu again" "$OUT/engine_1e5.txt" || exit 1  # the backend does not run: stop here
case "${1:-}" in
  --paper) step engine_1e6 120 "$PY" bench/engine_bench.py --size 1000000x10000000 \
             --limit 0 --backend cuda --cold-only --gpu-only
           step engine_paper "${PAPER_S:-330}" "$PY" bench/engine_bench.py --size 2304000x23040000 \
             --limit 0 --backend cuda --cold-only --gpu-only ;;
  --1e6) step engine_1e6 300 "$PY" bench/engine_bench.py --size 1000000x10000000 --limit 0 \
           --backend cuda --cold-only ;;
esac
