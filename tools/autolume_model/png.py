"""Minimal PNG writer (numpy + zlib) for previews, so the tools need no imaging library."""

import struct
import zlib

import numpy as np


def _chunk(tag: bytes, data: bytes) -> bytes:
    body = tag + data
    return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path: str, rgb: np.ndarray) -> None:
    """rgb: uint8 [H, W, 3]."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError('write_png wants uint8 [H, W, 3]')
    h, w, _ = rgb.shape
    raw = b''.join(b'\x00' + rgb[y].tobytes() for y in range(h))  # filter type 0 per row
    header = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n')
        f.write(_chunk(b'IHDR', header))
        f.write(_chunk(b'IDAT', zlib.compress(raw, 6)))
        f.write(_chunk(b'IEND', b''))


def to_uint8(img: np.ndarray) -> np.ndarray:
    """[3, H, W] float in about [-1, 1] -> [H, W, 3] uint8, as the official generate.py."""
    return np.clip(img * 127.5 + 128, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def grid(images: np.ndarray, cols: int, pad: int = 2) -> np.ndarray:
    """[N, 3, H, W] float -> one uint8 [rows * (H + pad), cols * (W + pad), 3] picture."""
    n, _, h, w = images.shape
    rows = (n + cols - 1) // cols
    out = np.zeros([rows * (h + pad), cols * (w + pad), 3], dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = to_uint8(images[i])
    return out
