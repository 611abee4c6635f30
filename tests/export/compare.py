#!/usr/bin/env python3
"""Helpers of tests/export.test.

    compare.py rows INFO.json NAMES DATA   raw input rows of DATA for the driver
    compare.py diff DNN_OUT C_OUT TOL      each C output against dnn predict's
        (after its header line): |c - d| <= TOL max(|d|, 1) + half a unit
        of d's last printed digit (probabilities to TOL absolute, values
        of 1 and more to TOL relative); prints the largest differences
        beyond the printed digits, relative (over |d| >= 0.01) and
        absolute; exits 1 on a mismatch
    compare.py accuracy INFO.json DATA C_OUT   the accuracy of the header's
        outputs (the class of the largest) against DATA's target column
"""
import csv
import gzip
import io
import json
import math
import sys

MISSING = ("", "NA", "NaN", "nan", "?")


def rows(info_path, names_path, data_path):
    info = json.load(open(info_path))
    cats = {c["name"]: c["categories"] for c in info["categorical"]}
    names = [n.rstrip("\n") for n in open(names_path)]
    raw = open(data_path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    rd = csv.reader(io.StringIO(raw.decode("utf-8")))
    header = next(rd)
    at = [header.index(n) for n in names]
    out = []
    for r in rd:
        vals = []
        for n, i in zip(names, at):
            v = r[i].strip()
            if v in MISSING:
                vals.append("nan")
            elif n in cats and not all(is_number(c) for c in cats[n]):
                vals.append(str(cats[n].index(v)))
            else:
                vals.append(v)
        out.append(",".join(vals))
    sys.stdout.write("\n".join(out) + "\n")


def is_number(s):
    try:
        return math.isfinite(float(s))
    except ValueError:
        return False


def half_unit(text):
    """Half a unit of the last digit text shows ("1.25e-05": 0.005e-05)."""
    mant, _, exp = text.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 0.5 * 10.0 ** (-decimals + (int(exp) if exp else 0))


def diff(dnn_path, c_path, tol):
    d_lines = [l for l in open(dnn_path).read().split("\n") if l]
    d_lines = d_lines[1:]
    c_lines = [l for l in open(c_path).read().split("\n") if l]
    if len(d_lines) != len(c_lines):
        print("%d rows from dnn, %d from the header" % (len(d_lines), len(c_lines)))
        return 1
    worst = worst_abs = 0.0
    for k, (dl, cl) in enumerate(zip(d_lines, c_lines)):
        ds, cs = dl.split(","), cl.split(",")
        if len(ds) != len(cs):
            print("row %d: %d values from dnn, %d from the header" % (k + 1, len(ds), len(cs)))
            return 1
        for dt, ct in zip(ds, cs):
            d, c = float(dt), float(ct)
            if not abs(c - d) <= tol * max(abs(d), 1.0) + half_unit(dt):
                print("row %d: dnn %s, header %s" % (k + 1, dt, ct))
                return 1
            beyond = max(abs(c - d) - half_unit(dt), 0.0)
            worst_abs = max(worst_abs, beyond)
            if abs(d) >= 0.01:
                worst = max(worst, beyond / abs(d))
    print("relative %.2g, absolute %.2g" % (worst, worst_abs))
    return 0


def accuracy(info_path, data_path, c_path):
    info = json.load(open(info_path))
    classes = info["classes"]
    raw = open(data_path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    rd = csv.reader(io.StringIO(raw.decode("utf-8")))
    at = next(rd).index(info["targets"][0])
    labels = [r[at].strip() for r in rd]
    outs = [[float(v) for v in l.split(",")] for l in open(c_path).read().split("\n") if l]
    if len(outs) != len(labels):
        print("%d rows of outputs for %d rows" % (len(outs), len(labels)))
        return 1
    right = sum(classes[o.index(max(o))] == y for o, y in zip(outs, labels))
    print("%.4f" % (right / len(labels)))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "accuracy":
        sys.exit(accuracy(*sys.argv[2:5]))
    if sys.argv[1] == "rows":
        rows(*sys.argv[2:5])
    else:
        sys.exit(diff(sys.argv[2], sys.argv[3], float(sys.argv[4])))
