#!/usr/bin/env python3
"""One full-batch gradient step of dnn against the same step in torch.nn.

    python3 tests/torch_step.py DNN DIR

For each case: dnn trains a small network for one epoch (checkpoint A) and
for two (checkpoint B) with plain SGD and the whole data set as one batch,
so that B is one step from A. PyTorch loads A (read by tests/ckpt_read.py),
takes that step with the same loss and learning rate, and its weights must
equal B's to 1e-6 of the largest weight. Exit status 0 when every case
agrees, 1 when one does not, 77 when PyTorch is not installed.
"""

import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckpt_read  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

ROWS, INPUTS, CLASSES, LR, TOL = 40, 5, 3, 0.1, 1e-6


def make_data(path, task, seed):
    """ROWS rows of INPUTS inputs and a target: a class name or a number."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write(",".join("x%d" % i for i in range(INPUTS)) + ",y\n")
        for r in range(ROWS):
            x = [rng.gauss(0.5, 2.0) for _ in range(INPUTS)]
            if task == "classification":
                y = "c%d" % ((r + int(x[0] > 0)) % CLASSES)
            else:
                y = "%.6g" % (x[0] - 2.0 * x[1] + rng.gauss(0, 0.3))
            f.write(",".join("%.6g" % v for v in x) + ",%s\n" % y)


def run_dnn(dnn, spec, data, out, epochs):
    subprocess.run([dnn, "train", "-q", "-j", "1", "-e", str(epochs), "-o", out, spec, data],
                   check=True)
    with open(out, "rb") as f:
        return ckpt_read.parse(f.read())


def read_rows(path, m):
    """The inputs normalized as the model does, and the targets as its loss
    sees them: class indices, or values normalized by the output scale."""
    xs, ys = [], []
    mean, scale = m["norm"]["in"]
    with open(path) as f:
        next(f)
        for line in f:
            cells = line.strip().split(",")
            xs.append([(float(v) - mu) / s for v, mu, s in zip(cells[:-1], mean, scale)])
            if m["task"] == "classification":
                ys.append(m["classes"].index(cells[-1]))
            else:
                (mu,), (s,) = m["norm"]["out"]
                ys.append([(float(cells[-1]) - mu) / s])
    dtype = torch.long if m["task"] == "classification" else torch.float32
    return torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=dtype)


ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid} if torch else {}


KIND_DENSE, KIND_BATCH_NORM, KIND_LAYER_NORM = 1, 3, 4


def rows(m):
    """(units, activation id, inputs, kind, fields) of each row of m."""
    for row in m["_layers"]:
        yield tuple(row[:3]) + ((row[3], row[4]) if len(row) > 3 else (KIND_DENSE, []))


def build(m):
    """torch layers holding the weights (and running statistics) of m."""
    mods, off, s_off = [], 0, 0
    params, state = m["params"], m.get("state", [])
    for units, act, fan_in, kind, fields in rows(m):
        if kind == KIND_DENSE:
            mod = nn.Linear(fan_in, units)
            nw = units * fan_in
            weight = torch.tensor(params[off:off + nw]).view(units, fan_in)
        elif kind == KIND_BATCH_NORM:
            mod = nn.BatchNorm1d(units, momentum=fields[0], eps=fields[1])
            nw = units
            weight = torch.tensor(params[off:off + nw])
            with torch.no_grad():
                mod.running_mean.copy_(torch.tensor(state[s_off:s_off + units]))
                mod.running_var.copy_(torch.tensor(state[s_off + units:s_off + 2 * units]))
            s_off += 2 * units
        elif kind == KIND_LAYER_NORM:
            mod = nn.LayerNorm(units, eps=fields[0])
            nw = units
            weight = torch.tensor(params[off:off + nw])
        else:
            raise ValueError("no torch module for kind %d" % kind)
        with torch.no_grad():
            mod.weight.copy_(weight)
            mod.bias.copy_(torch.tensor(params[off + nw:off + nw + units]))
        off += nw + units
        mods.append(mod)
        name = ckpt_read.ACTS[act]
        if name in ACTS:
            mods.append(ACTS[name]())
    return nn.Sequential(*mods)


def flat(model):
    """The weights in dnn's order (per row: a dense row's weights row by row,
    a normalization's scales, then the biases or shifts), then the running
    statistics of the batch normalizations (means, then variances)."""
    out, state = [], []
    for mod in model:
        if isinstance(mod, (nn.Linear, nn.BatchNorm1d, nn.LayerNorm)):
            out += mod.weight.detach().reshape(-1).tolist() + mod.bias.detach().tolist()
        if isinstance(mod, nn.BatchNorm1d):
            state += mod.running_mean.tolist() + mod.running_var.tolist()
    return out, state


def max_diff(got, want):
    """max |got - want| relative to the largest |want| (1 when the lengths differ)."""
    if len(got) != len(want):
        return 1.0
    if not want:
        return 0.0
    scale = max(abs(v) for v in want) or 1.0
    return max(abs(g - w) for g, w in zip(got, want)) / scale


def check(name, dnn, tmp, layers, task, loss):
    spec = {"layers": layers, "loss": loss, "seed": 7, "epochs": 1, "batch_size": 1000,
            "optimizer": {"name": "sgd", "learning_rate": LR, "momentum": 0}}
    sp, data = os.path.join(tmp, name + ".json"), os.path.join(tmp, name + ".csv")
    with open(sp, "w") as f:
        json.dump(spec, f)
    make_data(data, task, len(name))
    a = run_dnn(dnn, sp, data, os.path.join(tmp, name + "-1.dnn"), 1)
    b = run_dnn(dnn, sp, data, os.path.join(tmp, name + "-2.dnn"), 2)
    x, y = read_rows(data, a)
    model = build(a)
    model.train()
    crit = nn.CrossEntropyLoss() if loss == "cross_entropy" else nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    opt.zero_grad()
    crit(model(x), y).backward()
    opt.step()
    got, got_state = flat(model)
    diff = max_diff(got, list(b["params"]))
    sdiff = max_diff(got_state, list(b.get("state", [])))
    ok = diff <= TOL and sdiff <= TOL
    print("%s %s: max |torch - dnn| / max |w| = %.3g, running statistics %.3g"
          % ("ok" if ok else "FAIL", name, diff, sdiff))
    return ok


CASES = [
    ("dense-tanh", [{"units": 6, "activation": "tanh"}, {"units": 3, "activation": "softmax"}],
     "classification", "cross_entropy"),
    ("dense-relu-mse", [{"units": 7, "activation": "relu"}, {"units": 4, "activation": "sigmoid"},
                        {"units": 1, "activation": "linear"}], "regression", "mse"),
    # torch.nn.BatchNorm1d in training mode: the batch's mean and biased
    # variance normalize, the unbiased variance moves running_var.
    ("batch-norm", [{"units": 6, "activation": "tanh", "norm": "batch"},
                    {"units": 5, "activation": "relu", "norm": "batch", "norm_momentum": 0.3,
                     "norm_epsilon": 1e-3},
                    {"units": 3, "activation": "softmax"}], "classification", "cross_entropy"),
    # torch.nn.LayerNorm: each row's mean and biased variance over the units.
    ("layer-norm", [{"units": 7, "activation": "relu", "norm": "layer"},
                    {"units": 4, "activation": "sigmoid", "norm": "layer", "norm_epsilon": 1e-3},
                    {"units": 1, "activation": "linear", "norm": "batch"}], "regression", "mse"),
]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 64
    if torch is None:
        print("skip: PyTorch is not installed (Debian: python3-torch)")
        return 77
    torch.set_num_threads(1)
    ok = True
    for name, layers, task, loss in CASES:
        ok = check(name, argv[1], argv[2], layers, task, loss) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
