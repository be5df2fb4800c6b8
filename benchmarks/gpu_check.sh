#!/usr/bin/env bash
# The whole GPU check, one command, sized for under 10 minutes on one H100:
#   1. throughput (samples/s, trials/hour) of every model preset in fp32, bf16, bf16 + channels_last,
#      and torch.compile on one preset                                     -> OUT/bench.json, OUT/compile.json
#   2. four small trials packed on the GPU at once vs one at a time        -> OUT/packed.json
#   3. a short real sweep of the seed's space with four packed workers    -> OUT/gpu_check.db
#   4. the report on that sweep                                            -> OUT/report/, OUT/site/
# Every step has its own time limit, so the script ends in time even if one step is slow;
# a step that hits its limit is reported and the rest still run.
#
# Without a CUDA device it runs a CPU-sized version of the same steps and says so: the numbers
# are then CPU numbers. GPU_CHECK_SIZE=tiny shrinks everything to a smoke test of the script.
#
#   benchmarks/gpu_check.sh [OUT]            OUT defaults to out/gpu_check
#   PYTHON=/path/to/python benchmarks/gpu_check.sh    an interpreter with CUDA torch and this
#                                            package installed (default: .venv/bin/python, else python3)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/gpu_check}
PY=${PYTHON:-}
if [[ -z "$PY" ]]; then
    if [[ -x .venv/bin/python ]]; then PY=.venv/bin/python; else PY=python3; fi
fi
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }

START=$(date +%s)
step() {  # step NAME LIMIT_SECONDS COMMAND...: run with a time limit, log its duration and outcome
    local name=$1 limit=$2
    shift 2
    local t0=$(date +%s)
    echo "== $name (limit ${limit}s)"
    timeout --signal=INT --kill-after=20 "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
    local rc=${PIPESTATUS[0]}
    local took=$(($(date +%s) - t0))
    if [[ $rc -eq 124 || $rc -eq 130 ]]; then
        say "step $name: hit its ${limit}s limit after ${took}s (partial results kept)"
    elif [[ $rc -ne 0 ]]; then
        say "step $name: FAILED (exit $rc) after ${took}s, see $OUT/$name.log"
    else
        say "step $name: ok in ${took}s"
    fi
}

if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    MODE=gpu
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$SUMMARY"
else
    MODE=cpu
    say "NO CUDA DEVICE: running the CPU-sized check; every number below is a CPU number, not a GPU one."
fi
[[ "${GPU_CHECK_SIZE:-}" == tiny ]] && MODE=tiny && say "GPU_CHECK_SIZE=tiny: smoke-test sizes"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$SUMMARY"

STUDY=gpu_check_sweep
case $MODE in
gpu)
    BENCH=(--epochs 3 --train-size 16384 --variants fp32,bf16,bf16-cl)
    COMPILE=(--configs cnn_seed_elite --variants bf16-cl-compile --epochs 3 --train-size 16384)
    PACKED=(--configs cnn_small --variants bf16-cl --packed 4 --epochs 2 --train-size 16384)
    SWEEP=(--config configs/hpo/visual_classifier_sweep_v2_expanded.yaml --n-trials 24 --workers 4
           --set epochs=4 --set train_size=8192)
    LIMITS=(170 110 90 160 60)
    ;;
cpu)
    BENCH=(--configs cnn_small,context_small --epochs 2 --train-size 1024)
    COMPILE=()
    PACKED=(--configs cnn_small --packed 2 --epochs 2 --train-size 1024)
    SWEEP=(--config configs/hpo/example_cpu_sweep.yaml --n-trials 6 --workers 2 --set epochs=2 --set train_size=512)
    LIMITS=(170 0 90 160 60)
    ;;
tiny)
    BENCH=(--configs cnn_small --epochs 2 --train-size 128)
    COMPILE=()
    PACKED=(--configs cnn_small --packed 2 --epochs 1 --train-size 128)
    SWEEP=(--config configs/hpo/example_cpu_sweep.yaml --n-trials 3 --workers 2 --set epochs=1 --set train_size=128
           --set val_size=90)
    # The smoke test runs inside the test suite, beside other tests on two cores: its limits
    # only catch a hang, they do not budget a GPU run.
    LIMITS=(400 0 400 400 400)
    ;;
esac

step bench "${LIMITS[0]}" "$PY" -m trainer.bench "${BENCH[@]}" --json "$OUT/bench.json"
if [[ ${#COMPILE[@]} -gt 0 ]]; then
    step compile "${LIMITS[1]}" "$PY" -m trainer.bench "${COMPILE[@]}" --json "$OUT/compile.json"
fi
step packed "${LIMITS[2]}" "$PY" -m trainer.bench "${PACKED[@]}" --json "$OUT/packed.json"
rm -f "$OUT/gpu_check.db"
step sweep "${LIMITS[3]}" "$PY" -m trainer.sweep "${SWEEP[@]}" --study-name "$STUDY" \
    --storage "sqlite:///$OUT/gpu_check.db" --seed 0 --pruner median
step report "${LIMITS[4]}" "$PY" -m generator --study "$STUDY" --storage "$OUT/gpu_check.db" --out "$OUT" --quiet

say "gpu_check ($MODE) finished in $(($(date +%s) - START))s; outputs in $OUT"
