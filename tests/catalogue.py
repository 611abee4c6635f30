#!/usr/bin/env python3
"""Make the bad-input catalogue of tests/catalogue.test.

    python3 tests/catalogue.py GOOD.dnn DIR

writes malformed specs, CSV files (plain and gzip) and checkpoints into DIR,
and DIR/MANIFEST, one line per input:

    NAME KIND EXIT REGEX

KIND says how the input is given to dnn (spec: the SPEC of train; csv: the
DATA of train; wcsv: the DATA of train with a spec whose data.weight is "w";
pcsv: the DATA of predict; ckpt: the MODEL of predict), EXIT
is the documented exit status and REGEX (the rest of the line) what the one
line of standard error must match after "dnn: ". GOOD.dnn is a checkpoint of
data/iris.json, from which the bad checkpoints are cut. Only the Python
standard library is used.
"""

import bz2
import gzip
import io
import lzma
import os
import random
import struct
import sys
import zipfile
import zlib

good_path, out = sys.argv[1], sys.argv[2]
manifest = []


def add(name, kind, code, regex, data=None):
    """Record an input; write data (bytes) to DIR/name unless it is None."""
    if data is not None:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    manifest.append("%s %s %d %s" % (name, kind, code, regex))


# ---- checkpoints ----

with open(good_path, "rb") as f:
    good = f.read()
MAGIC = b"\x89DNN\r\n\x1a\n"
assert good.startswith(MAGIC)


def sections(img):
    """(tag, offset of the section header, payload) of each section."""
    pos, end, res = 12, len(img) - 4, []
    while pos < end:
        tag = img[pos:pos + 4].decode("latin-1")
        (n,) = struct.unpack_from("<Q", img, pos + 4)
        res.append((tag, pos, img[pos + 12:pos + 12 + n]))
        pos += 12 + n
    return res


def image(sects, version=1):
    """A checkpoint from (tag, payload) pairs, with a valid CRC."""
    body = MAGIC + struct.pack("<I", version)
    for tag, payload in sects:
        body += tag.encode("latin-1") + struct.pack("<Q", len(payload)) + payload
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def with_crc(img):
    body = img[:-4]
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


secs = sections(good)
pairs = [(t, p) for t, _, p in secs]
payload = dict(pairs)
TRUNC = r"truncated checkpoint"


def replace(tag, new):
    return image([(t, new if t == tag else p) for t, p in pairs])


add("ckpt_empty", "ckpt", 65, r"ckpt_empty: not a dnn checkpoint \(the file is empty\)$", b"")
add("ckpt_wrong_magic", "ckpt", 65, r"ckpt_wrong_magic: not a dnn checkpoint$",
    b"\x89PNG\r\n\x1a\n" + good[8:])
add("ckpt_text", "ckpt", 65, r"not a dnn checkpoint$", b"species,setosa\n1,2\n")
add("ckpt_magic_only", "ckpt", 65, TRUNC + r" \(8 bytes\)$", good[:8])
add("ckpt_header_only", "ckpt", 65, TRUNC + r" \(12 bytes\)$", good[:12])
add("ckpt_future_version", "ckpt", 65, r"unsupported checkpoint version 3 ",
    image(pairs, version=3))
add("ckpt_version_0", "ckpt", 65, r"unsupported checkpoint version 0 ", image(pairs, version=0))
add("ckpt_version_huge", "ckpt", 65, r"unsupported checkpoint version 4294967295 ",
    image(pairs, version=0xFFFFFFFF))
# Truncations at every section boundary and in every section header.
for tag, off, _ in secs:
    add("ckpt_cut_before_%s" % tag, "ckpt", 65, TRUNC + "|checksum mismatch", good[:off])
    add("ckpt_cut_in_%s_header" % tag, "ckpt", 65, TRUNC, good[:off + 7])
    add("ckpt_cut_in_%s_payload" % tag, "ckpt", 65, TRUNC, good[:off + 13])
add("ckpt_cut_before_crc", "ckpt", 65, TRUNC + "|checksum mismatch", good[:-4])
add("ckpt_cut_in_crc", "ckpt", 65, TRUNC + "|checksum mismatch", good[:-1])
flipped = bytearray(good)
flipped[secs[-2][1] + 20] ^= 0x10
add("ckpt_bit_flip", "ckpt", 65, r"checksum mismatch: the file is damaged$", bytes(flipped))
add("ckpt_bad_crc", "ckpt", 65, r"checksum mismatch", good[:-4] + b"\0\0\0\0")
TRAILING = r"trailing data after the checkpoint \(from offset %d\)$" % len(good)
add("ckpt_trailing_junk", "ckpt", 65, TRAILING, good + b"junk")
add("ckpt_trailing_byte", "ckpt", 65, TRAILING, good + b"\0")
add("ckpt_trailing_zeros", "ckpt", 65, TRAILING, good + bytes(65536))
add("ckpt_twice", "ckpt", 65, TRAILING, good + good)
add("ckpt_trailing_text", "ckpt", 65, TRAILING, good + b"species,setosa\n" * 100)
# Absurd sizes, with a valid CRC so that the reader must check them.
huge_len = bytearray(good)
struct.pack_into("<Q", huge_len, secs[0][1] + 4, 1 << 63)
add("ckpt_section_len_2e63", "ckpt", 65, TRUNC, with_crc(bytes(huge_len)))
huge_len2 = bytearray(good)
struct.pack_into("<Q", huge_len2, secs[0][1] + 4, (1 << 64) - 1)
add("ckpt_section_len_max", "ckpt", 65, TRUNC, with_crc(bytes(huge_len2)))
layr = payload["LAYR"]
task, loss, n_in, n_layers = struct.unpack_from("<4I", layr)
add("ckpt_layers_4g", "ckpt", 65, r"section 'LAYR': payload length [0-9]+ is too short for 4294967295",
    replace("LAYR", struct.pack("<4I", task, loss, n_in, 0xFFFFFFFF) + layr[16:]))
wide = bytearray(layr)
for l in range(n_layers):
    struct.pack_into("<I", wide, 16 + 8 * l, 0xFFFFFFFF)
add("ckpt_units_4g", "ckpt", 65, r"section 'WGHT': [0-9]+ parameters where the layers have [0-9]+|too large",
    replace("LAYR", bytes(wide)))
add("ckpt_inputs_4g", "ckpt", 65, r"section '(LAYR|COLS)'",
    replace("LAYR", struct.pack("<4I", task, loss, 0xFFFFFFFF, n_layers) + layr[16:]))
add("ckpt_no_layers", "ckpt", 65, r"section 'LAYR': the network has no layers$",
    replace("LAYR", struct.pack("<4I", task, loss, n_in, 0)))
