#!/usr/bin/env bash
# Compile cost of `network!`: the incremental `cargo build --release` (and `cargo check`) time
# of a binary whose network has 3 layers, against the same binary with 50 layers (one repeated
# layer type, and 50 distinct widths). Dependencies (nn, nn-runtime, nn-macros, ndarray, ...)
# are built once first; each timed run touches only the binary's source, so it measures the
# macro expansion plus the type checking, monomorphization and code generation of that crate.
#
# At the end it also counts the LLVM IR lines of each binary crate (one codegen unit), which
# shows where the time goes: the network's own code, or one copy of each layer's methods per
# distinct layer type.
#
# Usage: bench-compile/measure.sh [runs]   (default 3; prints the median of the runs)
# Target directory: bench-compile/target, or $CARGO_TARGET_DIR if set.
set -euo pipefail
cd "$(dirname "$0")"
# Whole-crate rebuilds: `cargo check` would otherwise reuse its incremental cache for a file
# that was only touched (release builds are not incremental by default).
export CARGO_INCREMENTAL=0
runs=${1:-3}
bins=(layers3 layers50 layers50_widths)

now() { date +%s.%N; }

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "warming up: building dependencies and every binary once (release and check)" >&2
cargo build --release --bins --quiet
cargo check --bins --quiet

time_build() { # mode bin: prints the seconds one rebuild of the binary takes
    touch "src/bin/$2.rs"
    local start
    start=$(now)
    if [ "$1" = release ]; then
        cargo build --release --bin "$2" --quiet
    else
        cargo check --bin "$2" --quiet
    fi
    echo "$(now) - $start" | bc -l
}

# The binaries take turns within each run, so a load change on the machine hits all of them.
declare -A times result
for mode in check release; do
    for _ in $(seq "$runs"); do
        for bin in "${bins[@]}"; do
            times[$mode,$bin]+="$(time_build "$mode" "$bin") "
        done
    done
    for bin in "${bins[@]}"; do
        result[$mode,$bin]=$(printf '%s\n' ${times[$mode,$bin]} | median)
        printf '%-8s %-16s runs: %s  median: %.2f s\n' "$mode" "$bin" \
            "$(printf '%.2f ' ${times[$mode,$bin]})" "${result[$mode,$bin]}"
    done
done

target=${CARGO_TARGET_DIR:-target}
echo
printf '| binary | layers | cargo check (median) | cargo build --release (median) | release binary |\n'
printf '|---|---|---|---|---|\n'
for bin in "${bins[@]}"; do
    layers=$([ "$bin" = layers3 ] && echo 3 || echo 50)
    size=$(stat -c %s "$target/release/$bin")
    printf '| `%s` | %s | %.2f s (x%.2f) | %.2f s (x%.2f) | %d KiB |\n' "$bin" "$layers" \
        "${result[check,$bin]}" "$(echo "${result[check,$bin]} / ${result[check,layers3]}" | bc -l)" \
        "${result[release,$bin]}" "$(echo "${result[release,$bin]} / ${result[release,layers3]}" | bc -l)" \
        "$((size / 1024))"
done
echo
for bin in "${bins[@]}"; do
    touch "src/bin/$bin.rs"
    cargo rustc --release --bin "$bin" --quiet -- --emit=llvm-ir -C codegen-units=1
    ir=$(ls -t "$target"/release/deps/"$bin"-*.ll | head -1)
    printf 'LLVM IR of %-16s %7d lines, %4d functions, %3d of them `Dense` Layer methods, %3d `dense::Core` methods\n' "$bin" \
        "$(wc -l < "$ir")" "$(grep -c '^define' "$ir")" \
        "$(grep '^define' "$ir" | grep -c 'layer..dense..Dense.*Layer')" \
        "$(grep '^define' "$ir" | grep -c 'layer..dense..Core')"
    rm -f "$target"/release/deps/"$bin"-*.ll
done
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(rustc --version)"
