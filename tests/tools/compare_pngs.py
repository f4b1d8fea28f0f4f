#!/usr/bin/env python3
"""Compares PNGs with expected uint8 images: each pixel channel may differ by at most 1 level
(float rounding on the way to uint8).

    compare_pngs.py EXPECTED_DIR PNG_DIR

EXPECTED_DIR holds NAME.npy ([H, W, 3] uint8); PNG_DIR must hold NAME.png for each, and no
other PNG. Prints one line per image; exit 1 on any mismatch.
"""

import os
import struct
import sys
import zlib

import numpy as np


def read_png(path: str) -> np.ndarray:
    """8-bit RGB/RGBA non-interlaced PNG -> uint8 [H, W, C] (enough for what autolume writes)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError(f'{path}: not a PNG')
    pos = 8
    idat = b''
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack('>I', data[pos:pos + 4])
        tag = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if tag == b'IHDR':
            width, height, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f'{path}: unsupported PNG (depth {depth}, colour {colour})')
            channels = 3 if colour == 2 else 4
        elif tag == b'IDAT':
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros([height, stride], dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 0:
                pred = 0
            elif kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) // 2
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise ValueError(f'{path}: bad filter type {kind}')
            cur[x] = (line[x] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out.astype(np.uint8).reshape(height, width, channels)


def main() -> int:
    expected_dir, png_dir = sys.argv[1], sys.argv[2]
    names = sorted(n[:-4] for n in os.listdir(expected_dir) if n.endswith('.npy'))
    if not os.path.isdir(png_dir):
        print(f'FAIL {png_dir}: no such folder')
        return 1
    pngs = sorted(n[:-4] for n in os.listdir(png_dir) if n.endswith('.png'))
    ok = pngs == names
    if not ok:
        print(f'FAIL {png_dir}: PNGs {pngs}, expected {names}')
    for name in names:
        want = np.load(os.path.join(expected_dir, name + '.npy'))
        path = os.path.join(png_dir, name + '.png')
        if not os.path.exists(path):
            continue
        got = read_png(path)
        if got.shape != want.shape:
            print(f'FAIL {path}: shape {got.shape}, expected {want.shape}')
            ok = False
            continue
        diff = np.abs(got.astype(np.int32) - want.astype(np.int32))
        worst = int(diff.max())
        off = int((diff > 0).sum())
        status = 'ok  ' if worst <= 1 else 'FAIL'
        ok &= worst <= 1
        print(f'{status} {path}: max diff {worst} levels, {off} of {diff.size} values differ')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