bad_act = bytearray(layr)
struct.pack_into("<I", bad_act, 20, 99)
add("ckpt_unknown_activation", "ckpt", 65, r"activation id 99 of layer 1 is out of range",
    replace("LAYR", bytes(bad_act)))
add("ckpt_unknown_loss", "ckpt", 65, r"loss id 0 is out of range",
    replace("LAYR", struct.pack("<4I", task, 0, n_in, n_layers) + layr[16:]))

# Version 2: the good model's layers as kind rows, a dropout row between them.
def row2(kind, units, act, fields=()):
    return struct.pack("<4I", kind, units, act, len(fields)) + b"".join(
        struct.pack("<d", f) for f in fields)


dense_rows = [struct.unpack_from("<2I", layr, 16 + 8 * l) for l in range(n_layers)]
hidden_units, hidden_act = dense_rows[0]


def layr2(middle, rows_after=None):
    """LAYR of version 2: the first dense row, the rows of middle, the rest."""
    rows = [row2(1, hidden_units, hidden_act)] + middle
    rows += rows_after if rows_after is not None else [row2(1, u, a) for u, a in dense_rows[1:]]
    return struct.pack("<4I", task, loss, n_in, len(rows)) + b"".join(rows)


def image2(new_layr, extra=()):
    return image([(t, new_layr if t == "LAYR" else p) for t, p in pairs] + list(extra), version=2)


V2 = r"section 'LAYR': layer 2"
add("ckpt_v2_unknown_kind", "ckpt", 65, r"section 'LAYR': kind id 9 of layer 2 is out of range \(1-4\)$",
    image2(layr2([row2(9, hidden_units, 1, (0.5,))])))
add("ckpt_v2_dropout_p_1", "ckpt", 65, V2 + r": dropout p is 1, not above 0 and below 1$",
    image2(layr2([row2(2, hidden_units, 1, (1.0,))])))
add("ckpt_v2_dropout_p_0", "ckpt", 65, V2 + r": dropout p is 0, not above 0 and below 1$",
    image2(layr2([row2(2, hidden_units, 1, (0.0,))])))
add("ckpt_v2_dropout_p_nan", "ckpt", 65, V2 + r": dropout p is nan, not above 0 and below 1$",
    image2(layr2([row2(2, hidden_units, 1, (float("nan"),))])))
add("ckpt_v2_dropout_p_negative", "ckpt", 65, V2 + r": dropout p is -0.25, not above 0",
    image2(layr2([row2(2, hidden_units, 1, (-0.25,))])))
add("ckpt_v2_dropout_width", "ckpt", 65,
    V2 + r": a dropout row of %d units after %d$" % (hidden_units + 1, hidden_units),
    image2(layr2([row2(2, hidden_units + 1, 1, (0.5,))])))
add("ckpt_v2_dropout_relu", "ckpt", 65, V2 + r": a dropout row has activation relu, not linear$",
    image2(layr2([row2(2, hidden_units, 5, (0.5,))])))
add("ckpt_v2_dropout_fields", "ckpt", 65, V2 + r" \(dropout\) has 2 fields, not 1$",
    image2(layr2([row2(2, hidden_units, 1, (0.5, 0.5))])))
add("ckpt_v2_dense_fields", "ckpt", 65, r"section 'LAYR': layer 1 \(dense\) has 1 fields, not 0$",
    image2(struct.pack("<4I", task, loss, n_in, 1) + row2(1, hidden_units, hidden_act, (1.0,))))
out_units, out_act = dense_rows[-1]
add("ckpt_v2_dropout_output", "ckpt", 65,
    r"section 'LAYR': layer %d: a dropout row cannot be the output row$" % (n_layers + 1),
    image2(layr2([], [row2(1, u, a) for u, a in dense_rows[1:]] + [row2(2, out_units, 1, (0.5,))])))
add("ckpt_v2_layers_short", "ckpt", 65, r"section 'LAYR': payload length [0-9]+ is too short",
    image2(layr2([row2(2, hidden_units, 1, (0.5,))])[:-4]))
add("ckpt_v2_layout_in_v1", "ckpt", 65, r"section 'LAYR'",
    image([(t, layr2([row2(2, hidden_units, 1, (0.5,))]) if t == "LAYR" else p) for t, p in pairs]))
add("ckpt_v2_stat_no_state", "ckpt", 65, r"section 'STAT': 1 values where the layers keep 0$",
    image2(layr2([row2(2, hidden_units, 1, (0.5,))]),
           [("STAT", struct.pack("<Qf", 1, 0.0))]))
# A normalization row (kind 3 batch_norm, 4 layer_norm) after the first dense
# row (then linear), with its gamma and beta in WGHT and, for batch_norm, the
# running means and variances in STAT.
def norm_image(kind, fields, units=hidden_units, stat=True, state=None):
    (count,) = struct.unpack_from("<Q", payload["WGHT"])
    ws = list(struct.unpack_from("<%df" % count, payload["WGHT"], 8))
    k0 = hidden_units * (n_in + 1)
    ws = ws[:k0] + [1.0] * units + [0.0] * units + ws[k0:]
    new_wght = struct.pack("<Q", len(ws)) + struct.pack("<%df" % len(ws), *ws)
    rows = [row2(1, hidden_units, 1), row2(kind, units, hidden_act, fields)]
    rows += [row2(1, u, a) for u, a in dense_rows[1:]]
    new_layr = struct.pack("<4I", task, loss, n_in, len(rows)) + b"".join(rows)
    sects = [(t, new_layr if t == "LAYR" else new_wght if t == "WGHT" else p) for t, p in pairs]
    if kind == 3 and stat:
        st = state if state is not None else [0.0] * units + [1.0] * units
        sects.append(("STAT", struct.pack("<Q", len(st)) + struct.pack("<%df" % len(st), *st)))
    return image(sects, version=2)


add("ckpt_v2_batch_norm_momentum", "ckpt", 65, V2 + r": momentum is 1.5, not in \[0, 1\]$",
    norm_image(3, (1.5, 1e-5)))
add("ckpt_v2_batch_norm_momentum_nan", "ckpt", 65, V2 + r": momentum is nan, not in \[0, 1\]$",
    norm_image(3, (float("nan"), 1e-5)))
add("ckpt_v2_layer_norm_epsilon_0", "ckpt", 65, V2 + r": epsilon is 0, not a number above 0$",
    norm_image(4, (0.0,)))
add("ckpt_v2_batch_norm_epsilon_inf", "ckpt", 65, V2 + r": epsilon is inf, not a number above 0$",
    norm_image(3, (0.1, float("inf"))))
add("ckpt_v2_batch_norm_fields", "ckpt", 65, V2 + r" \(batch_norm\) has 1 fields, not 2$",
    norm_image(3, (0.1,)))
