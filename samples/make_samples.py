#!/usr/bin/env python3
"""Generate ImageFinder's bundled sample collection: samples/images/<class>/*.png

Pure Python standard library (zlib + struct write the PNGs), so it runs
anywhere Python 3 does.  Every picture is computed from fixed parameters, so
the pixels are the same on every run (the PNG bytes too, for a given zlib).

Six classes of four images each; within a class the images share a pattern
but differ in colours, frequency, angle, phase and size, so a feature
extractor sees clusters while no two images are the same:

    stripes    straight bands at an angle
    checkers   a (slightly rotated) checkerboard
    circles    concentric rings around an off-centre point
    gradients  smooth two- or three-colour linear blends
    dots       a grid of round dots on a plain ground
    waves      posterised interference of sine waves

Usage: python3 samples/make_samples.py [output-folder]   (default samples/images)
The images are dedicated to the public domain (CC0-1.0), see samples/LICENSE.md.
"""

import math
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "images")

SIZES = [(320, 240), (400, 300), (256, 256), (640, 480), (300, 400), (480, 360)]

# A fixed palette, so that colours are chosen by index rather than at random.
PALETTE = {
    "navy": (20, 40, 110), "cream": (245, 235, 205), "red": (200, 40, 45),
    "white": (250, 250, 250), "black": (15, 15, 20), "teal": (20, 140, 140),
    "orange": (240, 140, 30), "purple": (110, 50, 150), "yellow": (245, 210, 40),
    "green": (40, 150, 70), "sky": (120, 190, 240), "pink": (240, 130, 170),
    "brown": (120, 75, 40), "grey": (128, 128, 128), "lime": (170, 220, 60),
    "magenta": (200, 40, 160),
}


def _mix(a, b, t):
    return (int(a[0] + (b[0] - a[0]) * t + 0.5),
            int(a[1] + (b[1] - a[1]) * t + 0.5),
            int(a[2] + (b[2] - a[2]) * t + 0.5))


# --------------------------------------------------------------------------
# PNG writer
# --------------------------------------------------------------------------

def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _filter_rows(rows, stride):
    """PNG per-row filtering (None/Sub/Up, the one with the smallest sum of
    absolute signed bytes), which lets zlib squeeze patterns and gradients."""
    out = bytearray()
    prev = bytes(stride)
    for row in rows:
        sub = bytes((row[i] - (row[i - 3] if i >= 3 else 0)) & 0xFF for i in range(stride))
        up = bytes((row[i] - prev[i]) & 0xFF for i in range(stride))
        best_kind, best, best_cost = 0, row, None
        for kind, data in ((0, row), (1, sub), (2, up)):
            cost = sum(v if v < 128 else 256 - v for v in data)
            if best_cost is None or cost < best_cost:
                best_kind, best, best_cost = kind, data, cost
        out.append(best_kind)
        out += best
        prev = row
    return bytes(out)


