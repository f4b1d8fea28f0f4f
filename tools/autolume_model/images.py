"""Reading a folder of training images into one uint8 array, without an imaging library.

8-bit non-interlaced PNGs (grey, grey + alpha, RGB, RGBA) already at the training size are
decoded here with zlib (the procedural data set is written that way). Anything else (JPEG,
palette or 16-bit PNG, other sizes, ...) goes through ImageMagick's `convert`, which scales the
image to cover SIZE x SIZE and crops the centre."""

import os
import shutil
import struct
import subprocess
import zlib
from typing import List, Optional

import numpy as np

EXTENSIONS = ('.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff')
CHANNELS = {0: 1, 4: 2, 2: 3, 6: 4}  # PNG colour type -> samples per pixel


def _unfilter(raw: bytes, height: int, width: int, bpp: int) -> np.ndarray:
    stride = width * bpp
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    pos = 0
    for y in range(height):
        ftype = raw[pos]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=pos + 1).astype(np.int32)
        pos += stride + 1
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        elif ftype in (1, 3, 4):
            # Left-dependent filters: one pass per pixel (rows are short).
            cur = line.copy()
            for x in range(stride):
                left = cur[x - bpp] if x >= bpp else 0
                up = prev[x]
                if ftype == 1:
                    pred = left
                elif ftype == 3:
                    pred = (left + up) >> 1
                else:
                    up_left = prev[x - bpp] if x >= bpp else 0
                    p = left + up - up_left
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                    pred = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                cur[x] = (cur[x] + pred) & 0xFF
        else:
            raise ValueError(f'bad PNG filter type {ftype}')
        out[y] = cur
        prev = cur
    return out


def read_png(path: str) -> Optional[np.ndarray]:
    """uint8 [H, W, 3] for an 8-bit non-interlaced grey/RGB(A) PNG; None for other PNGs."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    pos = 8
    idat = []
    header = None
    while pos < len(data):
        length, tag = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if tag == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif tag == b'IDAT':
            idat.append(body)
        elif tag == b'IEND':
            break
        pos += 12 + length
    if header is None:
        return None
    width, height, depth, ctype, _, _, interlace = header
    if depth != 8 or interlace != 0 or ctype not in CHANNELS:
        return None
    bpp = CHANNELS[ctype]
    pixels = _unfilter(zlib.decompress(b''.join(idat)), height, width, bpp)
    pixels = pixels.reshape(height, width, bpp)
    if bpp <= 2:
        return np.repeat(pixels[..., :1], 3, axis=2)
    return np.ascontiguousarray(pixels[..., :3])


def convert_image(path: str, size: int) -> np.ndarray:
    """Any format ImageMagick reads -> uint8 [size, size, 3] (cover, centre crop)."""
    tool = shutil.which('convert', path='/usr/bin') or shutil.which('convert')
    if tool is None:
        raise RuntimeError(f'{path}: needs ImageMagick (convert) to read it')
    cmd = [tool, path + '[0]', '-auto-orient', '-resize', f'{size}x{size}^', '-gravity',
           'center', '-extent', f'{size}x{size}', '-colorspace', 'sRGB', '-depth', '8', 'rgb:-']
    data = subprocess.run(cmd, check=True, capture_output=True).stdout
    if len(data) != size * size * 3:
        raise RuntimeError(f'{path}: convert gave {len(data)} bytes')
    return np.frombuffer(data, dtype=np.uint8).reshape(size, size, 3)


def list_images(folder: str) -> List[str]:
    paths = []
    for root, _, files in os.walk(folder):
        paths += [os.path.join(root, f) for f in files if f.lower().endswith(EXTENSIONS)]
    return sorted(paths)


def load_folder(folder: str, size: int, limit: int = 0) -> np.ndarray:
    """uint8 [N, 3, size, size] of every image under folder (sorted paths; limit > 0: the
    first `limit`)."""
    paths = list_images(folder)
    if limit > 0:
        paths = paths[:limit]
    if not paths:
        raise RuntimeError(f'{folder}: no images ({", ".join(EXTENSIONS)})')
    out = np.empty((len(paths), 3, size, size), dtype=np.uint8)
    for i, path in enumerate(paths):
        img = read_png(path) if path.lower().endswith('.png') else None
        if img is None or img.shape[:2] != (size, size):
            img = convert_image(path, size)
        out[i] = img.transpose(2, 0, 1)
    return out
