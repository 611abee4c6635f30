#!/usr/bin/env python3
"""Helpers of tests/onnx.test, with onnx (python3-onnx).

    check.py check MODEL.onnx   onnx.checker.check_model(full_check=True)
        and onnx.shape_inference.infer_shapes(strict_mode=True); prints the
        opset, IR version, the operators used and the inferred shape of the
        output; exits 1 when either fails
    check.py names MODEL.onnx   the input column names of metadata_props
        "input_names", one a line (for tests/export/compare.py rows)
    check.py meta MODEL.onnx KEY   the value of metadata_props KEY
    check.py diff [--complement] DNN_OUT ORT_OUT TOL   each runtime output
        against dnn predict's (after its header line): |o - d| <= TOL |d| +
        half a unit of d's last printed digit; prints the largest relative
        difference beyond the printed digits; exits 1 on a mismatch. With
        --complement (two columns 1 - p, p of a single sigmoid unit), each
        relative to max(|d|, |1 - d|): the float that was computed. With
        --softmax (probabilities exp(z - lse) of a softmax), TOL |d| is
        scaled by max(1, -ln d): a float logit z - lse = ln d carries an
        absolute rounding error of about |ln d| units of 2^-24, which is
        the relative error of d (4e-30 has ln d = -68)
"""
import json
import math
import sys

import onnx


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    out = inferred.graph.output[0].type.tensor_type.shape.dim
    shape = [d.dim_param or d.dim_value for d in out]
    ops = sorted({n.op_type for n in model.graph.node})
    print("opset %d, IR %d, output %s %s, ops %s" % (
        model.opset_import[0].version, model.ir_version, model.graph.output[0].name,
        shape, " ".join(ops)))


def meta(path, key):
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    return props[key]


def half_unit(text):
    """Half a unit of the last digit text shows ("1.25e-05": 0.005e-05)."""
    mant, _, exp = text.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 0.5 * 10.0 ** (-decimals + (int(exp) if exp else 0))


def diff(dnn_path, ort_path, tol, complement=False, softmax=False):
    d_lines = [l for l in open(dnn_path).read().split("\n") if l][1:]
    o_lines = [l for l in open(ort_path).read().split("\n") if l]
    if len(d_lines) != len(o_lines):
        print("%d rows from dnn, %d from the runtime" % (len(d_lines), len(o_lines)))
        return 1
    worst = 0.0
    for k, (dl, ol) in enumerate(zip(d_lines, o_lines)):
        ds, os_ = dl.split(","), ol.split(",")
        if len(ds) != len(os_):
            print("row %d: %d values from dnn, %d from the runtime" % (k + 1, len(ds), len(os_)))
            return 1
        for dt, ot in zip(ds, os_):
            d, o = float(dt), float(ot)
            scale = max(abs(d), abs(1.0 - d)) if complement else abs(d)
            if softmax and 0.0 < d < 1.0:
                scale *= max(1.0, -math.log(d))
            if not abs(o - d) <= tol * scale + half_unit(dt):
                print("row %d: dnn %s, runtime %s" % (k + 1, dt, ot))
                return 1
            if scale != 0.0:
                worst = max(worst, max(abs(o - d) - half_unit(dt), 0.0) / scale)
    print("%.2g" % worst)
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2])
    elif cmd == "names":
        sys.stdout.write("".join(n + "\n" for n in json.loads(meta(sys.argv[2], "input_names"))))
    elif cmd == "meta":
        print(meta(sys.argv[2], sys.argv[3]))
    else:
        flags = [a for a in sys.argv[2:] if a.startswith("--")]
        args = [a for a in sys.argv[2:] if not a.startswith("--")]
        sys.exit(diff(args[0], args[1], float(args[2]), "--complement" in flags,
                      "--softmax" in flags))