def write_png(path, width, height, rows):
    """rows: `height` bytes objects of 3*width RGB bytes each."""
    raw = _filter_rows(rows, 3 * width)
    data = (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return len(data)


def render(width, height, pixel):
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            row += bytes(pixel(x, y))
        rows.append(bytes(row))
    return rows


# --------------------------------------------------------------------------
# Patterns: each takes (width, height, variant index) and returns pixel(x, y)
# --------------------------------------------------------------------------

def stripes(w, h, i):
    pairs = [("navy", "cream"), ("red", "white"), ("teal", "yellow"), ("black", "orange")]
    a, b = (PALETTE[c] for c in pairs[i])
    angle = math.radians([0, 30, 60, 105][i])
    period = [24.0, 32.0, 18.0, 40.0][i]
    phase = [0.0, 5.0, 9.0, 13.0][i]
    ca, sa = math.cos(angle), math.sin(angle)

    def pixel(x, y):
        t = ((x * ca + y * sa + phase) % period) / period
        return a if t < 0.5 else b
    return pixel


def checkers(w, h, i):
    pairs = [("black", "white"), ("green", "cream"), ("purple", "yellow"), ("red", "sky")]
    a, b = (PALETTE[c] for c in pairs[i])
    cell = [32.0, 20.0, 48.0, 28.0][i]
    angle = math.radians([0, 10, 22, 35][i])
    ca, sa = math.cos(angle), math.sin(angle)
    ox, oy = w / 2.0, h / 2.0

    def pixel(x, y):
        u = (x - ox) * ca + (y - oy) * sa
        v = -(x - ox) * sa + (y - oy) * ca
        return a if (math.floor(u / cell) + math.floor(v / cell)) % 2 == 0 else b
    return pixel


def circles(w, h, i):
    pairs = [("orange", "navy"), ("white", "magenta"), ("lime", "black"), ("sky", "brown")]
    a, b = (PALETTE[c] for c in pairs[i])
    cx, cy = [(0.5, 0.5), (0.3, 0.4), (0.7, 0.6), (0.45, 0.25)][i]
    cx, cy = cx * w, cy * h
    period = [30.0, 22.0, 40.0, 16.0][i]
    duty = [0.5, 0.35, 0.6, 0.5][i]

    def pixel(x, y):
        r = math.hypot(x - cx, y - cy)
        return a if (r % period) / period < duty else b
    return pixel


def gradients(w, h, i):
    stops = [("navy", "sky", None), ("red", "yellow", None),
             ("purple", "pink", "cream"), ("green", "lime", "teal")][i]
    c0, c1 = PALETTE[stops[0]], PALETTE[stops[1]]
    c2 = PALETTE[stops[2]] if stops[2] else None
    angle = math.radians([90, 0, 45, 135][i])
    ca, sa = math.cos(angle), math.sin(angle)
    corners = [x * ca + y * sa for x in (0, w - 1) for y in (0, h - 1)]
    lo, hi = min(corners), max(corners)

    def pixel(x, y):
        t = (x * ca + y * sa - lo) / (hi - lo)
        if c2 is None:
            return _mix(c0, c1, t)
        return _mix(c0, c1, t * 2) if t < 0.5 else _mix(c1, c2, t * 2 - 1)
    return pixel


def dots(w, h, i):
    pairs = [("cream", "red"), ("navy", "white"), ("yellow", "black"), ("pink", "teal")]
    ground, dot = (PALETTE[c] for c in pairs[i])
    spacing = [40.0, 28.0, 56.0, 34.0][i]
    radius = spacing * [0.3, 0.25, 0.38, 0.2][i]
    shift = [0.0, 0.5, 0.0, 0.5][i]  # offset every other row: square vs hex grid
    r2 = radius * radius

    def pixel(x, y):
        row = math.floor(y / spacing)
        fx = (x / spacing + shift * (row % 2)) % 1.0 - 0.5
        fy = (y / spacing) % 1.0 - 0.5
        return dot if (fx * fx + fy * fy) * spacing * spacing <= r2 else ground
    return pixel


def waves(w, h, i):
    ramps = [("navy", "teal", "lime"), ("black", "purple", "orange"),
             ("brown", "orange", "cream"), ("grey", "sky", "white")]
    c0, c1, c2 = (PALETTE[c] for c in ramps[i])
    f1, f2, f3 = [(0.05, 0.07, 0.03), (0.09, 0.04, 0.06),
                  (0.03, 0.03, 0.08), (0.07, 0.11, 0.02)][i]
    levels = [6, 5, 7, 4][i]
    phase = [0.0, 1.0, 2.0, 3.0][i]
    lut = []
    for k in range(levels):
        t = k / (levels - 1)
        lut.append(_mix(c0, c1, t * 2) if t < 0.5 else _mix(c1, c2, t * 2 - 1))

    def pixel(x, y):
        v = (math.sin(x * f1 + phase) + math.sin(y * f2)
             + math.sin((x + y) * f3 + 2 * phase))  # -3 .. 3
        k = int((v + 3.0) / 6.0 * levels)
        return lut[min(max(k, 0), levels - 1)]
    return pixel


CLASSES = [("stripes", stripes), ("checkers", checkers), ("circles", circles),
           ("gradients", gradients), ("dots", dots), ("waves", waves)]
PER_CLASS = 4


def main(argv):
    out = os.path.abspath(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    total = 0
    count = 0
    for ci, (name, pattern) in enumerate(CLASSES):
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        for stale in sorted(os.listdir(folder)):
            if stale.endswith(".png"):
                os.remove(os.path.join(folder, stale))
        for i in range(PER_CLASS):
            w, h = SIZES[(ci + i) % len(SIZES)]
            path = os.path.join(folder, "%s-%02d.png" % (name, i + 1))
            size = write_png(path, w, h, render(w, h, pattern(w, h, i)))
            total += size
            count += 1
            print("%-40s %4dx%-4d %8d bytes" % (os.path.relpath(path, out), w, h, size))
    print("%d images, %d bytes in %s" % (count, total, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
