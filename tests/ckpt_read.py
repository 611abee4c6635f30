#!/usr/bin/env python3
"""An independent reader of dnn checkpoints, written from dnn-checkpoint(5).

    python3 tests/ckpt_read.py MODEL
        verify MODEL and print a JSON summary of it on standard output
    python3 tests/ckpt_read.py MODEL --predict ROWS
        for each line of ROWS (raw input values separated by commas, no
        header, the inputs only, in training order), print the network's
        outputs with "%.6g", separated by commas: class probabilities (two
        columns, 1 - p and p, for a single sigmoid unit), or regression
        values in the target's own units

It computes in float64, where dnn computes in float32. MODEL or ROWS may be
"-" for standard input. Errors go to standard error with exit status 65
(a bad checkpoint or row), 66 (a file that cannot be read) or 64 (usage).
Only the Python standard library is used.
"""

import json
import math
import struct
import sys
import zlib

MAGIC = b"\x89DNN\r\n\x1a\n"
VERSIONS = (1, 2)
CRITICAL = ("SPEC", "LAYR", "COLS", "CLAS", "NORM", "WGHT", "HIST", "FILL", "CATS", "STAT")
OPTIONAL = ("FILL", "CATS", "STAT")
TASKS = {1: "regression", 2: "classification"}
LOSSES = {1: "mse", 2: "cross_entropy", 3: "binary_cross_entropy"}
ACTS = {1: "linear", 2: "step", 3: "sigmoid", 4: "tanh", 5: "relu", 6: "softmax"}
ROLES = {1: "input", 2: "target", 3: "ignored", 4: "categorical"}
# Version 2's row kinds: name and number of fields.
KINDS = {1: ("dense", 0), 2: ("dropout", 1), 3: ("batch_norm", 2), 4: ("layer_norm", 1)}
BATCH_NORM, LAYER_NORM = 3, 4
HIST_FIELDS = 5


class BadCheckpoint(Exception):
    pass


class Payload:
    """A cursor over one section's payload that never reads past its end."""

    def __init__(self, tag, data):
        self.tag, self.data, self.pos = tag, data, 0

    def fail(self, msg):
        raise BadCheckpoint("section '%s': %s" % (self.tag, msg))

    def left(self):
        return len(self.data) - self.pos

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if size > self.left():
            self.fail("payload length %d is too short for its contents" % len(self.data))
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def u8(self):
        return self.take("<B")[0]

    def u32(self):
        return self.take("<I")[0]

    def u64(self):
        return self.take("<Q")[0]

    def f32s(self, n):
        self.need(n, 4)
        return list(self.take("<%df" % n))

    def f64s(self, n):
        self.need(n, 8)
        return list(self.take("<%dd" % n))

    def need(self, count, each):
        """Check a count against the bytes left before using it."""
        if count * each > self.left():
            self.fail("payload length %d is too short for %d items" % (len(self.data), count))

    def string(self, what, i):
        n = self.u32()
        self.need(n, 1)
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        if b"\0" in raw:
            self.fail("%s %d contains a NUL byte" % (what, i + 1))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail("%s %d is not valid UTF-8" % (what, i + 1))

    def done(self):
        if self.pos != len(self.data):
            self.fail("payload length %d disagrees with its contents (%d bytes)"
                      % (len(self.data), self.pos))


