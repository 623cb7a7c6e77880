#!/usr/bin/env python3
"""Checks ONNX models exported by nn and runs them with ONNX Runtime (tests/onnx_export.rs).

Usage: check.py REQUEST.json

REQUEST.json is a list of cases, {"name": str, "model": path, "dtype": "float32" | "float64",
"inputs": [[float, ...], ...]}. For each case the model is loaded, checked with
onnx.checker.check_model(full_check=True) (which runs shape inference too), and run on the
inputs with ONNX Runtime's CPU provider. Prints one JSON object to stdout:
{"name": {"outputs": [[float, ...], ...], "output_shape": [...], "opset": int}, ...}.

Exit codes: 0 success, 2 a model failed the checker or the run (the message names it),
3 the Python packages are missing (install with
`python3 -m pip install -r tests/onnx/requirements.txt`).
"""

import json
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except ImportError as missing:
    print(
        f"check.py: {missing}; install the packages with "
        "`python3 -m pip install -r tests/onnx/requirements.txt`",
        file=sys.stderr,
    )
    sys.exit(3)


def run_case(case):
    model = onnx.load(case["model"])
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    [input_meta] = session.get_inputs()
    [output_meta] = session.get_outputs()
    if (input_meta.name, output_meta.name) != ("input", "output"):
        raise ValueError(f"names {input_meta.name!r}, {output_meta.name!r}; expected input, output")
    if input_meta.shape[0] != "batch":
        raise ValueError(f"batch axis {input_meta.shape[0]!r}; expected the symbolic 'batch'")
    x = np.asarray(case["inputs"], dtype=case["dtype"])
    [y] = session.run(None, {"input": x})
    if y.dtype != x.dtype:
        raise ValueError(f"output dtype {y.dtype}; expected {x.dtype}")
    return {
        "outputs": [[float(v) for v in row] for row in y],
        "output_shape": [str(d) for d in output_meta.shape],
        "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = {}
    for case in cases:
        try:
            results[case["name"]] = run_case(case)
        except Exception as error:  # noqa: BLE001 - reported with the case's name
            print(f"check.py: {case['name']}: {type(error).__name__}: {error}", file=sys.stderr)
            sys.exit(2)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
