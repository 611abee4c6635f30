#!/usr/bin/env python3
"""Compare the weights of two dnn checkpoints, read by the independent reader.

    python3 tests/ckpt_compare.py A B TOLERANCE

Prints the largest absolute difference between the parameters, relative to
the largest parameter, and exits 0 when it is at most TOLERANCE, 1 when it
is larger, and 65 when the checkpoints do not hold the same network.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckpt_read  # noqa: E402


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 64
    a = ckpt_read.parse(ckpt_read.read_bytes(argv[1]))
    b = ckpt_read.parse(ckpt_read.read_bytes(argv[2]))
    tol = float(argv[3])
    if a["_layers"] != b["_layers"] or a["n_params"] != b["n_params"]:
        sys.stderr.write("ckpt_compare: the networks differ\n")
        return 65
    scale = max(abs(v) for v in a["params"]) or 1.0
    diff = max(abs(x - y) for x, y in zip(a["params"], b["params"]))
    print("max |difference| %.3g, relative to the largest weight %.3g: %.3g"
          % (diff, scale, diff / scale))
    return 0 if diff / scale <= tol else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