def split_sections(data):
    """Check magic, version, section lengths and CRC; return {tag: payload}."""
    if len(data) == 0:
        raise BadCheckpoint("not a dnn checkpoint (the file is empty)")
    if data[:8] != MAGIC[:len(data)]:
        raise BadCheckpoint("not a dnn checkpoint")
    if len(data) < 12:
        raise BadCheckpoint("truncated checkpoint (%d bytes)" % len(data))
    (version,) = struct.unpack_from("<I", data, 8)
    if version not in VERSIONS:
        raise BadCheckpoint("unsupported checkpoint version %d" % version)
    if len(data) < 16:
        raise BadCheckpoint("truncated checkpoint (%d bytes)" % len(data))
    end = len(data) - 4
    spans, pos = [], 12
    while pos < end:
        if data[pos:pos + 4] == struct.pack("<I", zlib.crc32(data[:pos]) & 0xFFFFFFFF):
            raise BadCheckpoint("trailing data after the checkpoint (from offset %d)"
                                % (pos + 4))
        if end - pos < 12:
            raise BadCheckpoint("truncated checkpoint (section header at %d)" % pos)
        tag, n = struct.unpack_from("<4sQ", data, pos)
        if n > end - pos - 12:
            raise BadCheckpoint("truncated checkpoint (section at %d)" % pos)
        spans.append((pos, tag, pos + 12, pos + 12 + n))
        pos += 12 + n
    (crc,) = struct.unpack_from("<I", data, end)
    if zlib.crc32(data[:end]) & 0xFFFFFFFF != crc:
        raise BadCheckpoint("checksum mismatch: the file is damaged")
    sections, ancillary = {}, {}
    for pos, tag, start, stop in spans:
        if not (all(c < 128 and chr(c).isalnum() for c in tag) and chr(tag[0]).isalpha()):
            raise BadCheckpoint("bad section tag at offset %d" % pos)
        name = tag.decode("ascii")
        if name in CRITICAL:
            if name in sections:
                raise BadCheckpoint("duplicate section '%s'" % name)
            sections[name] = data[start:stop]
        elif name[0].isupper():
            raise BadCheckpoint("unknown critical section '%s'" % name)
        else:  # an ancillary section: kept for the ones read, the last of a tag
            ancillary[name] = data[start:stop]
    for name in CRITICAL:
        if name not in sections and name not in OPTIONAL:
            raise BadCheckpoint("missing section '%s'" % name)
    return version, sections, ancillary


def parse_csvf(payload):
    """The training data's format from the ancillary csvf section: a u8
    header flag (1: a header row) and the u8 delimiter; absent or malformed
    (being ancillary, it is then ignored), the defaults."""
    fmt = {"header": True, "delimiter": ","}
    if payload is None or len(payload) != 2 or payload[0] > 1:
        return fmt
    if payload[1] in (0, ord('"'), ord("\n"), ord("\r")):
        return fmt
    return {"header": payload[0] == 1, "delimiter": chr(payload[1])}


def check_norm_row(p, k, units, fan_in, kind, fields):
    """A batch_norm row's momentum in [0, 1] and epsilon, or a layer_norm
    row's epsilon, above 0; as many units as inputs."""
    if units != fan_in:
        p.fail("layer %d: a %s row of %d units after %d" % (k + 1, KINDS[kind][0], units, fan_in))
    if kind == BATCH_NORM and not 0.0 <= fields[0] <= 1.0:
        p.fail("layer %d: momentum is %r, not in [0, 1]" % (k + 1, fields[0]))
    eps = fields[-1]
    if not (eps > 0.0 and math.isfinite(eps)):
        p.fail("layer %d: epsilon is %r, not a number above 0" % (k + 1, eps))


def parse_stat(sec, version, n_state, layers):
    """The rows' kept state: batch_norm's running means, then variances."""
    if "STAT" not in sec:
        if n_state:
            raise BadCheckpoint("missing section 'STAT' (the layers keep %d values)" % n_state)
        return []
    if version == 1:
        raise BadCheckpoint("section 'STAT' in a version 1 checkpoint")
    p = Payload("STAT", sec["STAT"])
    n = p.u64()
    if n != n_state or n == 0:
        p.fail("%d values where the layers keep %d" % (n, n_state))
    p.need(n, 4)
    state = p.f32s(n)
    p.done()
    for i, v in enumerate(state):
        if not math.isfinite(v):
            p.fail("value %d is not finite" % (i + 1))
    return state