add("ckpt_v2_layer_norm_width", "ckpt", 65,
    V2 + r": a layer_norm row of %d units after %d$" % (hidden_units + 1, hidden_units),
    norm_image(4, (1e-5,), units=hidden_units + 1))
add("ckpt_v2_batch_norm_no_stat", "ckpt", 65,
    r"missing section 'STAT' \(the layers keep %d values\)$" % (2 * hidden_units),
    norm_image(3, (0.1, 1e-5), stat=False))
add("ckpt_v2_batch_norm_stat_nan", "ckpt", 65, r"section 'STAT': value 3 is not finite$",
    norm_image(3, (0.1, 1e-5), state=[0.0, 0.0, float("nan")] + [1.0] * (2 * hidden_units - 3)))
add("ckpt_v2_batch_norm_stat_short", "ckpt", 65,
    r"section 'STAT': %d values where the layers keep %d$" % (hidden_units, 2 * hidden_units),
    norm_image(3, (0.1, 1e-5), state=[1.0] * hidden_units))
add("ckpt_v1_stat", "ckpt", 65, r"section 'STAT' in a version 1 checkpoint$",
    image(pairs + [("STAT", struct.pack("<Qf", 1, 0.0))]))

wght = payload["WGHT"]
(n_params,) = struct.unpack_from("<Q", wght)
add("ckpt_weights_one_more", "ckpt", 65,
    r"section 'WGHT': %d parameters where the layers have %d$" % (n_params + 1, n_params),
    replace("WGHT", struct.pack("<Q", n_params + 1) + wght[8:] + b"\0\0\0\0"))
add("ckpt_weights_one_less", "ckpt", 65,
    r"section 'WGHT': %d parameters where the layers have %d$" % (n_params - 1, n_params),
    replace("WGHT", struct.pack("<Q", n_params - 1) + wght[8:-4]))
add("ckpt_weights_2e64", "ckpt", 65, r"section 'WGHT': 18446744073709551615 parameters",
    replace("WGHT", struct.pack("<Q", (1 << 64) - 1) + wght[8:]))
add("ckpt_weights_short", "ckpt", 65, r"section 'WGHT': payload length",
    replace("WGHT", wght[:-4]))
add("ckpt_columns_4g", "ckpt", 65, r"section 'COLS': payload length [0-9]+ is too short",
    replace("COLS", struct.pack("<I", 0xFFFFFFFF) + payload["COLS"][4:]))
cols = bytearray(payload["COLS"])
struct.pack_into("<I", cols, 5, 0xFFFFFFF0)
add("ckpt_name_length_4g", "ckpt", 65, r"section 'COLS': payload length [0-9]+ is too short",
    replace("COLS", bytes(cols)))
cols = bytearray(payload["COLS"])
cols[9] = 0
add("ckpt_name_nul", "ckpt", 65, r"section 'COLS': column name 1 contains a NUL byte$",
    replace("COLS", bytes(cols)))
add("ckpt_classes_4g", "ckpt", 65, r"section 'CLAS': payload length [0-9]+ is too short",
    replace("CLAS", struct.pack("<I", 0xFFFFFFFF) + payload["CLAS"][4:]))
hist = payload["HIST"]
add("ckpt_history_fields_4g", "ckpt", 65, r"section 'HIST': payload length [0-9]+ is too short",
    replace("HIST", hist[:4] + struct.pack("<I", 0xFFFFFFFF) + hist[8:]))
norm = bytearray(payload["NORM"])
struct.pack_into("<f", norm, 4 + 4 * n_in, 0.0)
add("ckpt_norm_zero_scale", "ckpt", 65, r"section 'NORM': input 1 has mean .* and scale 0$",
    replace("NORM", bytes(norm)))
norm = bytearray(payload["NORM"])
struct.pack_into("<I", norm, 4, 0x7FC00000)
add("ckpt_norm_nan", "ckpt", 65, r"section 'NORM': input 1 has mean nan",
    replace("NORM", bytes(norm)))
add("ckpt_unknown_section", "ckpt", 65, r"unknown critical section 'ZZZZ'",
    image(pairs + [("ZZZZ", b"")]))
add("ckpt_duplicate_section", "ckpt", 65, r"duplicate section 'LAYR'",
    image(pairs + [("LAYR", layr)]))
add("ckpt_missing_section", "ckpt", 65, r"missing section 'HIST'",
    image([(t, p) for t, p in pairs if t != "HIST"]))
add("ckpt_bad_tag", "ckpt", 65, r"bad section tag at offset 12",
    image([("\x00\x01\x02\x03", b"")] + pairs))
add("ckpt_spec_nul", "ckpt", 65, r"section 'SPEC': the spec contains a NUL byte",
    replace("SPEC", payload["SPEC"] + b"\0"))
rng = random.Random(8)
add("ckpt_binary_junk", "ckpt", 65, r"not a dnn checkpoint$",
    bytes(rng.randrange(256) for _ in range(4096)))
add("ckpt_junk_after_magic", "ckpt", 65, TRUNC + "|checksum mismatch|unsupported",
    MAGIC + bytes(rng.randrange(256) for _ in range(4096)))
add("ckpt_gzipped", "ckpt", 65, r"not a dnn checkpoint$", gzip.compress(good, mtime=0))
# SPEC must be one JSON object in UTF-8 (info --json embeds it as it is).
NOT_JSON = r"section 'SPEC': the spec is not valid JSON "
add("ckpt_spec_not_json", "ckpt", 65, NOT_JSON + r"\(line 1, column 1: unknown word 'not' .*\)$",
    replace("SPEC", b"not json at all"))
add("ckpt_spec_cut", "ckpt", 65, NOT_JSON + r"\(line 1, column [0-9]+: the text ends before every bracket is closed\)$",
    replace("SPEC", payload["SPEC"][:-1]))
add("ckpt_spec_empty", "ckpt", 65, NOT_JSON + r"\(line 1, column 1: unexpected end of file\)$", replace("SPEC", b""))
add("ckpt_spec_leading_zero", "ckpt", 65, NOT_JSON + r"\(line 1, column 12: epochs: leading zero in the number .05.\)$",
    replace("SPEC", b'{"epochs": 05}'))
add("ckpt_spec_trailing_comma", "ckpt", 65, NOT_JSON + r"\(line 1, column 13: trailing comma\)$",
    replace("SPEC", b'{"epochs": 5,}'))
add("ckpt_spec_raw_tab", "ckpt", 65, NOT_JSON + r"\(line 1, column 14: loss: control character 0x09 in a string .*\)$",
    replace("SPEC", b'{"loss": "mse\tx"}'))
