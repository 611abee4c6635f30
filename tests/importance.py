"""dnn importance against independent computations on the same models.

Permutation importance: scikit-learn's permutation_importance of a tiny
estimator whose predict() writes the permuted rows to a CSV file and runs
`dnn predict` on it, so that both shuffle the same model's inputs, with
their own generators; with R repeats each, column j's means must agree
within 4 sqrt(sd_dnn^2 + sd_sklearn^2) / sqrt(R) + 0.005, the baselines
exactly, and the top-ranked columns must overlap. For a classification
(breast_cancer, accuracy), a regression (diabetes, R^2) and a weighted
classification (a weight column, sklearn's sample_weight).

Input x gradient: the model's weights read by tests/ckpt_read.py, its
forward pass and per-row loss written again in torch (float64), and
mean_i |x_ij dL_i/dx_ij| of torch's autograd against dnn's, for dense
models (binary cross-entropy, cross-entropy, mse) and one with batch
normalization and dropout.

usage: importance.py DNN TMPDIR"""
import csv
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, r2_score

dnn, tmp = sys.argv[1], sys.argv[2]
top = os.environ.get("top_srcdir", ".")
sys.path.insert(0, os.path.join(top, "tests"))
import ckpt_read  # noqa: E402
import svgrender  # noqa: E402

REPEATS = 30
bad = 0


def run(*args):
    return subprocess.run([dnn] + list(args), check=True, capture_output=True,
                          text=True).stdout


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