def parse(data):
    version, sec, ancillary = split_sections(data)
    m = {"version": version, "data_format": parse_csvf(ancillary.get("csvf"))}

    p = Payload("LAYR", sec["LAYR"])
    task, loss, n_in, n_layers = p.u32(), p.u32(), p.u32(), p.u32()
    if task not in TASKS:
        p.fail("unknown task %d" % task)
    if loss not in LOSSES:
        p.fail("loss id %d is out of range" % loss)
    if (task == 1) != (loss == 1):
        p.fail("task %d does not go with loss %d" % (task, loss))
    if n_in == 0 or n_layers == 0:
        p.fail("no inputs or no layers")
    p.need(n_layers, 8 if version == 1 else 16)
    layers, fan_in, n_params, n_state = [], n_in, 0, 0
    for k in range(n_layers):
        kind = p.u32() if version > 1 else 1
        units, act = p.u32(), p.u32()
        if kind not in KINDS:
            p.fail("kind id %d of layer %d is out of range" % (kind, k + 1))
        if units == 0:
            p.fail("layer %d has no units" % (k + 1))
        if act not in ACTS:
            p.fail("activation id %d of layer %d is out of range" % (act, k + 1))
        fields = []
        if version > 1:
            n_fields = p.u32()
            if n_fields != KINDS[kind][1]:
                p.fail("layer %d (%s) has %d fields, not %d"
                       % (k + 1, KINDS[kind][0], n_fields, KINDS[kind][1]))
            fields = p.f64s(n_fields)
        if kind == 2:
            if not 0.0 < fields[0] < 1.0:
                p.fail("layer %d: dropout p is %r, not above 0 and below 1" % (k + 1, fields[0]))
            if units != fan_in:
                p.fail("layer %d: a dropout row of %d units after %d" % (k + 1, units, fan_in))
            if act != 1:
                p.fail("layer %d: a dropout row has activation %s" % (k + 1, ACTS[act]))
            if k + 1 == n_layers:
                p.fail("layer %d: a dropout row cannot be the output row" % (k + 1))
        elif kind in (BATCH_NORM, LAYER_NORM):
            check_norm_row(p, k, units, fan_in, kind, fields)
            n_params += 2 * units
            n_state += 2 * units if kind == BATCH_NORM else 0
        else:
            n_params += units * (fan_in + 1)
        layers.append((units, act, fan_in, kind, fields))
        fan_in = units
    p.done()
    n_out, out_act = layers[-1][0], layers[-1][1]
    m.update(task=TASKS[task], loss=LOSSES[loss], n_in=n_in,
             layers=[[u, ACTS[a]] + ([KINDS[kd][0]] + f if kd != 1 else [])
                     for u, a, _, kd, f in layers])

    p = Payload("COLS", sec["COLS"])
    n_cols = p.u32()
    p.need(n_cols, 5)
    cols = []
    for c in range(n_cols):
        role = p.u8()
        if role not in ROLES:
            p.fail("column %d has unknown role %d" % (c + 1, role))
        cols.append({"name": p.string("column name", c), "role": ROLES[role]})
    p.done()
    n_inputs = sum(1 for c in cols if c["role"] == "input")
    n_targets = sum(1 for c in cols if c["role"] == "target")
    cat_cols = [i for i, c in enumerate(cols) if c["role"] == "categorical"]
    if cat_cols and "CATS" not in sec:
        raise BadCheckpoint("missing section 'CATS'")
    if "CATS" in sec:
        q = Payload("CATS", sec["CATS"])
        n_cats = q.u32()
        # Present exactly when COLS has categorical columns: never empty.
        if n_cats == 0:
            q.fail("empty: the section is present only with categorical columns")
        if n_cats != len(cat_cols):
            q.fail("%d columns, COLS has %d categorical" % (n_cats, len(cat_cols)))
        for k in range(n_cats):
            col, count = q.u32(), q.u32()
            if col != cat_cols[k] or count == 0:
                q.fail("entry %d is inconsistent" % (k + 1))
            cols[col]["categories"] = [q.string("category", i) for i in range(count)]
            n_inputs += count
        q.done()
    if n_inputs != n_in:
        p.fail("%d input columns for %d inputs" % (n_inputs, n_in))
    if n_targets != (1 if task == 2 else n_out):
        p.fail("%d target columns" % n_targets)
    m["columns"] = cols

    p = Payload("CLAS", sec["CLAS"])
    n_classes = p.u32()
    p.need(n_classes, 4)
    classes = [p.string("class name", k) for k in range(n_classes)]
    p.done()
    if task == 1 and n_classes != 0:
        p.fail("classes in a regression model")
    if task == 2:
        if n_classes < 2:
            p.fail("fewer than 2 classes")
        if not (n_out == n_classes or (n_out == 1 and n_classes == 2 and out_act != 6)):
            p.fail("%d classes for %d output units" % (n_classes, n_out))
    m["classes"] = classes

    p = Payload("NORM", sec["NORM"])
    n = p.u32()
    if n != n_in:
        p.fail("%d input columns for %d inputs" % (n, n_in))
    in_mean, in_scale = p.f32s(n), p.f32s(n)
    n2 = p.u32()
    if n2 != (n_out if task == 1 else 0):
        p.fail("%d output columns" % n2)
    out_mean, out_scale = p.f32s(n2), p.f32s(n2)
    p.done()
    for v in in_mean + in_scale + out_mean + out_scale:
        if not math.isfinite(v):
            p.fail("a mean or scale is not finite")
    if 0.0 in in_scale or 0.0 in out_scale:
        p.fail("a scale is 0")
    m["norm"] = {"in": [in_mean, in_scale], "out": [out_mean, out_scale]}

    m["fill"] = None
    if "FILL" in sec:
        p = Payload("FILL", sec["FILL"])
        n = p.u32()
        if n != n_in:
            p.fail("%d values for a network of %d inputs" % (n, n_in))
        p.need(n, 4)
        m["fill"] = p.f32s(n)
        p.done()

    p = Payload("WGHT", sec["WGHT"])
    count = p.u64()
    if count != n_params:
        p.fail("%d parameters where the layers have %d" % (count, n_params))
    params = p.f32s(count)
    p.done()
    m["n_params"] = n_params
    m["params"] = params
    m["_layers"] = layers

    m["state"] = parse_stat(sec, version, n_state, layers)

    p = Payload("HIST", sec["HIST"])
    n_epochs, n_fields = p.u32(), p.u32()
    if n_fields < HIST_FIELDS:
        p.fail("%d fields per epoch" % n_fields)
    p.need(n_epochs, 8 * n_fields)
    history = [p.f64s(n_fields)[:HIST_FIELDS] for _ in range(n_epochs)]
    p.done()
    m["history"] = history

    if b"\0" in sec["SPEC"]:
        raise BadCheckpoint("section 'SPEC': the spec contains a NUL byte")
    try:
        m["spec"] = sec["SPEC"].decode("utf-8")
    except UnicodeDecodeError:
        raise BadCheckpoint("section 'SPEC': the spec is not valid UTF-8")

    def not_a_number(word):
        raise ValueError(word)
    try:
        spec = json.loads(m["spec"], parse_constant=not_a_number)
    except ValueError:
        raise BadCheckpoint("section 'SPEC': the spec is not valid JSON")
    if not isinstance(spec, dict):
        raise BadCheckpoint("section 'SPEC': the spec is not a JSON object")
    return m


