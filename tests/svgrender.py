"""Render an SVG file to PNG with rsvg-convert (Debian: librsvg2-bin), as a
viewer would, and check the picture: a PNG of the SVG's width and height
whose pixels are not all one colour. Only the Python standard library: the
PNG's chunks are read by hand and its image data inflated with zlib.

render(svg_path) returns None when the picture is right (or rsvg-convert
is not installed: then nothing is checked, and have_renderer() says so),
else what is wrong."""
import re
import shutil
import struct
import subprocess
import zlib


def have_renderer():
    return shutil.which("rsvg-convert") is not None


def _chunks(png):
    at = 8
    while at + 8 <= len(png):
        n, kind = struct.unpack(">I4s", png[at:at + 8])
        yield kind, png[at + 8:at + 8 + n]
        at += 12 + n


def render(svg_path):
    if not have_renderer():
        return None
    r = subprocess.run(["rsvg-convert", svg_path], capture_output=True)
    if r.returncode != 0:
        return "rsvg-convert failed: " + r.stderr.decode(errors="replace").strip()
    png = r.stdout
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return "rsvg-convert wrote no PNG"
    chunks = list(_chunks(png))
    if not chunks or chunks[0][0] != b"IHDR":
        return "the PNG has no IHDR"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    with open(svg_path) as f:
        head = f.read(2000)
    m = re.search(r'<svg[^>]*\bwidth="([0-9.]+)"[^>]*\bheight="([0-9.]+)"', head)
    if m and (width, height) != (round(float(m.group(1))), round(float(m.group(2)))):
        return "the PNG is %dx%d, the SVG %sx%s" % (width, height, m.group(1), m.group(2))
    pixels = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
    if len(set(pixels)) < 8:
        return "the picture is blank (%d distinct bytes)" % len(set(pixels))
    return None