add("ckpt_spec_two_values", "ckpt", 65, NOT_JSON + r"\(line 1, column 4: text after the end of the spec\)$", replace("SPEC", b"{} {}"))
# Nested deeper than the 256 levels of dnn-spec(5).
add("ckpt_spec_deep", "ckpt", 65, NOT_JSON + r"\(line 1, column 261: arrays and objects nested deeper than 256 levels .*\)$",
    replace("SPEC", b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}"))
add("ckpt_spec_array", "ckpt", 65, r"section 'SPEC': the spec is not a JSON object$",
    replace("SPEC", b" [1, 2]"))
add("ckpt_spec_latin1", "ckpt", 65, r"section 'SPEC': the spec is not valid UTF-8$",
    replace("SPEC", b'{"loss": "\xe9"}'))
# Strings are UTF-8 (dnn-checkpoint(5)): names written by another program.


def strings(names):
    return b"".join(struct.pack("<I", len(n)) + n for n in names)


classes = [b"setosa", b"versicolor", b"virginica"]
for bad, what in ((b"vers\xe9color", "latin1"), (b"\xc0\xaf", "overlong"),
                  (b"\xed\xa0\x80", "surrogate"), (b"versi\xc3", "cut")):
    add("ckpt_class_%s" % what, "ckpt", 65, r"section 'CLAS': class name 2 is not valid UTF-8$",
        replace("CLAS", struct.pack("<I", 3) + strings([classes[0], bad, classes[2]])))
cols = payload["COLS"]
add("ckpt_column_latin1", "ckpt", 65, r"section 'COLS': column name 1 is not valid UTF-8$",
    replace("COLS", cols.replace(b"sepal_length", b"s\xe9pal_length")))
add("ckpt_target_latin1", "ckpt", 65, r"section 'COLS': column name 5 is not valid UTF-8$",
    replace("COLS", cols.replace(b"species", b"esp\xe8ces")))
os.mkdir(os.path.join(out, "ckpt_directory"))
add("ckpt_directory", "ckpt", 66, r"cannot open '.*ckpt_directory': Is a directory$")
add("ckpt_missing", "ckpt", 66, r"cannot open '.*ckpt_missing': No such file or directory$")

# ---- specs (train SPEC data/iris.csv) ----

spec = b'{"layers": [{"units": 4, "activation": "tanh"}, {"activation": "softmax"}], "epochs": 1'


def spec_with(extra):
    return spec + extra + b"}"


add("spec_empty", "spec", 65, r"spec_empty: file is empty$", b"")
add("spec_blanks", "spec", 65, r"spec_blanks: file is empty$", b" \n\t\r\n")
add("spec_open_brace", "spec", 65, r"spec_open_brace:.*invalid JSON", b"{")
add("spec_truncated", "spec", 65, r"spec_truncated:.*invalid JSON", spec[:40])
add("spec_array", "spec", 65, r"spec_array: ", b"[1, 2, 3]")
add("spec_nested_arrays", "spec", 65, r"spec_nested_arrays:.*invalid JSON|nest",
    b'{"layers": ' + b"[" * 100000 + b"]" * 100000 + b"}")
add("spec_nested_objects", "spec", 65, r"spec_nested_objects:.*invalid JSON|nest",
    b'{"data": ' + b'{"a": ' * 50000 + b"1" + b"}" * 50001)
add("spec_units_1e309", "spec", 65, r"spec_units_1e309: ",
    b'{"layers": [{"units": 1e309, "activation": "tanh"}, {"activation": "softmax"}]}')
add("spec_units_1e20", "spec", 65, r"spec_units_1e20: layers\[0\]\.units",
    b'{"layers": [{"units": 1e20, "activation": "tanh"}, {"activation": "softmax"}]}')
add("spec_units_negative", "spec", 65, r"spec_units_negative: layers\[0\]\.units",
    b'{"layers": [{"units": -3, "activation": "tanh"}, {"activation": "softmax"}]}')
add("spec_units_fraction", "spec", 65, r"spec_units_fraction: layers\[0\]\.units",
    b'{"layers": [{"units": 2.5, "activation": "tanh"}, {"activation": "softmax"}]}')
add("spec_units_string", "spec", 65, r"spec_units_string: layers\[0\]\.units",
    b'{"layers": [{"units": "4", "activation": "tanh"}, {"activation": "softmax"}]}')
add("spec_dropout_1", "spec", 65,
    r"spec_dropout_1: layers\[0\]\.dropout: must be in \[0, 1\), got 1$",
    b'{"layers": [{"units": 4, "dropout": 1}, {"activation": "softmax"}]}')
add("spec_dropout_nan_text", "spec", 65, r"spec_dropout_nan_text:.*(invalid JSON|NaN)",
    b'{"layers": [{"units": 4, "dropout": NaN}, {"activation": "softmax"}]}')
add("spec_dropout_output", "spec", 65,
    r"spec_dropout_output: layers\[1\]\.dropout: the output layer takes no dropout$",
    b'{"layers": [{"units": 4}, {"activation": "softmax", "dropout": 0.5}]}')
add("spec_dropout_bool", "spec", 65,
    r"spec_dropout_bool: layers\[0\]\.dropout: expected a fraction, got a boolean$",
    b'{"layers": [{"units": 4, "dropout": true}, {"activation": "softmax"}]}')
add("spec_norm_unknown", "spec", 65,
    r"spec_norm_unknown: layers\[0\]\.norm: unknown norm 'group' \(expected one of: batch, layer\)$",
    b'{"layers": [{"units": 4, "norm": "group"}, {"activation": "softmax"}]}')
add("spec_norm_typo", "spec", 65,
    r"spec_norm_typo: layers\[0\]\.norm: unknown norm 'btach'; did you mean 'batch'\?$",
    b'{"layers": [{"units": 4, "norm": "btach"}, {"activation": "softmax"}]}')
add("spec_norm_number", "spec", 65,
    r"spec_norm_number: layers\[0\]\.norm: expected a string, got a number$",
    b'{"layers": [{"units": 4, "norm": 1}, {"activation": "softmax"}]}')
add("spec_norm_momentum_range", "spec", 65,
    r"spec_norm_momentum_range: layers\[0\]\.norm_momentum: must be in \[0, 1\], got 1.5$",
    b'{"layers": [{"units": 4, "norm": "batch", "norm_momentum": 1.5}, {"activation": "softmax"}]}')
add("spec_norm_momentum_string", "spec", 65,
    r"spec_norm_momentum_string: layers\[0\]\.norm_momentum: expected a number, got a string$",
    b'{"layers": [{"units": 4, "norm": "batch", "norm_momentum": "0.5"}, {"activation": "softmax"}]}')
add("spec_norm_epsilon_zero", "spec", 65,
    r"spec_norm_epsilon_zero: layers\[1\]\.norm_epsilon: must be above 0, got 0$",
    b'{"layers": [{"units": 4}, {"activation": "softmax", "norm": "layer", "norm_epsilon": 0}]}')
add("spec_norm_momentum_layer", "spec", 65,
    r"spec_norm_momentum_layer: layers\[0\]\.norm_momentum: only with \"norm\": \"batch\"$",
    b'{"layers": [{"units": 4, "norm": "layer", "norm_momentum": 0.5}, {"activation": "softmax"}]}')
add("spec_norm_epsilon_alone", "spec", 65,
    r"spec_norm_epsilon_alone: layers\[0\]\.norm_epsilon: only with \"norm\": \"batch\" or \"layer\"$",
    b'{"layers": [{"units": 4, "norm_epsilon": 0.01}, {"activation": "softmax"}]}')
add("spec_input_dropout_negative", "spec", 65,
    r"spec_input_dropout_negative: input_dropout: must be in \[0, 1\), got -0.1$",
    spec_with(b', "input_dropout": -0.1'))
add("spec_epochs_huge", "spec", 65, r"spec_epochs_huge: epochs", spec_with(b', "epochs": 1e300'))
add("spec_batch_zero", "spec", 65, r"spec_batch_zero: batch_size",
    spec_with(b', "batch_size": 0'))
add("spec_lr_huge_digits", "spec", 65, r"spec_lr_huge_digits: ",
    spec_with(b', "optimizer": {"name": "sgd", "learning_rate": 1' + b"0" * 400 + b"}"))
add("spec_seed_2e64", "spec", 65, r"spec_seed_2e64: seed",
    spec_with(b', "seed": 18446744073709551616'))
add("spec_l1_negative", "spec", 65, r"spec_l1_negative: optimizer\.l1: must be at least 0",
    spec_with(b', "optimizer": {"l1": -0.001}'))
add("spec_max_norm_zero", "spec", 65, r"spec_max_norm_zero: layers\[0\]\.max_norm: must be above 0",
    b'{"layers": [{"units": 4, "activation": "tanh", "max_norm": 0}, {"activation": "softmax"}], "epochs": 1}')
add("spec_max_norm_negative", "spec", 65, r"layers\[0\]\.max_norm: must be above 0",
    b'{"layers": [{"units": 4, "max_norm": -2}, {"activation": "softmax"}], "epochs": 1}')
add("spec_class_weight_unknown_label", "spec", 65,
    r"spec_class_weight_unknown_label: data\.class_weight: unknown class 'setsa'; did you mean 'setosa'\?",
    spec_with(b', "data": {"class_weight": {"setsa": 2}}'))
add("spec_class_weight_negative", "spec", 65, r"data\.class_weight\.setosa: must be a number of at least 0",
    spec_with(b', "data": {"class_weight": {"setosa": -1}}'))
add("spec_class_weight_word", "spec", 65, r"data\.class_weight: expected \"balanced\"",
    spec_with(b', "data": {"class_weight": "balance"}'))
add("spec_label_smoothing_one", "spec", 65, r"label_smoothing: must be in \[0, 1\), got 1",
    spec_with(b', "label_smoothing": 1'))
add("spec_label_smoothing_negative", "spec", 65, r"label_smoothing: must be in \[0, 1\)",
    spec_with(b', "label_smoothing": -0.1'))
add("spec_nul_byte", "spec", 65, r"spec_nul_byte", spec[:20] + b"\0" + spec[20:] + b"}")
add("spec_binary_junk", "spec", 65, r"spec_binary_junk:[0-9:]* (invalid JSON|not a JSON text)",
    bytes(rng.randrange(256) for _ in range(2048)))
add("spec_bad_utf8", "spec", 65, r"spec_bad_utf8: ",
    b'{"layers": [{"units": 4, "activation": "t\xff\xfeh"}, {"activation": "softmax"}]}')
add("spec_long_key", "spec", 65, r"spec_long_key: ", spec_with(b', "' + b"k" * 1000000 + b'": 1'))
add("spec_too_many_layers", "spec", 65, r"spec_too_many_layers: layers",
    b'{"layers": [' + b'{"units": 1, "activation": "tanh"}, ' * 5000 +
    b'{"activation": "softmax"}]}')
add("spec_trailing_garbage", "spec", 65, r"spec_trailing_garbage:", spec_with(b"") + b" x")
add("spec_gzipped", "spec", 65, r"spec_gzipped:", gzip.compress(spec_with(b""), mtime=0))
os.mkdir(os.path.join(out, "spec_directory"))
add("spec_directory", "spec", 66, r"cannot open '.*spec_directory': Is a directory$")
add("spec_missing", "spec", 66, r"cannot open '.*spec_missing': No such file or directory$")
# Strict JSON (RFC 8259) and dnn-spec(5)'s own rules: line:column, the key.
layer0 = b'{"layers": [{"units": 4, "activation": '
out_layer = b'}, {"activation": "softmax"}], "epochs": 1}'


def spec_layer(units=b"4", act=b'"tanh"'):
    return b'{"layers": [{"units": ' + units + b', "activation": ' + act + out_layer


NUL_MSG = r"not a JSON text \(NUL byte\)$"
add("spec_nul_file", "spec", 65, r"spec_nul_file:1:1: " + NUL_MSG, b"\0" * (1 << 20))
add("spec_nul_late", "spec", 65, r"spec_nul_late:3:2: " + NUL_MSG, b"{\n\n \0" + b" " * 100000)
add("spec_nul_escape_key", "spec", 65,
    r"spec_nul_escape_key:1:9: layers\\u0000junk: the key holds \\u0000 \(NUL\), which "
    r"dnn-spec\(5\) forbids$",
    b'{"layers\\u0000junk": [{"units": 4}, {"activation": "softmax"}]}')
add("spec_nul_escape_value", "spec", 65,
    r"spec_nul_escape_value:1:45: layers\[0\]\.activation: \\u0000 \(NUL\) in a string: "
    r"dnn-spec\(5\) forbids NUL$", spec_layer(act=b'"relu\\u0000x"'))
add("spec_leading_zero", "spec", 65,
    r"spec_leading_zero:1:23: layers\[0\]\.units: invalid JSON: leading zero in the number "
    r"'04'$", spec_layer(units=b"04"))
add("spec_leading_zero_negative", "spec", 65,
    r"spec_leading_zero_negative:1:[0-9]+: seed: invalid JSON: leading zero in the number "
    r"'-00'$", spec_with(b', "seed": -00'))
add("spec_plus_number", "spec", 65,
    r"spec_plus_number:1:23: layers\[0\]\.units: invalid JSON: a number cannot start with "
    r"'\+'$", spec_layer(units=b"+4"))
add("spec_dot_number", "spec", 65,
    r"spec_dot_number:1:[0-9]+: data\.validation: invalid JSON: a number needs a digit before "
    r"its decimal point$", spec_with(b', "data": {"validation": .5}'))
add("spec_number_dot", "spec", 65,
    r"spec_number_dot:1:23: layers\[0\]\.units: invalid JSON: a number needs a digit after "
    r"its decimal point$", spec_layer(units=b"4."))
add("spec_number_exponent", "spec", 65,
    r"spec_number_exponent:1:23: layers\[0\]\.units: invalid JSON: a number needs a digit in "
    r"its exponent$", spec_layer(units=b"4e"))
add("spec_hex_number", "spec", 65,
    r"spec_hex_number:1:23: layers\[0\]\.units: invalid JSON: hexadecimal numbers are not "
    r"JSON$", spec_layer(units=b"0x10"))
add("spec_nan", "spec", 65,
    r"spec_nan:1:[0-9]+: optimizer\.learning_rate: invalid JSON: NaN and Infinity are not "
    r"JSON numbers$", spec_with(b', "optimizer": {"learning_rate": NaN}'))
add("spec_infinity", "spec", 65,
    r"spec_infinity:1:[0-9]+: epochs: invalid JSON: NaN and Infinity are not JSON numbers$",
    spec + b', "epochs": -Infinity}')
add("spec_capital_true", "spec", 65,
    r"spec_capital_true:1:[0-9]+: optimizer\.nesterov: invalid JSON: unknown word 'True' "
    r"\(JSON's words are true, false and null\)$",
    spec_with(b', "optimizer": {"nesterov": True}'))
add("spec_single_quotes", "spec", 65,
    r"spec_single_quotes:1:2: invalid JSON: strings take double quotes, not single$",
    b"{'layers': [{'units': 4}, {'activation': 'softmax'}]}")
add("spec_unquoted_key", "spec", 65,
    r"spec_unquoted_key:1:2: invalid JSON near 'layers: \[{': expected a key in double "
    r"quotes$", b'{layers: [{"units": 4}, {"activation": "softmax"}]}')
add("spec_comment_line", "spec", 65,
    r"spec_comment_line:2:1: invalid JSON: comments are not allowed$",
    b"{\n// the layers\n" + spec[1:] + b"}")
add("spec_comment_block", "spec", 65,
    r"spec_comment_block:1:89: invalid JSON: comments are not allowed$",
    spec + b' /* one */}')
add("spec_trailing_comma", "spec", 65, r"spec_trailing_comma:1:88: invalid JSON: trailing comma$",
    spec + b",}")
add("spec_trailing_comma_array", "spec", 65,
    r"spec_trailing_comma_array:1:74: layers: invalid JSON: trailing comma$",
    b'{"layers": [{"units": 4, "activation": "tanh"}, {"activation": "softmax"},]}')
add("spec_raw_tab", "spec", 65,
    r"spec_raw_tab:1:43: layers\[0\]\.activation: invalid JSON: control character 0x09 in a "
    r"string \(write it as \\u0009\)$", spec_layer(act=b'"ta\tnh"'))
add("spec_raw_esc", "spec", 65,
    r"spec_raw_esc:1:43: layers\[0\]\.activation: invalid JSON: control character 0x1b in a "
    r"string \(write it as \\u001b\)$", spec_layer(act=b'"ta\x1bnh"'))
# An escaped ESC reaches the message as a value: dnn_error_format escapes it.
add("spec_escaped_esc", "spec", 65,
    r"spec_escaped_esc: layers\[0\]\.activation: unknown activation 'ta\\x1bnh'; did you mean "
    r"'tanh'\?$", spec_layer(act=b'"ta\\u001bnh"'))
add("spec_escaped_newline", "spec", 65,
    r"spec_escaped_newline: layers\[0\]\.activation: unknown activation 'ta\\nnh'",
    spec_layer(act=b'"ta\\nnh"'))
add("spec_bad_escape", "spec", 65,
    r"spec_bad_escape:1:43: layers\[0\]\.activation: invalid JSON: invalid escape '\\x' in a "
    r"string$", spec_layer(act=b'"ta\\x41"'))
add("spec_short_unicode_escape", "spec", 65,
    r"spec_short_unicode_escape:1:43: layers\[0\]\.activation: invalid JSON: \\u needs four "
    r"hexadecimal digits$", spec_layer(act=b'"ta\\u12"'))
add("spec_lone_surrogate", "spec", 65,
    r"spec_lone_surrogate:1:43: layers\[0\]\.activation: invalid JSON: lone surrogate \\ud800 "
    r"\(a high surrogate must be followed by a low one\)$", spec_layer(act=b'"ta\\ud800"'))
add("spec_lone_low_surrogate", "spec", 65,
    r"spec_lone_low_surrogate:1:43: layers\[0\]\.activation: invalid JSON: lone surrogate "
    r"\\udc00 \(a low surrogate must follow a high one\)$", spec_layer(act=b'"ta\\udc00"'))
add("spec_latin1", "spec", 65,
    r"spec_latin1:1:[0-9]+: data\.target: invalid UTF-8 in a string \(byte 0xe9\)$",
    spec_with(b', "data": {"target": "esp\xe8ce"}').replace(b"\xe8", b"\xe9"))
add("spec_utf8_overlong", "spec", 65,
    r"spec_utf8_overlong:1:[0-9]+: data\.target: invalid UTF-8 in a string \(byte 0xc0\)$",
    spec_with(b', "data": {"target": "\xc0\xaf"}'))
add("spec_utf8_surrogate", "spec", 65,
    r"spec_utf8_surrogate:1:[0-9]+: data\.target: invalid UTF-8 in a string \(byte 0xed\)$",
    spec_with(b', "data": {"target": "\xed\xa0\x80"}'))
add("spec_seed_2p53_plus1", "spec", 65,
    r"spec_seed_2p53_plus1:1:[0-9]+: seed: 9007199254740993 is not exactly representable as a "
    r"double \(it would read as 9007199254740992; whole numbers are exact up to 2\^53 = "
    r"9007199254740992\)$", spec_with(b', "seed": 9007199254740993'))
add("spec_lr_1e400", "spec", 65,
    r"spec_lr_1e400:1:[0-9]+: optimizer\.learning_rate: number out of range \(not "
    r"representable as a double\): 1e400$",
    spec_with(b', "optimizer": {"name": "sgd", "learning_rate": 1e400}'))
add("spec_lr_1e-400", "spec", 65,
    r"spec_lr_1e-400:1:[0-9]+: optimizer\.learning_rate: number out of range \(too small for a "
    r"double: it would read as 0\): 1e-400$",
    spec_with(b', "optimizer": {"name": "sgd", "learning_rate": 1e-400}'))
add("spec_deep_nesting", "spec", 65,
    r"spec_deep_nesting:1:267: arrays and objects nested deeper than 256 levels \(the limit of "
    r"dnn-spec\(5\)\)$", b'{"layers": ' + b"[" * 300 + b"]" * 300 + b"}")
add("spec_duplicate_key", "spec", 65, r"spec_duplicate_key: epochs: given twice$",
    spec_with(b', "epochs": 2'))
add("spec_duplicate_key_escaped", "spec", 65, r"spec_duplicate_key_escaped: epochs: given twice$",
    spec_with(b', "epoch\\u0073": 2'))
add("spec_loss_upper_case", "spec", 65,
    r"spec_loss_upper_case: loss: unknown loss 'MSE'; did you mean 'mse'\?$",
    b'{"layers": [{"units": 4}, {}], "loss": "MSE"}')
add("spec_activation_mixed_case", "spec", 65,
    r"spec_activation_mixed_case: layers\[0\]\.activation: unknown activation 'ReLU'; did you "
    r"mean 'relu'\?$", spec_layer(act=b'"ReLU"'))
add("spec_optimizer_upper_case", "spec", 65,
    r"spec_optimizer_upper_case: optimizer: unknown optimizer 'ADAM'; did you mean 'adam'\?$",
    spec_with(b', "optimizer": "ADAM"'))
add("spec_key_capital", "spec", 65,
    r"spec_key_capital: Epochs: unknown key; did you mean 'epochs'\?$", spec_with(b', "Epochs": 2'))
# More memory than exists: checked before any training (exit 71).
add("spec_too_much_memory", "spec", 71, r"spec_too_much_memory: the network needs [0-9.]+ [KMGTPE]iB of memory to train \([0-9]+ bytes\), more than the [0-9.]+ [KMGTPE]iB this machine has$",
    b'{"layers": [{"units": 16777216, "activation": "relu"}, {"units": 16777216, '
    b'"activation": "relu"}, {"activation": "softmax"}], "epochs": 1}')

# ---- CSV (train data/xor.json-like spec on DATA; predict GOOD.dnn DATA) ----

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "iris.csv"),
          "rb") as f:
    iris = f.read()
