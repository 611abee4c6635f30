"""eval's curve figures against scikit-learn on the same probabilities: the
per-class one-vs-rest AUC and average precision (roc_auc_score,
average_precision_score), the micro averages, and the ECE from
calibration_curve's 10 uniform bins (a binary model: the second class's
probability; more classes: the predicted class's probability against
whether it is right), for models' `dnn predict --proba` output, to 1e-9; also with row weights
(sample_weight).
Then eval --plot's SVG: well-formed XML with its panels, rendered to PNG
by rsvg-convert when it is installed (svgrender.py); a regression's page
draws at most 2000 points.

usage: curves.py DNN TMPDIR"""
import io
import json
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, roc_auc_score

dnn, tmp = sys.argv[1], sys.argv[2]
top = os.environ.get("top_srcdir", ".")
sys.path.insert(0, os.path.join(top, "tests"))
import svgrender  # noqa: E402
SVG = "{http://www.w3.org/2000/svg}"
bad = 0


def out(*args):
    return subprocess.run([dnn] + list(args), check=True, capture_output=True,
                          text=True).stdout


def train(name, spec, data, epochs):
    model = os.path.join(tmp, name + ".dnn")
    subprocess.run([dnn, "train", "-q", "--seed", "5", "-e", str(epochs), "-o", model, spec,
                    data], check=True)
    return model


def ece(y, p):
    """ECE of calibration_curve's bins: sum_b n_b / n |freq_b - conf_b|."""
    freq, conf = calibration_curve(y, p, n_bins=10, strategy="uniform")
    ids = np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], p)
    n_b = np.bincount(ids, minlength=10)
    n_b = n_b[n_b > 0]
    return float(np.sum(n_b / len(p) * np.abs(freq - conf)))


def close(what, got, want):
    global bad
    if want is None or np.isnan(want):
        ok = got is None
    else:
        ok = got is not None and abs(got - want) <= 1e-9
    if not ok:
        print("%s: dnn %r, sklearn %r" % (what, got, want))
        bad = 1


