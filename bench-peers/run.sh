#!/usr/bin/env bash
# bench-peers/run.sh: nn against its peers, in one run on this machine.
#
# Measures four workloads on nn (this repository, built from ../), burn (NdArray backend),
# candle, dfdx, PyTorch (eager, with its default OpenMP spinning and with OMP_WAIT_POLICY=PASSIVE,
# and jit.trace + freeze) and Keras 3 on JAX (a jitted stateless train step, and `fit`), two
# threads each, on the same synthetic data and initial weights:
#   A  train step, MLP 784-300-100-10 (relu, relu, softmax cross-entropy), SGD 0.01, batch 128
#   B  inference, same MLP, batch 256          C  inference, same MLP, one sample
#   D  inference, 16-32-32-4 MLP, one sample
# then rewrites the "Peer comparison" section of ../BENCHMARKS.md (between the markers
# <!-- peers:begin --> and <!-- peers:end -->) with the medians, the ratios nn/peer, the machine
# and the versions.
#
# With --conv it measures the convolutional workloads instead, on nn, PyTorch (eager) and burn:
#   G  inference, CNN 28x28x1 -> conv 5x5x6 -> relu -> maxpool 2 -> conv 5x5x16 -> relu ->
#      maxpool 2 -> flatten -> dense 10 (softmax), batch 256
#   H  train step, same CNN, softmax cross-entropy, SGD 0.01, batch 64
#   I  inference, one 3x3 convolution 32x32x16 -> 32 channels, "same" padding, batch 32
# and rewrites the "Convolution: peer comparison" section (<!-- conv-peers:begin --> to
# <!-- conv-peers:end -->).
#
# Usage (from anywhere; nothing here runs in CI):
#   bench-peers/run.sh              # full run: 5 rounds, 1.5 s per workload (about 15 min)
#   bench-peers/run.sh --quick      # smoke run: 1 round, 0.3 s per workload
#   bench-peers/run.sh --conv       # the convolutional workloads (G, H, I)
#   options: --rounds N  --seconds S  --only burn,torch  (nn always runs)
#            --note TEXT  (a sentence put into BENCHMARKS.md, e.g. which nn this measures)
#            --no-build   (measure the peer binaries already in the target directory)
#            --python P   (an existing Python with the peers' packages; no venv is made, and a
#                         Python peer whose packages are missing is reported as not measured)
#
# Steps, each re-runnable:
#   1. a Python venv in bench-peers/.venv (git-ignored) with torch, jax[cpu], keras, numpy (torch
#      and numpy for --conv); skipped when they import, or when --python is given. Torch comes from the CPU-only wheel index when that host is
#      reachable, otherwise from PyPI (whose Linux wheel brings CUDA libraries it won't use).
#   2. the Rust peers in release, one binary per peer (src/bin/peer_*.rs) behind its own
#      feature, built one by one, so one that fails to build is reported and the others run.
#      The target directory is $CARGO_TARGET_DIR, or bench-peers/target. Cold, burn is the
#      slow one: about 11 minutes on 2 idle cores, and over 50 on cores shared with other builds.
#   3. gen_data.py writes the weights and data (seed 42) to a temporary directory, deleted on exit.
#   4. driver.py checks that every peer reproduces nn's first ten training losses (and its
#      inference outputs) to 1e-3 relative, stopping with an error if one does not, then runs the
#      rounds (each peer in turn, the order rotating) and writes the section.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ROUNDS=5
SECONDS_PER=1.5
ONLY=""
NOTE=""
BUILD=1
SUITE=mlp
PYTHON=""
ARGS=("$@")
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) ROUNDS=1; SECONDS_PER=0.3 ;;
        --rounds) ROUNDS="$2"; shift ;;
        --seconds) SECONDS_PER="$2"; shift ;;
        --only) ONLY="$2"; shift ;;
        --note) NOTE="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --conv) SUITE=conv ;;
        --python) PYTHON="$2"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
COMMAND="bench-peers/run.sh"
for a in "${ARGS[@]}"; do
    if [[ $a =~ ^[A-Za-z0-9_.,=/:-]+$ ]]; then COMMAND+=" $a"; else COMMAND+=" $(printf '%q' "$a")"; fi
done

# 1. Python peers.
VENV="$HERE/.venv"
PY="${PYTHON:-$VENV/bin/python}"
MODULES='import torch, jax, keras, numpy'
[[ $SUITE == conv ]] && MODULES='import torch, numpy'
if [[ -z $PYTHON && ! -x "$PY" ]]; then
    python3 -m venv "$VENV"
fi
if [[ -n $PYTHON ]]; then
    # Only numpy (gen_data.py) is required; a peer whose packages are missing is reported by
    # driver.py as not measured.
    "$PY" -c 'import numpy' || { echo "run.sh: $PY has no numpy" >&2; exit 1; }
elif ! "$PY" -c "$MODULES" 2>/dev/null; then
    "$PY" -m pip install --quiet --upgrade pip
    if ! "$PY" -m pip install --quiet --timeout 20 --retries 1 \
        --index-url https://download.pytorch.org/whl/cpu torch 2>/dev/null; then
        echo "run.sh: the CPU-only torch index is unreachable; installing torch from PyPI" >&2
        "$PY" -m pip install --quiet torch
    fi
    if [[ $SUITE == conv ]]; then
        "$PY" -m pip install --quiet numpy
    else
        "$PY" -m pip install --quiet "jax[cpu]" keras numpy
    fi
fi

# 2. Rust peers.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HERE/target}"
LOG="$CARGO_TARGET_DIR/bench-peers-build.log"
mkdir -p "$CARGO_TARGET_DIR"
[[ $BUILD == 1 ]] && : > "$LOG"
# One build per peer, nn first: a dependency that fails to build (or takes too long) only costs
# its own peer. Building them in one cargo call would not do that: the package's library
# depends on every enabled peer, so every binary would wait for (and fail with) the slowest.
PEERS=(nn candle dfdx burn)
[[ $SUITE == conv ]] && PEERS=(nn burn)  # the peers with convolutional workloads
for peer in "${PEERS[@]}"; do
    [[ $BUILD == 1 ]] || break
    [[ $peer == nn || -z $ONLY || ,$ONLY, == *,$peer,* ]] || continue  # --only: not measured
    features=()
    [[ $peer != nn ]] && features=(--features "$peer")
    rm -f "$CARGO_TARGET_DIR/release/peer-$peer"
    echo "run.sh: building peer-$peer (log: $LOG)" >&2
    if ! (cd "$HERE" && cargo build --release "${features[@]}" --bin "peer-$peer") >>"$LOG" 2>&1
    then
        echo "run.sh: peer-$peer did not build; it is reported as not built" >&2
    fi
done

# 3. Data, 4. measurements.
DATA="$(mktemp -d)"
trap 'rm -rf "$DATA"' EXIT
"$PY" "$HERE/gen_data.py" "$DATA"
cd "$ROOT"
"$PY" "$HERE/driver.py" --data "$DATA" --target "$CARGO_TARGET_DIR" --rounds "$ROUNDS" \
    --seconds "$SECONDS_PER" --only "$ONLY" --note "$NOTE" --suite "$SUITE" \
    --benchmarks "$ROOT/BENCHMARKS.md" --command "$COMMAND"
