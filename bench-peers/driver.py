"""Runs every peer of the harness and writes the "Peer comparison" section of BENCHMARKS.md
(or, with --suite conv, the "Convolution: peer comparison" section).

  python driver.py --data DIR --rounds N --seconds S --benchmarks ../BENCHMARKS.md \
      --command "bench-peers/run.sh" [--note TEXT] [--only nn,torch,...] [--suite mlp|conv]

1. check: runs each peer once with `check` (`conv-check`); every peer must reproduce nn's first
   ten training losses, its inference loss on the first batch and the tiny network's output (the
   single convolution's output) to 1e-3 (relative), or the driver stops with exit status 1
   before measuring anything.
2. bench: N rounds; in each round every peer runs in turn (the order rotates from round to
   round), each workload timed for S seconds after a warm-up. Medians over the rounds.
3. writes the section between the suite's markers (appended to the file if they are missing).

run.sh calls this with the right arguments; it is a separate file so that the numbers can be
re-measured without reinstalling anything.
"""

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-3
# The 1-minute load average after each round, reported with the numbers.
LOADS = []


class Suite:
    """What differs between the MLP workloads (A-D) and the convolutional ones (G-I)."""

    def __init__(self, name, begin, end, title, workloads, descriptions, modes, samples, ratio):
        self.name, self.begin, self.end, self.title = name, begin, end, title
        # key -> (column title, unit, higher is better)
        self.workloads = workloads
        self.descriptions = descriptions
        self.modes = modes  # the peers' (check, bench) arguments
        self.samples = samples  # what the sampled outputs are, for the "Same function" text
        self.ratio = ratio  # how the ratios are formed


MLP = Suite(
    "mlp",
    "<!-- peers:begin -->",
    "<!-- peers:end -->",
    "Peer comparison",
    {
        "A": ("A train b128", "samples/s", True),
        "B": ("B infer b256", "samples/s", True),
        "C": ("C infer b1", "us", False),
        "D": ("D tiny b1", "ns", False),
    },
    [
        "- A: train step, MLP 784 -> 300 (relu) -> 100 (relu) -> 10, softmax cross-entropy, SGD "
        "lr 0.01, batch 128, f32",
        "- B: inference (softmax probabilities), same MLP, batch 256",
        "- C: inference, same MLP, one sample (`predict_one` for nn)",
        "- D: inference, 16 -> 32 (relu) -> 32 (relu) -> 4 (linear), one sample",
    ],
    ("check", "bench"),
    "tiny-network output",
    "Throughput of nn over the peer's for A and B, the peer's time over nn's for C and D; "
    "above 1 nn is faster.",
)
CONV = Suite(
    "conv",
    "<!-- conv-peers:begin -->",
    "<!-- conv-peers:end -->",
    "Convolution: peer comparison",
    {
        "G": ("G CNN infer b256", "samples/s", True),
        "H": ("H CNN train b64", "samples/s", True),
        "I": ("I conv 3x3 32x32x16->32 b32", "samples/s", True),
    },
    [
        "- the CNN: 28x28x1 -> conv 5x5x6 (valid) -> relu -> maxpool 2 -> conv 5x5x16 (valid) "
        "-> relu -> maxpool 2 -> flatten (256) -> dense 10; channels-last (NHWC) rows in nn, "
        "NCHW tensors in PyTorch and burn, the kernels and the dense layer's rows rearranged "
        "by `gen_data.py`, f32",
        "- G: inference (softmax probabilities) of the CNN, batch 256",
        "- H: train step of the CNN, softmax cross-entropy, SGD lr 0.01, batch 64",
        "- I: inference, one 3x3 convolution 32x32x16 -> 32x32x32, \"same\" padding, with "
        "bias, no activation, batch 32",
    ],
    ("conv-check", "conv-bench"),
    "single convolution's output (every 4099th value)",
    "Throughput of nn over the peer's; above 1 nn is faster.",
)
SUITES = {"mlp": MLP, "conv": CONV}


def peers(target, python, suite=MLP):
    """(key, label, argv) of every peer of the suite; the Rust ones are binaries under
    target/release."""
    rust = lambda name: [str(target / "release" / f"peer-{name}")]  # noqa: E731
    py = lambda *a: [python, str(HERE / "py" / a[0]), *a[1:]]  # noqa: E731
    # PyTorch's OpenMP threads spin while they wait (OMP_WAIT_POLICY=ACTIVE by default), which
    # on a machine with more runnable processes than cores cost it 27x on H (BENCHMARKS.md):
    # measured both ways.
    passive = [shutil.which("env") or "/usr/bin/env", "OMP_WAIT_POLICY=PASSIVE"]
    if suite is CONV:
        return [
            ("nn", "nn (this project)", rust("nn")),
            ("torch", "PyTorch eager (no_grad inference)", py("peer_torch_conv.py")),
            (
                "torch_passive",
                "PyTorch eager, OMP_WAIT_POLICY=PASSIVE",
                passive + py("peer_torch_conv.py"),
            ),
            ("burn", "burn (NdArray backend, simd, rayon)", rust("burn")),
        ]
    return [
        ("nn", "nn (this project)", rust("nn")),
        ("torch", "PyTorch eager (no_grad inference)", py("peer_torch.py")),
        ("torch_passive", "PyTorch eager, OMP_WAIT_POLICY=PASSIVE", passive + py("peer_torch.py")),
        ("torch_jit", "PyTorch jit.trace + freeze", py("peer_torch.py", "--jit")),
        ("keras_jax", "Keras on JAX, jitted stateless step", py("peer_keras_jax.py")),
        ("keras_fit", "Keras on JAX, `fit`", py("peer_keras_jax.py", "--fit")),
        ("burn", "burn (NdArray backend, simd, rayon)", rust("burn")),
        ("candle", "candle (CPU)", rust("candle")),
        ("dfdx", "dfdx (CPU)", rust("dfdx")),
    ]