def compare(name, model, data, target):
    proba = out("predict", "--proba", model, data)
    classes = proba.splitlines()[0].split(",")
    p = np.loadtxt(io.StringIO(proba), delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    p = p.astype(np.float64)
    import csv
    rows = list(csv.DictReader(open(data) if not data.endswith(".gz") else
                               io.TextIOWrapper(__import__("gzip").open(data))))
    y = np.array([classes.index(r[target]) for r in rows])
    ev = json.loads(out("eval", "--json", model, data))
    k = len(classes)
    for c in range(k):
        pos = (y == c).astype(int)
        both = 0 < pos.sum() < len(pos)
        close("%s class %s auc" % (name, classes[c]), ev["classes"][c]["auc"],
              roc_auc_score(pos, p[:, c]) if both else None)
        close("%s class %s average precision" % (name, classes[c]),
              ev["classes"][c]["average_precision"],
              average_precision_score(pos, p[:, c]) if pos.sum() else None)
    if k > 2:
        onehot = np.eye(k)[y]
        close(name + " micro auc", ev["micro_auc"], roc_auc_score(onehot.ravel(), p.ravel()))
        close(name + " micro average precision", ev["micro_average_precision"],
              average_precision_score(onehot.ravel(), p.ravel()))
        conf, hit = p.max(axis=1), (p.argmax(axis=1) == y).astype(int)
    else:
        conf, hit = p[:, 1], y
    close(name + " ece", ev["ece"], ece(hit, conf))
    print("%s: %d classes, auc %s, ece %.4f" % (
        name, k, " ".join("%.4f" % c["auc"] for c in ev["classes"]), ev["ece"]))


def svg(model, data, path):
    """The page's root and texts, after it is rendered as a viewer would
    (svgrender)."""
    global bad
    subprocess.run([dnn, "eval", "--plot", path, model, data], check=True,
                   stdout=subprocess.DEVNULL)
    why = svgrender.render(path)
    if why:
        print("svg: %s: %s" % (os.path.basename(path), why))
        bad = 1
    root = ET.parse(path).getroot()
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    return root, texts


def expect(what, cond):
    global bad
    if not cond:
        print("svg: " + what)
        bad = 1


iris = os.path.join(top, "data", "iris.csv")
bc = os.path.join(top, "data", "breast_cancer.csv")
digits = os.path.join(top, "data", "digits.csv.gz")
m_iris = train("iris", os.path.join(top, "data", "iris.json"), iris, 2)
m_bc = train("bc", os.path.join(top, "data", "breast_cancer.json"), bc, 3)
m_dig = train("digits", os.path.join(top, "data", "digits.json"), digits, 1)
compare("iris", m_iris, iris, "species")
compare("breast_cancer", m_bc, bc, "diagnosis")
compare("digits", m_dig, digits, "label")
# Ties across the classes: 60 rows again with another class, the same
# inputs and so the same probabilities.
lines = [r for r in open(iris).read().split("\n") if r]
names = ["setosa", "versicolor", "virginica"]
ties = os.path.join(tmp, "ties.csv")
with open(ties, "w") as f:
    f.write("\n".join(lines) + "\n")
    for r in lines[1::5] + lines[3::5]:
        c = r.split(",")
        f.write(",".join(c[:-1] + [names[(names.index(c[-1]) + 1) % 3]]) + "\n")
compare("iris with ties", m_iris, ties, "species")

# Weighted rows (a weight column, weights 0 to 3 in halves): sklearn's
# sample_weight, and the ECE of weighted bins.
random.seed(9)
lines = open(iris).read().split("\n")
wcsv = os.path.join(tmp, "weighted.csv")
with open(wcsv, "w") as f:
    f.write(lines[0].replace(",species", ",w,species") + "\n")
    for r in [r for r in lines[1:] if r]:
        c = r.split(",")
        f.write(",".join(c[:-1] + ["%g" % (random.randrange(7) / 2), c[-1]]) + "\n")
m_w = os.path.join(tmp, "weighted.dnn")
subprocess.run([dnn, "train", "-q", "--seed", "5", "-e", "2", "--weight", "w", "-o", m_w,
                os.path.join(top, "data", "iris.json"), wcsv], check=True)
proba = out("predict", "--proba", m_w, wcsv)
classes = proba.splitlines()[0].split(",")
p = np.loadtxt(io.StringIO(proba), delimiter=",", skiprows=1, dtype=np.float32)
p = p.astype(np.float64)
rows = [r.split(",") for r in open(wcsv).read().split("\n")[1:] if r]
w = np.array([float(r[-2]) for r in rows])
y = np.array([classes.index(r[-1]) for r in rows])
ev = json.loads(out("eval", "--json", m_w, wcsv))
expect("weighted: eval does not say so", ev.get("weight") == "w")
for c in range(3):
    close("weighted class %d auc" % c, ev["classes"][c]["auc"],
          roc_auc_score(y == c, p[:, c], sample_weight=w))
    close("weighted class %d average precision" % c, ev["classes"][c]["average_precision"],
          average_precision_score(y == c, p[:, c], sample_weight=w))
conf, hit = p.max(axis=1), (p.argmax(axis=1) == y)
ids = np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], conf)
wb = np.bincount(ids, weights=w, minlength=10)
cb = np.bincount(ids, weights=w * conf, minlength=10)
hb = np.bincount(ids, weights=w * hit, minlength=10)
nz = wb > 0
close("weighted ece", ev["ece"],
      float(np.sum(wb[nz] / w.sum() * np.abs(hb[nz] / wb[nz] - cb[nz] / wb[nz]))))
print("weighted: auc %s, ece %.4f" % (" ".join("%.4f" % c["auc"] for c in ev["classes"]),
                                      ev["ece"]))

root, texts = svg(m_iris, iris, os.path.join(tmp, "iris.svg"))
for t in ["confusion matrix", "ROC", "precision-recall", "reliability (10 bins)"]:
    expect("iris: no panel '%s'" % t, t in texts)
# 3 ROC curves, 3 precision-recall curves, the reliability line.
expect("iris: %d polylines, not 7" % len(list(root.iter(SVG + "polyline"))),
       len(list(root.iter(SVG + "polyline"))) == 7)
