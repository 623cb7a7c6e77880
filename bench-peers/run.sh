#!/usr/bin/env bash
# bench-peers/run.sh: nn against its peers, in one run on this machine.
#
# Measures four workloads on nn (this repository, built from ../), burn (NdArray backend),
# candle, dfdx, PyTorch (eager, and jit.trace + freeze) and Keras 3 on JAX (a jitted stateless
# train step, and `fit`), two threads each, on the same synthetic data and initial weights:
#   A  train step, MLP 784-300-100-10 (relu, relu, softmax cross-entropy), SGD 0.01, batch 128
#   B  inference, same MLP, batch 256          C  inference, same MLP, one sample
#   D  inference, 16-32-32-4 MLP, one sample
# then rewrites the "Peer comparison" section of ../BENCHMARKS.md (between the markers
# <!-- peers:begin --> and <!-- peers:end -->) with the medians, the ratios nn/peer, the machine
# and the versions.
#
# Usage (from anywhere; nothing here runs in CI):
#   bench-peers/run.sh              # full run: 5 rounds, 1.5 s per workload (about 15 min)
#   bench-peers/run.sh --quick      # smoke run: 1 round, 0.3 s per workload
#   options: --rounds N  --seconds S  --only burn,torch  (nn always runs)
#            --note TEXT  (a sentence put into BENCHMARKS.md, e.g. which nn this measures)
#            --no-build   (measure the peer binaries already in the target directory)
#
# Steps, each re-runnable:
#   1. a Python venv in bench-peers/.venv (git-ignored) with torch, jax[cpu], keras, numpy;
#      skipped when they import. Torch comes from the CPU-only wheel index when that host is
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
ARGS=("$@")
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) ROUNDS=1; SECONDS_PER=0.3 ;;
        --rounds) ROUNDS="$2"; shift ;;
        --seconds) SECONDS_PER="$2"; shift ;;
        --only) ONLY="$2"; shift ;;
        --note) NOTE="$2"; shift ;;
        --no-build) BUILD=0 ;;
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
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
    python3 -m venv "$VENV"
fi
if ! "$PY" -c 'import torch, jax, keras, numpy' 2>/dev/null; then
    "$PY" -m pip install --quiet --upgrade pip
    if ! "$PY" -m pip install --quiet --timeout 20 --retries 1 \
        --index-url https://download.pytorch.org/whl/cpu torch 2>/dev/null; then
        echo "run.sh: the CPU-only torch index is unreachable; installing torch from PyPI" >&2
        "$PY" -m pip install --quiet torch
    fi
    "$PY" -m pip install --quiet "jax[cpu]" keras numpy
fi

# 2. Rust peers.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HERE/target}"
LOG="$CARGO_TARGET_DIR/bench-peers-build.log"
mkdir -p "$CARGO_TARGET_DIR"
[[ $BUILD == 1 ]] && : > "$LOG"
# One build per peer, nn first: a dependency that fails to build (or takes too long) only costs
# its own peer. Building them in one cargo call would not do that: the package's library
# depends on every enabled peer, so every binary would wait for (and fail with) the slowest.
for peer in nn candle dfdx burn; do
    [[ $BUILD == 1 ]] || break
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
    --seconds "$SECONDS_PER" --only "$ONLY" --note "$NOTE" \
    --benchmarks "$ROOT/BENCHMARKS.md" --command "$COMMAND"