iris_lines = iris.split(b"\n")
header, rows = iris_lines[0], [r for r in iris_lines[1:] if r]

# The rows' weights (data.weight "w", kind wcsv): iris with a column w.
def with_weights(ws):
    """iris with a weight column w before the species, ws[i] for row i (1 after)."""
    out = [header.replace(b",species", b",w,species")]
    for i, r in enumerate(rows):
        f = r.split(b",")
        out.append(b",".join(f[:-1] + [ws[i] if i < len(ws) else b"1", f[-1]]))
    return b"\n".join(out) + b"\n"


add("wcsv_weight_missing_column", "wcsv", 65,
    r"wcsv_weight_missing_column: weight column 'w' not found", iris)
add("wcsv_weight_negative", "wcsv", 65,
    r"wcsv_weight_negative:3:15: negative weight -0\.5 in column 'w'", with_weights([b"1", b"-0.5"]))
add("wcsv_weight_nan", "wcsv", 65, r"wcsv_weight_nan:4:17: missing value in column 'w'",
    with_weights([b"1", b"2", b"NaN"]))
add("wcsv_weight_text", "wcsv", 65, r"wcsv_weight_text:2:17: expected a number, got 'heavy'",
    with_weights([b"heavy"]))
add("wcsv_weight_all_zero", "wcsv", 65, r"wcsv_weight_all_zero: every weight in column 'w' is 0",
    with_weights([b"0"] * len(rows)))