def activate(act, z):
    if act == 1:
        return z
    if act == 2:
        return [1.0 if v > 0 else 0.0 if v < 0 else 0.5 for v in z]
    if act == 3:
        return [1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))
                for v in z]
    if act == 4:
        return [math.tanh(v) for v in z]
    if act == 5:
        return [max(0.0, v) for v in z]
    top = max(z)
    e = [math.exp(v - top) for v in z]
    s = sum(e)
    return [v / s for v in e]


def normalize(z, gamma, beta, mean, var, eps):
    """gamma (z - mean) / sqrt(var + eps) + beta, unit by unit."""
    return [g * (v - mu) / math.sqrt(s2 + eps) + b
            for v, g, b, mu, s2 in zip(z, gamma, beta, mean, var)]


def forward(m, x):
    """Normalize the raw inputs x, run the layers, map regression back."""
    mean, scale = m["norm"]["in"]
    if m["fill"] is not None:
        x = [f if math.isnan(v) else v for v, f in zip(x, m["fill"])]
    a = [(v - mu) / s for v, mu, s in zip(x, mean, scale)]
    off = s_off = 0
    for units, act, fan_in, kind, fields in m["_layers"]:
        if kind == 2:  # dropout: the inputs unchanged when predicting
            continue
        if kind in (BATCH_NORM, LAYER_NORM):
            gamma, beta = m["params"][off:off + units], m["params"][off + units:off + 2 * units]
            off += 2 * units
            if kind == BATCH_NORM:  # the running estimates when predicting
                st = m["state"][s_off:s_off + 2 * units]
                s_off += 2 * units
                z = normalize(a, gamma, beta, st[:units], st[units:], fields[1])
            else:  # the row's own mean and biased variance
                mu = math.fsum(a) / units
                var = math.fsum((v - mu) ** 2 for v in a) / units
                z = normalize(a, gamma, beta, [mu] * units, [var] * units, fields[0])
            a = activate(act, z)
            continue
        w = m["params"][off:off + units * fan_in]
        b = m["params"][off + units * fan_in:off + units * (fan_in + 1)]
        off += units * (fan_in + 1)
        z = [math.fsum(w[j * fan_in + i] * a[i] for i in range(fan_in)) + b[j]
             for j in range(units)]
        a = activate(act, z)
    if m["task"] == "regression":
        mean, scale = m["norm"]["out"]
        return [v * s + mu for v, mu, s in zip(a, mean, scale)]
    if len(a) == 1:
        return [1.0 - a[0], a[0]]
    return a