def environment():
    env = dict(os.environ)
    env.update(
        RAYON_NUM_THREADS="2",
        OMP_NUM_THREADS="2",
        MKL_NUM_THREADS="2",
        OPENBLAS_NUM_THREADS="2",
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2",
        JAX_PLATFORMS="cpu",
        KERAS_BACKEND="jax",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    return env


def call(argv, timeout):
    """Runs a peer; returns its parsed output lines, or an error text."""
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=environment()
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        return None, f"exit status {done.returncode}: {tail}"
    out = {"loss": {}, "tiny": {}, "wide": {}, "result": {}, "version": {}}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("loss", "tiny", "wide"):
            out[parts[0]][int(parts[1])] = float(parts[2])
        elif len(parts) == 3 and parts[0] in ("result", "version"):
            out[parts[0]][parts[1]] = float(parts[2]) if parts[0] == "result" else parts[2]
        elif len(parts) == 2 and parts[0] == "infer_loss":
            out["infer_loss"] = float(parts[1])
    return out, None


def relative(a, b, scale=None):
    return abs(a - b) / max(abs(b) if scale is None else scale, 1e-12)


def check(peer_list, data, timeout, suite):
    """Runs every peer's check; returns (the peers that passed, versions, report lines)."""
    results, failed = {}, {}
    for key, label, argv in peer_list:
        out, error = call(argv + [str(data), suite.modes[0]], timeout)
        print(f"check {key}: {'ok' if out else error}", flush=True)
        if out:
            results[key] = out
        else:
            failed[key] = error
    if "nn" not in results:
        sys.exit(f"FAILED: nn itself did not run: {failed.get('nn')}")
    ref = results["nn"]
    reference_losses = [ref["loss"][i] for i in sorted(ref["loss"])]
    sampled = "wide" if ref["wide"] else "tiny"
    scale = max(abs(v) for v in ref[sampled].values())
    lines, mismatches = [], []
    print("first ten training losses:")
    for key, out in results.items():
        deviations = []
        if out["loss"]:
            losses = [out["loss"].get(i, float("nan")) for i in range(len(reference_losses))]
            deviations += [relative(a, b) for a, b in zip(losses, reference_losses)]
            print(f"  {key:10} " + " ".join(f"{v:.6f}" for v in losses), flush=True)
        if "infer_loss" in out:
            deviations.append(relative(out["infer_loss"], ref["infer_loss"]))
        if out[sampled]:
            deviations += [
                relative(out[sampled].get(i, float("nan")), v, scale)
                for i, v in ref[sampled].items()
            ]
        worst = max(deviations) if deviations else float("nan")
        if not worst <= TOLERANCE:
            mismatches.append(f"{key} (largest relative difference {worst:.2e})")
        lines.append((key, worst))
    if mismatches:
        print("FAILED: these peers do not compute nn's function: " + ", ".join(mismatches))
        sys.exit(1)
    versions = {}
    for out in results.values():
        versions.update(out["version"])
    return [p for p in peer_list if p[0] in results], failed, versions, lines, reference_losses


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def bench(peer_list, data, rounds, seconds, timeout, suite):
    samples = {key: {w: [] for w in suite.workloads} for key, _, _ in peer_list}
    errors = {}
    for r in range(rounds):
        shift = r % len(peer_list)
        for key, _, argv in peer_list[shift:] + peer_list[:shift]:
            out, error = call(argv + [str(data), suite.modes[1], str(seconds)], timeout)
            if error:
                errors[key] = error
                print(f"round {r + 1}/{rounds} {key}: {error}", flush=True)
                continue
            for w, v in out["result"].items():
                samples[key][w].append(v)
            shown = " ".join(f"{w}={v:.4g}" for w, v in out["result"].items())
            print(f"round {r + 1}/{rounds} {key}: {shown}", flush=True)
        LOADS.append(load_average())
    return samples, errors


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "samples/s":
        return f"{value / 1000:.1f}k" if value >= 10_000 else f"{value:,.0f}"
    if unit == "us":
        return f"{value:.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.0f}"


def shell(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
    except OSError:
        return ""


def lock_versions(measured):
    """Versions of the measured Rust peers' crates, from bench-peers/Cargo.lock."""
    lock = (HERE / "Cargo.lock").read_text()
    found = re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', lock)
    crates = {"nn": ["matrixmultiply"], "burn": ["burn", "burn-ndarray"],
              "candle": ["candle-core", "candle-nn"], "dfdx": ["dfdx"]}
    wanted = {c for key in measured for c in crates.get(key, [])}
    return {n: v for n, v in found if n in wanted}


def section(args, suite, peer_list, failed, versions, check_lines, losses, samples, errors):
    labels = {key: label for key, label, _ in peers(Path("."), "", suite)}
    medians = {
        key: {w: statistics.median(v) if v else None for w, v in per.items()}
        for key, per in samples.items()
    }
    nn = medians["nn"]
    model = shell("lscpu | sed -n 's/^Model name: *//p'")
    cores = os.cpu_count()
    out = [
        suite.begin,
        f"## {suite.title}",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench-peers/` "
        f"(nn at commit `{shell('git -C ' + str(HERE) + ' rev-parse --short HEAD')}`). "
        + (args.note + " " if args.note else "")
        + "Every peer trains and runs the same networks from the same initial weights on the "
        "same synthetic data (written by `bench-peers/gen_data.py`, seed 42), with two threads "
        f"everywhere; {args.rounds} round(s), each peer in turn in every round (the order rotating), "
        f"each workload timed for {args.seconds} s after a warm-up; medians over the rounds, "
        "with the lowest and highest round in brackets.",
        "",
        *suite.descriptions,
        "",
        f"Machine: {model}, {cores} cores, {platform.system()} {platform.release()}; "
        f"{shell('rustc -V')}; Python {platform.python_version()}. Load average (1 min) after "
        f"each round: {', '.join(f'{x:.1f}' for x in LOADS)}"
        + (
            f" (more than the {cores} cores: other processes were running, so read the "
            "ratios, not the absolute values)."
            if LOADS and max(LOADS) > cores
            else "."
        ),
        "",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in sorted({**lock_versions([p[0] for p in peer_list]), **versions}.items()))
        + ".",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        args.command,
        "```",
        "",
        "### Medians",
        "",
        "| peer | " + " | ".join(f"{n}, {u}" for n, u, _ in suite.workloads.values()) + " |",
        "|---|" + "---|" * len(suite.workloads),
    ]
    for key, _, _ in peer_list:
        cells = []
        for w, (_, unit, _) in suite.workloads.items():
            v = samples[key][w]
            cell = fmt(medians[key][w], unit)
            if len(v) > 1:
                cell += f" [{fmt(min(v), unit)}-{fmt(max(v), unit)}]"
            cells.append(cell)
        out.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    out += [
        "",
        "### Ratios nn / peer (higher is better for nn)",
        "",
        suite.ratio,
        "",
        "| peer | " + " | ".join(n for n, _, _ in suite.workloads.values()) + " |",
        "|---|" + "---|" * len(suite.workloads),
    ]
    for key, _, _ in peer_list:
        if key == "nn":
            continue
        cells = []
        for w, (_, _, higher) in suite.workloads.items():
            a, b = nn[w], medians[key][w]
            if a is None or b is None:
                cells.append("-")
            else:
                cells.append(f"{(a / b if higher else b / a):.2f}")
        out.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    out += [
        "",
        "### Same function",
        "",
        "nn's first ten training losses: " + ", ".join(f"{v:.5f}" for v in losses) + ". "
        "Largest relative difference from nn of each peer's losses, inference loss on the first "
        f"batch and {suite.samples} (the run stops above 1e-3): "
        + ", ".join(f"{k} {d:.1e}" for k, d in check_lines if k != "nn")
        + ".",
    ]
    if failed or errors:
        out += ["", "Not measured: " + "; ".join(
            f"{k}: {e.splitlines()[0][:200]}" for k, e in {**failed, **errors}.items()
        ) + "."]
    out.append(suite.end)
    return "\n".join(out)


def write(path, text, suite):
    current = path.read_text() if path.exists() else ""
    if suite.begin in current and suite.end in current:
        head, rest = current.split(suite.begin, 1)
        updated = head + text + rest.split(suite.end, 1)[1]
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--target", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--benchmarks", type=Path, required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--note", default="")
    parser.add_argument("--only", default="", help="comma-separated peer keys (nn always runs)")
    parser.add_argument("--suite", choices=sorted(SUITES), default="mlp")
    args = parser.parse_args()
    suite = SUITES[args.suite]

    peer_list = peers(args.target, sys.executable, suite)
    if args.only:
        keep = {"nn", *args.only.split(",")}
        peer_list = [p for p in peer_list if p[0] in keep]
    missing = {k: "not built (see run.sh's build log)" for k, _, a in peer_list
               if not Path(a[0]).exists()}
    peer_list = [p for p in peer_list if p[0] not in missing]
    peer_list, failed, versions, check_lines, losses = check(
        peer_list, args.data, args.timeout, suite
    )
    failed.update(missing)
    samples, errors = bench(peer_list, args.data, args.rounds, args.seconds, args.timeout, suite)
    text = section(args, suite, peer_list, failed, versions, check_lines, losses, samples, errors)
    write(args.benchmarks, text, suite)
    print(text)


if __name__ == "__main__":
    main()