class DnnModel(BaseEstimator):
    """predict(X): `dnn predict` of the model on the rows of X."""

    def __init__(self, model=None, names=None, regression=False):
        self.model, self.names, self.regression = model, names, regression

    def fit(self, X, y):
        return self

    def predict(self, X):
        path = os.path.join(tmp, "permuted.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(self.names)
            for row in X:
                w.writerow([repr(float(v)) for v in row])
        lines = run("predict", self.model, path).splitlines()[1:]
        return np.array([float(s) for s in lines]) if self.regression else np.array(lines)


def check_permutation(spec, data, target, scoring, epochs, k_top, weight=None):
    """Train a model of spec on data (weighted by the column weight, when
    given); dnn importance and sklearn's on it."""
    global bad
    model = os.path.join(tmp, os.path.basename(data) + ".dnn")
    run("train", "-q", "--seed", "2", "-e", str(epochs), "-o", model, spec, data,
        *(["--weight", weight] if weight else []))
    header, rows = read_csv(data)
    t = header.index(target)
    skip = {t, header.index(weight)} if weight else {t}
    names = [h for i, h in enumerate(header) if i not in skip]
    X = np.array([[float(v) for i, v in enumerate(r) if i not in skip] for r in rows])
    sw = np.array([float(r[header.index(weight)]) for r in rows]) if weight else None
    y = np.array([float(r[t]) for r in rows]) if scoring == "r2" else \
        np.array([r[t] for r in rows])
    ours = json.loads(run("importance", "--json", "--repeats", str(REPEATS), "--seed", "11",
                          model, data))
    est = DnnModel(model, names, scoring == "r2")
    theirs = permutation_importance(est, X, y, scoring=scoring, n_repeats=REPEATS,
                                    random_state=0, sample_weight=sw)
    pred = est.predict(X)
    sk_base = r2_score(y, pred, sample_weight=sw) if scoring == "r2" else \
        accuracy_score(y, pred, sample_weight=sw)
    name = os.path.basename(data)
    if weight and ours.get("weight") != weight:
        print("%s: the figures are not weighted by %s" % (name, weight))
        bad = 1
    if ours["scoring"] != scoring or abs(ours["baseline"] - sk_base) > 1e-6:
        print("%s: baseline %s %.9g, sklearn %.9g" % (name, ours["scoring"], ours["baseline"],
                                                     sk_base))
        bad = 1
    if len(ours["columns"]) != len(names):
        print("%s: %d columns, not %d" % (name, len(ours["columns"]), len(names)))
        bad = 1
    worst, n_ok = 0.0, 0
    for c in ours["columns"]:
        j = names.index(c["name"])
        m2, s2 = theirs.importances_mean[j], theirs.importances_std[j]
        tol = 4 * np.hypot(c["sd"], s2) / np.sqrt(REPEATS) + 0.005
        worst = max(worst, abs(c["mean"] - m2) / tol)
        n_ok += abs(c["mean"] - m2) <= tol
        if abs(c["mean"] - m2) > tol:
            print("%s: column %s: dnn %.6g +- %.3g, sklearn %.6g +- %.3g (tolerance %.3g)"
                  % (name, c["name"], c["mean"], c["sd"], m2, s2, tol))
            bad = 1
    ours_top = [c["name"] for c in ours["columns"][:k_top]]
    their_top = [names[j] for j in np.argsort(-theirs.importances_mean, kind="stable")[:k_top]]
    common = set(ours_top) & set(their_top)
    if len(common) * 2 < k_top or ours_top[0] not in their_top:
        print("%s: top %d columns: dnn %s, sklearn %s" % (name, k_top, ours_top, their_top))
        bad = 1
    print("%s%s: %s baseline %.6g; %d of %d columns within tolerance (worst at %.2f of "
          "it); top %d shared: %d" % (name, " weighted" if weight else "", scoring, sk_base,
                                      n_ok, len(names), worst, k_top, len(common)))


def torch_saliency(model, data, target):
    """mean_i |x_ij dL_i/dx_ij| per input, by torch, for a dense network
    with dropout, batch and layer normalization rows read by ckpt_read."""
    import torch
    m = ckpt_read.parse(open(model, "rb").read())
    header, rows = read_csv(data)
    t = header.index(target)
    x = torch.tensor([[float(v) for i, v in enumerate(r) if i != t] for r in rows],
                     dtype=torch.float64)
    mean, scale = m["norm"]["in"]
    x = (x - torch.tensor(mean, dtype=torch.float64)) / torch.tensor(scale, dtype=torch.float64)
    x.requires_grad_(True)
    p = torch.tensor(m["params"], dtype=torch.float64)
    st = torch.tensor(m["state"] or [0.0], dtype=torch.float64)
    a, off, s_off = x, 0, 0
    for units, act, fan_in, kind, fields in m["_layers"]:
        if kind == 2:
            continue
        if kind in (ckpt_read.BATCH_NORM, ckpt_read.LAYER_NORM):
            g, b = p[off:off + units], p[off + units:off + 2 * units]
            off += 2 * units
            if kind == ckpt_read.BATCH_NORM:
                mu, var = st[s_off:s_off + units], st[s_off + units:s_off + 2 * units]
                s_off += 2 * units
                z = g * (a - mu) / torch.sqrt(var + fields[1]) + b
            else:
                mu = a.mean(1, keepdim=True)
                var = ((a - mu) ** 2).mean(1, keepdim=True)
                z = g * (a - mu) / torch.sqrt(var + fields[0]) + b
        else:
            w = p[off:off + units * fan_in].reshape(units, fan_in)
            b = p[off + units * fan_in:off + units * (fan_in + 1)]
            off += units * (fan_in + 1)
            z = a @ w.T + b
        a = {1: lambda v: v, 3: torch.sigmoid, 4: torch.tanh, 5: torch.relu,
             6: lambda v: torch.softmax(v, 1)}[act](z)
    classes = m["classes"]
    truth = [r[t] for r in rows]

    def targets(r):
        return [r[t]]
    if m["loss"] == "binary_cross_entropy":
        y = torch.tensor([[float(classes.index(s) == 1)] for s in truth], dtype=torch.float64)
        ac = a.clamp(1e-7, 1 - 1e-7)
        loss = -(y * torch.log(ac) + (1 - y) * torch.log(1 - ac)).mean(1)
    elif m["loss"] == "cross_entropy":
        y = torch.zeros_like(a)
        y[range(len(truth)), [classes.index(s) for s in truth]] = 1.0
        loss = -(y * torch.log(a.clamp(1e-7, 1.0))).sum(1)
    else:  # mse on the standardized targets
        mean, scale = m["norm"]["out"]
        y = (torch.tensor([[float(v) for v in targets(r)] for r in rows],
                          dtype=torch.float64) - torch.tensor(mean, dtype=torch.float64)) / \
            torch.tensor(scale, dtype=torch.float64)
        loss = ((a - y) ** 2).mean(1)
    loss.sum().backward()
    return (x.detach() * x.grad).abs().mean(0).numpy(), [h for i, h in enumerate(header)
                                                         if i != t]


def check_gradient(spec_json, data, target, epochs):
    global bad
    spec = os.path.join(tmp, "grad_spec.json")
    with open(spec, "w") as f:
        json.dump(spec_json, f)
    model = os.path.join(tmp, "grad.dnn")
    run("train", "-q", "--seed", "5", "-e", str(epochs), "-o", model, spec, data)
    ours = json.loads(run("importance", "--json", "--method", "gradient", model, data))
    want, names = torch_saliency(model, data, target)
    worst = rel = 0.0
    for c in ours["columns"]:
        w = want[names.index(c["name"])]
        err = abs(c["score"] - w) / (1e-3 * abs(w) + 1e-6)
        worst = max(worst, err)
        rel = max(rel, abs(c["score"] - w) / abs(w) if w else 0.0)
        if err > 1.0:
            print("gradient: column %s: dnn %.9g, torch %.9g" % (c["name"], c["score"], w))
            bad = 1
    layers = ckpt_read.parse(open(model, "rb").read())["_layers"]
    kinds = ",".join(ckpt_read.KINDS[k[3]][0] for k in layers)
    print("gradient (%s, row kinds %s): %d columns within 1e-3 of torch (largest relative "
          "difference %.2g)" % (os.path.basename(data), kinds, len(names), rel))


bc = os.path.join(top, "data", "breast_cancer.csv")
check_permutation(os.path.join(top, "data", "breast_cancer.json"), bc, "diagnosis",
                  "accuracy", 20, 6)
check_permutation(os.path.join(top, "data", "diabetes.json"),
                  os.path.join(top, "data", "diabetes.csv"), "progression", "r2", 20, 4)
# Weights 0 to 3 by row (a row of weight 0 counts for nothing).
header, rows = read_csv(bc)
bcw = os.path.join(tmp, "bc_weighted.csv")
with open(bcw, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header[:-1] + ["w", header[-1]])
    for i, r in enumerate(rows):
        w.writerow(r[:-1] + [str(i % 4), r[-1]])
check_permutation(os.path.join(top, "data", "breast_cancer.json"), bcw, "diagnosis",
                  "accuracy", 20, 6, weight="w")
base = json.load(open(os.path.join(top, "data", "breast_cancer.json")))
check_gradient(base, bc, "diagnosis", 10)
base["layers"][0].update({"norm": "batch", "dropout": 0.2})
check_gradient(base, bc, "diagnosis", 10)
check_gradient(json.load(open(os.path.join(top, "data", "diabetes.json"))),
               os.path.join(top, "data", "diabetes.csv"), "progression", 10)
iris = json.load(open(os.path.join(top, "data", "iris.json")))
check_gradient(iris, os.path.join(top, "data", "iris.csv"), "species", 10)
# The bar chart, drawn as a viewer draws it.
m = os.path.join(tmp, "plot.dnn")
run("train", "-q", "-o", m, os.path.join(top, "data", "breast_cancer.json"), bc)
plot = os.path.join(tmp, "importance.svg")
run("importance", "--plot", plot, m, bc)
why = svgrender.render(plot)
if why:
    print("importance --plot: " + why)
    bad = 1
else:
    print("importance --plot: %s" % ("rendered" if svgrender.have_renderer()
                                     else "not rendered (no rsvg-convert)"))
sys.exit(bad)