def summary(m):
    last = m["history"][-1][0] if m["history"] else None
    if last is not None and not math.isfinite(last):
        last = None
    return {
        "version": m["version"],
        "task": m["task"],
        "loss": m["loss"],
        "n_in": m["n_in"],
        "layers": m["layers"],
        "columns": m["columns"],
        "classes": m["classes"],
        "n_params": m["n_params"],
        "n_epochs": len(m["history"]),
        "last_loss": last,
        "fill": m["fill"],
        "data_format": m["data_format"],
    }


def read_bytes(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def die(status, msg):
    sys.stderr.write("ckpt_read.py: %s\n" % msg)
    sys.exit(status)


def main(argv):
    args = argv[1:]
    rows_path = None
    if len(args) == 3 and args[1] == "--predict":
        rows_path = args[2]
    elif len(args) != 1 or args[0].startswith("--") or args[0] == "-h":
        die(64, "usage: ckpt_read.py MODEL [--predict ROWS]")
    path = args[0]
    name = "<stdin>" if path == "-" else path
    try:
        data = read_bytes(path)
    except OSError as e:
        die(66, "cannot open '%s': %s" % (path, e.strerror))
    try:
        m = parse(data)
    except BadCheckpoint as e:
        die(65, "%s: %s" % (name, e))
    if rows_path is None:
        print(json.dumps(summary(m), ensure_ascii=False))
        return 0
    try:
        text = read_bytes(rows_path).decode("utf-8")
    except OSError as e:
        die(66, "cannot open '%s': %s" % (rows_path, e.strerror))
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            x = [float(v) if v.strip() not in ("", "NA", "?") else float("nan") for v in line.split(",")]
        except ValueError:
            die(65, "%s:%d: not a row of numbers" % (rows_path, lineno))
        if len(x) != m["n_in"]:
            die(65, "%s:%d: %d values, the model has %d inputs"
                % (rows_path, lineno, len(x), m["n_in"]))
        out.append(",".join("%.6g" % v for v in forward(m, x)))
    sys.stdout.write("".join(line + "\n" for line in out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