expect("iris: no ECE", any(t.startswith("ECE 0.") for t in texts))
expect("iris: counts in the cells", sum(t.isdigit() for t in texts) >= 9)
root, texts = svg(m_bc, bc, os.path.join(tmp, "bc.svg"))
expect("breast_cancer: %d polylines, not 3" % len(list(root.iter(SVG + "polyline"))),
       len(list(root.iter(SVG + "polyline"))) == 3)
root, texts = svg(m_dig, digits, os.path.join(tmp, "digits.svg"))
expect("digits: %d polylines, not 21" % len(list(root.iter(SVG + "polyline"))),
       len(list(root.iter(SVG + "polyline"))) == 21)

# 12 classes: the micro average alone.
random.seed(4)
many = os.path.join(tmp, "many.csv")
with open(many, "w") as f:
    f.write("x,y,label\n")
    for i in range(600):
        c = random.randrange(12)
        f.write("%.4f,%.4f,c%02d\n" % (c + random.gauss(0, 0.7), random.random(), c))
spec = os.path.join(tmp, "many.json")
open(spec, "w").write('{"layers":[{"units":16,"activation":"relu"},{"activation":"softmax"}],'
                      '"loss":"cross_entropy","epochs":5,"data":{"target":"label"}}')
m_many = train("many", spec, many, 5)
compare("12 classes", m_many, many, "label")
root, texts = svg(m_many, many, os.path.join(tmp, "many.svg"))
expect("12 classes: %d polylines, not 3" % len(list(root.iter(SVG + "polyline"))),
       len(list(root.iter(SVG + "polyline"))) == 3)
expect("12 classes: no micro-average", "micro-average" in texts)
expect("12 classes: not said", any("the micro-average alone" in t for t in texts))

# A regression of 5000 rows: 2000 points (every 3rd row: 1667) on each panel.
reg = os.path.join(tmp, "reg.csv")
with open(reg, "w") as f:
    f.write("a,b,t\n")
    for i in range(5000):
        a, b = random.random(), random.random()
        f.write("%.4f,%.4f,%.4f\n" % (a, b, 3 * a - b + random.gauss(0, 0.1)))
spec = os.path.join(tmp, "reg.json")
open(spec, "w").write('{"layers":[{"units":8,"activation":"tanh"},{"activation":"linear"}],'
                      '"loss":"mse","epochs":2,"data":{"target":"t"}}')
m_reg = train("reg", spec, reg, 2)
root, texts = svg(m_reg, reg, os.path.join(tmp, "reg.svg"))
n = len(list(root.iter(SVG + "circle")))
expect("regression: %d points, not 2 x 1667" % n, n == 2 * 1667)
expect("regression: no MSE", any(t.startswith("MSE ") for t in texts))
# Four targets: a row of panels for each of the first three, and it says so.
spec = os.path.join(tmp, "reg4.json")
open(spec, "w").write('{"layers":[{"units":8,"activation":"tanh"},{"activation":"linear"}],'
                      '"loss":"mse","epochs":1,"data":{"target":["t","a","b","t2"]}}')
reg4 = os.path.join(tmp, "reg4.csv")
with open(reg4, "w") as f:
    f.write("a,b,t,t2,c\n")
    for i in range(500):
        a, b, c = random.random(), random.random(), random.random()
        f.write("%.4f,%.4f,%.4f,%.4f,%.4f\n" % (a, b, a + c, b * c, c))
m_reg4 = train("reg4", spec, reg4, 1)
root, texts = svg(m_reg4, reg4, os.path.join(tmp, "reg4.svg"))
n4 = len(list(root.iter(SVG + "circle")))
expect("4 targets: %d points, not 3 x 2 x 500" % n4, n4 == 3000)
expect("4 targets: not said", any("the first 3 of 4 targets" in t for t in texts))
expect("4 targets: not a, b, t (the table's order)",
       [t.split(",")[0].split(";")[0] for t in texts if t.startswith("target ")][::2] ==
       ["target a", "target b", "target t"])
print("svg: iris, breast_cancer, digits, 12 classes, a regression of %d points, "
      "one of 4 targets; %s" % (n // 2, "rendered" if svgrender.have_renderer()
                                else "not rendered (no rsvg-convert)"))
sys.exit(bad)
