#!/usr/bin/env python3
"""Fixture for tests/hessian.test: a regression whose loss is exactly
quadratic (one linear layer, two targets, MSE, no normalization), and the
eigenvalues of its Hessian in closed form.

    L(W, b) = 1/(n m) sum_i sum_j (w_j . x_i + b_j - t_ij)^2
    H = I_m (x) (2/(n m)) X~^T X~,   X~ = [X 1]

Usage: hessian_quadratic.py DIR  writes DIR/quad.csv and DIR/quad.json and
prints the eigenvalues, largest first, one per line (numpy.linalg.eigvalsh).
"""
import json
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(2026)
n, d, m = 60, 4, 2
# Correlated inputs of different scales, so the spectrum is spread out.
x = rng.normal(size=(n, d)) @ np.array(
    [[2.0, 0.3, 0.0, 0.1], [0.0, 1.0, 0.5, 0.0], [0.0, 0.0, 0.5, 0.2], [0.0, 0.0, 0.0, 0.1]]
) + np.array([1.0, -2.0, 0.5, 3.0])
t = x @ rng.normal(size=(d, m)) + rng.normal(scale=0.1, size=(n, m))
# The CSV holds 6 decimals; the reference uses exactly those values.
x = np.round(x, 6)
t = np.round(t, 6)
with open(os.path.join(out, "quad.csv"), "w") as f:
    f.write("x0,x1,x2,x3,y0,y1\n")
    for i in range(n):
        f.write(",".join("%.6f" % v for v in list(x[i]) + list(t[i])) + "\n")
spec = {
    "layers": [{"units": m, "activation": "linear"}],
    "loss": "mse",
    "optimizer": {"name": "sgd", "learning_rate": 0.01, "momentum": 0.0},
    "epochs": 200,
    "batch_size": n,
    "data": {"target": ["y0", "y1"], "normalize": "none"},
}
with open(os.path.join(out, "quad.json"), "w") as f:
    json.dump(spec, f)
xt = np.hstack([x, np.ones((n, 1))])
h = np.kron(np.eye(m), 2.0 / (n * m) * xt.T @ xt)
for v in sorted(np.linalg.eigvalsh(h), reverse=True):
    print("%.17g" % v)