add("csv_empty", "csv", 65, r"csv_empty: the file is empty|csv_empty:.*empty", b"")
add("csv_blank_lines", "csv", 65, r"csv_blank_lines:.*empty|no data", b"\n\n\n")
add("csv_header_only", "csv", 65, r"csv_header_only:.*no data rows|no rows", header + b"\n")
add("csv_binary_junk", "csv", 65, r"csv_binary_junk:", bytes(rng.randrange(256) for _ in range(4096)))
add("csv_nul_bytes", "csv", 65, r"csv_nul_bytes:", header + b"\n" + b"\0" * 64 + b"\n")
add("csv_ragged", "csv", 65, r"csv_ragged:3:", header + b"\n" + rows[0] + b"\n" + rows[1] + b",9\n")
add("csv_unterminated_quote", "csv", 65, r"csv_unterminated_quote:",
    header + b"\n" + rows[0] + b'\n"5.1,3.5\n')
add("csv_not_a_number", "csv", 65, r"csv_not_a_number:2:1:",
    header + b"\nabc" + rows[0][3:] + b"\n")
add("csv_huge_number", "csv", 65, r"csv_huge_number:2:1:",
    header + b"\n1e999" + rows[0][3:] + b"\n" + b"\n".join(rows[1:]) + b"\n")
