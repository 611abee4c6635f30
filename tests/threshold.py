"""predict --threshold and eval --threshold against scikit-learn on the same
probabilities: a breast_cancer model's --proba output, labelled at T in
numpy (the second class when its probability >= T, both in float32), must
give predict --threshold T's labels, and sklearn's accuracy, precision,
recall and F1 of those labels must equal eval --threshold T's to 1e-12.
Then info --card --data's accuracy and macro F1 against sklearn's.

usage: threshold.py DNN TMPDIR"""
import io
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

dnn, tmp = sys.argv[1], sys.argv[2]
top = os.environ.get("top_srcdir", ".")
data = os.path.join(top, "data", "breast_cancer.csv")
model = os.path.join(tmp, "bc.dnn")
subprocess.run([dnn, "train", "-q", "--seed", "3", "-e", "4", "-o", model,
                os.path.join(top, "data", "breast_cancer.json"), data], check=True)


def out(*args):
    return subprocess.run([dnn] + list(args), check=True, capture_output=True,
                          text=True).stdout


proba = out("predict", "--proba", model, data)
classes = proba.splitlines()[0].split(",")
p = np.loadtxt(io.StringIO(proba), delimiter=",", skiprows=1, dtype=np.float32)
truth = [line.rsplit(",", 1)[1] for line in open(data).read().splitlines()[1:]]
y = np.array([classes.index(t) for t in truth])
bad = 0
for t in ["0.05", "0.2", "0.5", "0.77", "0.95"]:
    pred = (p[:, 1] >= np.float32(t)).astype(int)
    labels = out("predict", "--threshold", t, model, data).splitlines()[1:]
    if [classes.index(s) for s in labels] != list(pred):
        print("threshold %s: predict's labels differ from numpy's" % t)
        bad = 1
    ev = json.loads(out("eval", "--json", "--threshold", t, model, data))
    pr, rc, f1, sup = precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    checks = [("accuracy", ev["accuracy"], accuracy_score(y, pred))]
    for k in range(2):
        c = ev["classes"][k]
        checks += [("precision %d" % k, c["precision"], pr[k]),
                   ("recall %d" % k, c["recall"], rc[k]), ("f1 %d" % k, c["f1"], f1[k])]
    if ev["confusion"] != confusion_matrix(y, pred, labels=[0, 1]).tolist():
        print("threshold %s: confusion differs" % t)
        bad = 1
    for name, got, want in checks:
        if abs(got - want) > 1e-12:
            print("threshold %s: %s %.15g, sklearn %.15g" % (t, name, got, want))
            bad = 1
    print("threshold %s: accuracy %.4f, recall of %s %.4f (%d rows predicted %s)" % (
        t, ev["accuracy"], classes[1], rc[1], pred.sum(), classes[1]))

# info --card --data's held-out figures are dnn eval's: on iris, its
# accuracy and macro F1 are sklearn's of predict's labels (to the card's 4
# decimals).
from sklearn.metrics import f1_score
iris = os.path.join(top, "data", "iris.csv")
im = os.path.join(tmp, "iris.dnn")
subprocess.run([dnn, "train", "-q", "--seed", "7", "-e", "2", "-o", im,
                os.path.join(top, "data", "iris.json"), iris], check=True)
labels = out("predict", im, iris).split()[1:]
truth = [line.rsplit(",", 1)[1] for line in open(iris).read().split()[1:]]
row = [l for l in out("info", "--card", "--data", iris, im).splitlines()
       if l.startswith("| ") and l.count("|") == 4][-1].split("|")
acc, f1 = float(row[2]), float(row[3])
want = (round(accuracy_score(truth, labels), 4), round(f1_score(truth, labels, average="macro"), 4))
print("card: accuracy %.4f, macro F1 %.4f; sklearn %.4f, %.4f" % ((acc, f1) + want))
if (acc, f1) != want:
    bad = 1
sys.exit(bad)
