#!/usr/bin/python3
"""The PyTorch reference for scripts/bench-train: the same networks,
optimizer and batches as dnn, on the same data. Prints one JSON object.

  bench_torch.py train SPEC.json DATA.npz --threads N --epochs E
  bench_torch.py train-csv SPEC.json DATA.csv[.gz] --threads N   (end to end)
  bench_torch.py predict SPEC.json DATA.npz --threads N   (forward pass only)
  bench_torch.py predict-csv SPEC.json DATA.csv --threads N   (end to end:
        numpy.loadtxt, forward pass, labels written as CSV to stdout)
  bench_torch.py sgemm N --threads N

--autocast runs the forward pass and the loss under
torch.autocast("cpu", dtype=torch.bfloat16) (train, predict, predict-csv;
sgemm: the product of bf16 copies), PyTorch's one-line bf16 mixed
precision.
"""
import contextlib
import argparse
import json
import sys
import time

t_start = time.monotonic()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def build(spec, n_in):
    layers = []
    for ly in spec["layers"]:
        layers.append(nn.Linear(n_in, ly["units"]))
        act = ly.get("activation", "linear")
        if act == "relu":
            layers.append(nn.ReLU())
        elif act == "tanh":
            layers.append(nn.Tanh())
        elif act == "sigmoid":
            layers.append(nn.Sigmoid())
        # softmax is fused into CrossEntropyLoss
        n_in = ly["units"]
    return nn.Sequential(*layers)


def standardize(x):
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    return ((x - mu) / sd).astype(np.float32)


def autocast(on):
    """bf16 autocast when on, else nothing."""
    if on:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def optimizer(opt, params):
    """torch.optim's match of dnn's optimizer object (sgd with momentum,
    adam, rmsprop: the same update rules; dnn's defaults where the spec
    leaves a key out)."""
    lr = opt["learning_rate"]
    if opt["name"] == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(opt.get("beta1", 0.9),
                                                     opt.get("beta2", 0.999)),
                                eps=opt.get("epsilon", 1e-8))
    if opt["name"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=opt.get("rho", 0.9),
                                   eps=opt.get("epsilon", 1e-8))
    return torch.optim.SGD(params, lr=lr, momentum=opt.get("momentum", 0.0))


def train(spec, x, y, epochs, batch, bf16=False):
    torch.manual_seed(spec.get("seed", 1))
    n = x.shape[0]
    X = torch.from_numpy(standardize(x))
    Y = torch.from_numpy(y.astype(np.int64))
    model = build(spec, X.shape[1])
    sgd = optimizer(spec["optimizer"], model.parameters())
    if spec.get("loss") == "binary_cross_entropy":
        # sigmoid outputs against one-hot targets, as dnn encodes the class
        bce = nn.BCELoss()
        eye = torch.eye(spec["layers"][-1]["units"])

        def lossf(out, lab):
            return bce(out, eye[lab])
    else:
        lossf = nn.CrossEntropyLoss()
    secs = []
    for _ in range(epochs):
        t0 = time.monotonic()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            sgd.zero_grad(set_to_none=True)
            with autocast(bf16):
                loss = lossf(model(X[idx]), Y[idx])
            loss.backward()
            sgd.step()
        secs.append(time.monotonic() - t0)
    return model, secs, float(loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--autocast", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if a.mode == "sgemm":
        n = int(a.args[0])
        A = torch.rand(n, n)
        B = torch.rand(n, n)
        if a.autocast:
            A, B = A.bfloat16(), B.bfloat16()
        torch.mm(A, B)
        best = 1e9
        for _ in range(5):
            t0 = time.monotonic()
            torch.mm(A, B)
            best = min(best, time.monotonic() - t0)
        out["gflops"] = 2.0 * n ** 3 / best / 1e9
    else:
        with open(a.args[0]) as f:
            spec = json.load(f)
        epochs = a.epochs or spec["epochs"]
        batch = a.batch_size or spec["batch_size"]
        if a.mode in ("train-csv", "predict-csv"):
            raw = np.loadtxt(a.args[1], delimiter=",", skiprows=1, dtype=np.float32)
            # the label: first column of data/digits.csv.gz, last of the
            # generated files
            target = 0 if a.mode == "train-csv" else raw.shape[1] - 1
            y = raw[:, target].astype(np.int64)
            x = np.delete(raw, target, axis=1)
        else:
            d = np.load(a.args[1])
            x, y = d["x"].astype(np.float32), d["y"]
        if a.mode in ("train", "train-csv"):
            _, secs, loss = train(spec, x, y, epochs, batch, a.autocast)
            out.update(epoch_seconds=secs, loss=loss, rows=int(x.shape[0]))
        elif a.mode == "predict-csv":
            model = build(spec, x.shape[1])
            X = torch.from_numpy(standardize(x))
            labels = []
            with torch.no_grad(), autocast(a.autocast):
                for s in range(0, X.shape[0], 256):
                    labels.append(model(X[s:s + 256]).argmax(dim=1))
            lab = torch.cat(labels).numpy()
            sys.stdout.write("label\n" + "\n".join(map(str, lab.tolist())) + "\n")
            out.update(rows=int(x.shape[0]))
            sys.stdout.flush()
            sys.stderr.write(json.dumps(out) + "\n")
            return
        elif a.mode == "predict":
            model = build(spec, x.shape[1])
            X = torch.from_numpy(standardize(x))
            best = 1e9
            with torch.no_grad(), autocast(a.autocast):
                for _ in range(3):
                    t0 = time.monotonic()
                    for s in range(0, X.shape[0], 256):
                        model(X[s:s + 256]).argmax(dim=1)
                    best = min(best, time.monotonic() - t0)
            out.update(seconds=best, rows=int(x.shape[0]))
        else:
            sys.exit("bench_torch.py: unknown mode " + a.mode)
    out["process_seconds"] = time.monotonic() - t_start
    print(json.dumps(out))


if __name__ == "__main__":
    main()