add("csv_long_digits", "csv", 65, r"csv_long_digits:2:1:",
    header + b"\n" + b"9" * 100000 + rows[0][3:] + b"\n" + b"\n".join(rows[1:]) + b"\n")
add("csv_nan", "csv", 65, r"csv_nan:2:1:", header + b"\nnan" + rows[0][3:] + b"\n" +
    b"\n".join(rows[1:]) + b"\n")
add("csv_inf", "csv", 65, r"csv_inf:2:1:", header + b"\ninf" + rows[0][3:] + b"\n" +
    b"\n".join(rows[1:]) + b"\n")
add("csv_long_field", "csv", 65, r"csv_long_field:2:1:",
    header + b"\n" + b"x" * 3000000 + rows[0][3:] + b"\n")
add("csv_one_class", "csv", 65, r"csv_one_class:", header + b"\n" + b"\n".join(rows[:10]) + b"\n")
gz = gzip.compress(iris, mtime=0)
add("gz_magic_only", "csv", 65, r"gz_magic_only:", gz[:2])
add("gz_header_only", "csv", 65, r"gz_header_only:", gz[:10])
add("gz_truncated", "csv", 65, r"gz_truncated:", gz[:len(gz) // 2])
add("gz_no_trailer", "csv", 65, r"gz_no_trailer:", gz[:-8])
bad_crc = bytearray(gz)
bad_crc[-8] ^= 0xFF
add("gz_bad_crc", "csv", 65, r"gz_bad_crc:.*corrupt gzip data$", bytes(bad_crc))
bad_len = bytearray(gz)
bad_len[-1] ^= 0xFF
add("gz_bad_length", "csv", 65, r"gz_bad_length:.*corrupt gzip data$", bytes(bad_len))
bad_data = bytearray(gz)
for i in range(40, 60):
    bad_data[i] = 0xFF
add("gz_corrupt_deflate", "csv", 65, r"gz_corrupt_deflate:.*corrupt gzip data$", bytes(bad_data))
add("gz_empty_content", "csv", 65, r"gz_empty_content:", gzip.compress(b"", mtime=0))
add("gz_junk_content", "csv", 65, r"gz_junk_content:",
    gzip.compress(bytes(rng.randrange(256) for _ in range(4096)), mtime=0))
add("gz_junk_after_header", "csv", 65, r"gz_junk_after_header:",
    gz[:10] + bytes(rng.randrange(256) for _ in range(4096)))
# After a gzip member only another member may follow (exit 65, never data
# dropped); other compressed and archive formats are named.
half = len(rows) // 2
gz2 = (gzip.compress(header + b"\n" + b"\n".join(rows[:half]) + b"\n", mtime=0) +
       gzip.compress(b"\n".join(rows[half:]) + b"\n", mtime=0))
zipped = io.BytesIO()
with zipfile.ZipFile(zipped, "w") as z:
    z.writestr("iris.csv", iris)
FOREIGN = [("bzip2", bz2.compress(iris)), ("xz", lzma.compress(iris)),
           ("lz4", b"\x04\x22\x4d\x18" + iris), ("zstd", b"\x28\xb5\x2f\xfd" + iris),
           ("zip", zipped.getvalue()), ("7z", b"7z\xbc\xaf\x27\x1c" + iris),
           ("lzip", b"LZIP\x01" + iris), ("compress", b"\x1f\x9d\x90" + iris)]
for kind, pre in (("csv", "gz"), ("pcsv", "pcsv_gz")):
    add(pre + "_trailing_garbage", kind, 65,
        pre + r"_trailing_garbage: trailing data after the gzip stream$", gz2 + b"garbage\n")
    add(pre + "_then_plain", kind, 65, pre + r"_then_plain: trailing data after the gzip stream$",
        gzip.compress(header + b"\n" + rows[0] + b"\n", mtime=0) + b"\n".join(rows[1:]) + b"\n")
    add(pre + "_trailing_zeros", kind, 65,
        pre + r"_trailing_zeros: trailing data after the gzip stream$", gz + b"\0" * 512)
    add(pre + "_trailing_1f", kind, 65, pre + r"_trailing_1f: trailing data after the gzip stream$",
        gz + b"\x1f")
    add(pre + "_bad_cell_then_garbage", kind, 65,
        pre + r"_bad_cell_then_garbage:2:1: expected a number, got 'abc'$",
        gzip.compress(header + b"\nabc" + rows[0][3:] + b"\n", mtime=0) + b"garbage")
    add(pre + "_then_truncated", kind, 65, pre + r"_then_truncated:[0-9]+: truncated gzip data$",
        gz + gz[:30])
    fpre = "csv" if kind == "csv" else "pcsv"
    for fmt, data in FOREIGN:
        name = "%s_format_%s" % (fpre, fmt)
        shown = "compress \\(\\.Z\\)" if fmt == "compress" else fmt
        add(name, kind, 65, r"%s: this is a %s file; dnn reads plain or gzip CSV$" % (name, shown),
            data)
    add(fpre + "_format_xz_gzipped", kind, 65, fpre + r"_format_xz_gzipped:",
        gzip.compress(lzma.compress(iris), mtime=0))
# Lines end in LF or CRLF; a bare CR is an error outside quotes.
for kind, pre in (("csv", "csv"), ("pcsv", "pcsv")):
    add(pre + "_bare_cr_line_end", kind, 65,
        pre + r"_bare_cr_line_end:2:[0-9]+: bare carriage return \(lines end in LF or CRLF\)$",
        header + b"\r\n" + rows[0] + b"\r" + b"\r\n".join(rows[1:]) + b"\r\n")
    add(pre + "_bare_cr_in_cell", kind, 65,
        pre + r"_bare_cr_in_cell:3:4: bare carriage return \(lines end in LF or CRLF\)$",
        header + b"\n" + rows[0] + b"\n" + rows[1][:3] + b"\r" + rows[1][3:] + b"\n" +
        b"\n".join(rows[2:]) + b"\n")
    add(pre + "_bare_cr_end_of_file", kind, 65,
        pre + r"_bare_cr_end_of_file:[0-9]+:[0-9]+: bare carriage return",
        header + b"\n" + b"\n".join(rows) + b"\r")
    # Names and labels that reach a checkpoint or JSON output are UTF-8.
    add(pre + "_latin1_header", kind, 65,
        pre + r"_latin1_header:1:[0-9]+: the column name is not valid UTF-8 \(byte 0xe9\)$",
        header.replace(b"petal_width", b"p\xe9t\xe9") + b"\n" + b"\n".join(rows) + b"\n")
    add(pre + "_overlong_header", kind, 65,
        pre + r"_overlong_header:1:[0-9]+: the column name is not valid UTF-8 \(byte 0xc0\)$",
        header + b",x\xc0\xafy\n" + b",0\n".join(rows) + b",0\n")
add("csv_latin1_class", "csv", 65,
    r"csv_latin1_class:3:[0-9]+: the class label is not valid UTF-8 \(byte 0xe9\)$",
    header + b"\n" + rows[0] + b"\n" + rows[1].replace(b"setosa", b"s\xe9tosa") + b"\n" +
    b"\n".join(rows[2:]) + b"\n")
add("csv_latin1_class_quoted", "csv", 65,
    r"csv_latin1_class_quoted:2:[0-9]+: the class label is not valid UTF-8 \(byte 0xe9\)$",
    header + b"\n" + rows[0].replace(b"setosa", b'"s\xe9tosa"') + b"\n" +
    b"\n".join(rows[1:]) + b"\n")
add("csv_no_line_end", "csv", 65, r"csv_no_line_end:2: row longer than 64 MiB \(the limit\)$",
    header + b"\n" + b"y" * (65 << 20))
add("pcsv_too_many_fields", "pcsv", 65,
    r"pcsv_too_many_fields:2:2097153: row has more than 1048576 fields \(the limit\)$",
    header + b"\n" + b"1," * (1 << 20) + b"1\n")
os.mkdir(os.path.join(out, "csv_directory"))
add("csv_directory", "csv", 66, r"'.*csv_directory': Is a directory$")
add("csv_missing", "csv", 66, r"cannot open '.*csv_missing': No such file or directory$")
# predict: rows for GOOD.dnn.
add("pcsv_missing_column", "pcsv", 65, r"pcsv_missing_column:",
    b"sepal_length,species\n5.1,setosa\n")
add("pcsv_binary_junk", "pcsv", 65, r"pcsv_binary_junk:",
    bytes(rng.randrange(256) for _ in range(4096)))
add("pcsv_gz_truncated", "pcsv", 65, r"pcsv_gz_truncated:", gz[:len(gz) // 3])

with open(os.path.join(out, "MANIFEST"), "w") as f:
    f.write("\n".join(manifest) + "\n")
