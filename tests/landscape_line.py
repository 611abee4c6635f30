#!/usr/bin/env python3
"""The loss along the line from MODEL0 to MODEL of a linear network with mse,
computed with numpy from the two checkpoints (read by tests/ckpt_read.py) and
the CSV rows: L(a) = mean over rows and outputs of
((W0 + a (W1 - W0)) x + b0 + a (b1 - b0) - t)^2, with x and t normalized by
the model's statistics, an exact quadratic in a. Compares it with dnn
landscape --json's "loss" at every a.

    landscape_line.py MODEL0 MODEL DATA.csv TARGET LANDSCAPE.json TOL
"""
import csv
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckpt_read  # noqa: E402


def weights(path):
    m = ckpt_read.parse(open(path, "rb").read())
    (units, act, fan_in, kind, _), = m["_layers"]
    assert act == 1 and kind == 1, "a single linear dense layer"
    p = np.array(m["params"], dtype=np.float64)
    return m, p[:units * fan_in].reshape(units, fan_in), p[units * fan_in:]


def main():
    m0_path, m_path, data, target, got_path, tol = sys.argv[1:]
    m0, w0, b0 = weights(m0_path)
    m, w1, b1 = weights(m_path)
    rows = list(csv.DictReader(open(data)))
    inputs = [c["name"] for c in m["columns"] if c["role"] == "input"]
    x = np.array([[float(r[c]) for c in inputs] for r in rows])
    y = np.array([[float(r[target])] for r in rows])
    mean, scale = (np.array(v) for v in m["norm"]["in"])
    omean, oscale = (np.array(v) for v in m["norm"]["out"])
    x = (x - mean) / scale
    t = (y - omean) / oscale
    got = json.load(open(got_path))
    worst = 0.0
    for a, loss in zip(got["a"], got["loss"]):
        w = w0 + a * (w1 - w0)
        b = b0 + a * (b1 - b0)
        want = float(np.mean((x @ w.T + b - t) ** 2))
        rel = abs(loss - want) / want
        worst = max(worst, rel)
        if rel > float(tol):
            sys.exit("a = %g: dnn %.10g, numpy %.10g (relative %.2g)" % (a, loss, want, rel))
    print("%d points match numpy to %.2g relative (at most %s)" % (len(got["a"]), worst, tol))


main()
