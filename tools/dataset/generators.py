"""Procedural image families (numpy only), each `family(rng, size) -> float [size, size, 3]` in
[0, 1]. Every image draws all its parameters from its own RandomState, so an image depends only
on (family, seed) and a data set is byte-identical for the same seed.

Families:
  warp    domain-warped fBm value noise through a cosine palette (Quilez)
  flow    particles advected through a noise angle field, additive colour streaks
  flame   fractal flames: chaos game over random affine maps and nonlinear variations,
          log-density tone mapping
  rd      Gray-Scott reaction-diffusion patterns (spots, stripes, mazes) in a palette
  cells   stained glass: Voronoi cells with per-cell palette colour, shading and dark leads
  waves   interference of circular waves from a few sources, folded into a palette,
          optionally with kaleidoscopic symmetry
"""

from typing import Callable, Dict

import numpy as np

TAU = 2.0 * np.pi


def cosine_palette(rng: np.random.RandomState) -> Callable[[np.ndarray], np.ndarray]:
    """c(t) = a + b cos(2 pi (f t + phase)) per channel: smooth, saturated colour ramps."""
    a = rng.uniform(0.35, 0.65, 3)
    b = rng.uniform(0.3, 0.5, 3)
    f = rng.uniform(0.5, 1.5, 3) * rng.choice([1.0, 2.0])
    phase = rng.uniform(0.0, 1.0, 3)

    def palette(t: np.ndarray) -> np.ndarray:
        return np.clip(a + b * np.cos(TAU * (f * t[..., None] + phase)), 0.0, 1.0)
    return palette


def grid_coords(size: int) -> np.ndarray:
    """[2, size, size] pixel centres in [0, 1)."""
    t = (np.arange(size) + 0.5) / size
    return np.stack(np.meshgrid(t, t, indexing='xy'))


def value_noise(rng: np.random.RandomState, x: np.ndarray, y: np.ndarray,
                cells: int) -> np.ndarray:
    """Smooth periodic value noise in [-1, 1] on a random cells x cells lattice."""
    lattice = rng.uniform(-1.0, 1.0, (cells, cells))
    gx = x * cells
    gy = y * cells
    x0 = np.floor(gx).astype(np.int64)
    y0 = np.floor(gy).astype(np.int64)
    fx = gx - x0
    fy = gy - y0
    fx = fx * fx * (3.0 - 2.0 * fx)
    fy = fy * fy * (3.0 - 2.0 * fy)
    x0 %= cells
    y0 %= cells
    x1 = (x0 + 1) % cells
    y1 = (y0 + 1) % cells
    top = lattice[y0, x0] * (1 - fx) + lattice[y0, x1] * fx
    bottom = lattice[y1, x0] * (1 - fx) + lattice[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def fbm(rng: np.random.RandomState, x: np.ndarray, y: np.ndarray, base_cells: int,
        octaves: int, gain: float = 0.5) -> np.ndarray:
    total = np.zeros_like(x)
    amp = 1.0
    norm = 0.0
    for o in range(octaves):
        total += amp * value_noise(rng, x, y, base_cells * 2 ** o)
        norm += amp
        amp *= gain
    return total / norm


def downsample(img: np.ndarray, factor: int) -> np.ndarray:
    """Box filter (anti-aliasing of supersampled renders)."""
    if factor == 1:
        return img
    h, w, c = img.shape
    return img.reshape(h // factor, factor, w // factor, factor, c).mean(axis=(1, 3))


def warp(rng: np.random.RandomState, size: int) -> np.ndarray:
    x, y = grid_coords(size)
    base_cells = rng.randint(2, 4)
    octaves = 3
    strength = rng.uniform(0.15, 0.5)
    qx = fbm(rng, x, y, base_cells, octaves)
    qy = fbm(rng, x, y, base_cells, octaves)
    rx = fbm(rng, x + strength * qx, y + strength * qy, base_cells, octaves)
    ry = fbm(rng, x + strength * qx, y + strength * qy, base_cells, octaves)
    t = fbm(rng, x + strength * rx, y + strength * ry, base_cells, octaves)
    t = (t - t.min()) / (np.ptp(t) + 1e-6)
    t = t * rng.uniform(0.7, 1.6) + 0.4 * np.hypot(qx, ry)
    img = cosine_palette(rng)(t)
    # Dim where the warp folds tightly: depth in the creases.
    shade = 0.65 + 0.35 * np.clip(1.0 - np.abs(rx - ry), 0.0, 1.0)
    return img * shade[..., None]


def flow(rng: np.random.RandomState, size: int) -> np.ndarray:
    ss = 2
    res = size * ss
    base_cells = rng.randint(2, 5)
    angle_scale = rng.uniform(2.0, 6.0)
    field_seed = rng.randint(2 ** 31)
    lattice_rng = np.random.RandomState()
    n = 900
    steps = 90
    px = rng.uniform(0.0, 1.0, n)
    py = rng.uniform(0.0, 1.0, n)
    hue = rng.uniform(0.0, 1.0, n) * rng.uniform(0.2, 1.0)
    palette = cosine_palette(rng)
    colours = palette(hue)
    step = rng.uniform(0.002, 0.005)
    curl = rng.uniform(-1.0, 1.0)
    acc = np.zeros((res * res, 3))
    weight = np.zeros(res * res)
    for s in range(steps):
        # The same lattice every step: a fixed field.
        lattice_rng.seed(field_seed)
        a = angle_scale * fbm(lattice_rng, px, py, base_cells, 3) * TAU + curl * s * 0.02
        px = (px + step * np.cos(a)) % 1.0
        py = (py + step * np.sin(a)) % 1.0
        idx = (py * res).astype(np.int64) * res + (px * res).astype(np.int64)
        fade = 1.0 - abs(s / steps - 0.5)
        np.add.at(acc, idx, colours * fade)
        np.add.at(weight, idx, fade)
    bg = palette(np.array(rng.uniform(0.0, 1.0)))[None] * rng.uniform(0.1, 0.45)
    density = 1.0 - np.exp(-weight * rng.uniform(0.8, 2.0))
    col = acc / np.maximum(weight, 1e-6)[:, None]
    img = bg * (1.0 - density[:, None]) + col * density[:, None]
    return downsample(img.reshape(res, res, 3), ss)


def flame(rng: np.random.RandomState, size: int) -> np.ndarray:
    ss = 2
    res = size * ss
    maps = rng.randint(2, 5)
    affine = rng.uniform(-1.0, 1.0, (maps, 2, 3))
    variations = rng.randint(0, 5, maps)
    probs = rng.dirichlet(np.ones(maps))
    map_colour = rng.uniform(0.0, 1.0, maps)
    walkers = 4000
    iters = 60
    x = rng.uniform(-1, 1, walkers)
    y = rng.uniform(-1, 1, walkers)
    c = rng.uniform(0, 1, walkers)
    hist = np.zeros(res * res)
    colour = np.zeros(res * res)
    zoom = rng.uniform(0.35, 0.6)
    rot = rng.uniform(0, TAU)
    cr, sr = np.cos(rot), np.sin(rot)
    for it in range(iters):
        k = rng.choice(maps, walkers, p=probs)
        a = affine[k]
        u = a[:, 0, 0] * x + a[:, 0, 1] * y + a[:, 0, 2]
        v = a[:, 1, 0] * x + a[:, 1, 1] * y + a[:, 1, 2]
        r2 = u * u + v * v + 1e-6
        var = variations[k]
        nx = np.select([var == 0, var == 1, var == 2, var == 3],
                       [np.sin(u), u / r2, u * np.sin(r2) - v * np.cos(r2), (u - v) * (u + v) /
                        np.sqrt(r2)], u)
        ny = np.select([var == 0, var == 1, var == 2, var == 3],
                       [np.sin(v), v / r2, u * np.cos(r2) + v * np.sin(r2), 2 * u * v /
                        np.sqrt(r2)], v)
        x, y = np.clip(nx, -1e3, 1e3), np.clip(ny, -1e3, 1e3)
        c = 0.5 * (c + map_colour[k])
        if it >= 10:
            sx = (cr * x - sr * y) * zoom * 0.5 + 0.5
            sy = (sr * x + cr * y) * zoom * 0.5 + 0.5
            inside = (sx >= 0) & (sx < 1) & (sy >= 0) & (sy < 1)
            idx = (sy[inside] * res).astype(np.int64) * res + (sx[inside] * res).astype(np.int64)
            np.add.at(hist, idx, 1.0)
            np.add.at(colour, idx, c[inside])
    t = colour / np.maximum(hist, 1e-6)
    density = np.log1p(hist)
    density /= max(density.max(), 1e-6)
    density = density ** rng.uniform(0.4, 0.8)
    img = cosine_palette(rng)(t) * density[:, None]
    img = downsample(img.reshape(res, res, 3), ss)
    return np.clip(img * rng.uniform(1.0, 1.6), 0.0, 1.0)


# Gray-Scott (feed, kill) pairs from Pearson's classification: spots, stripes, mazes, worms.
RD_REGIMES = np.array([[0.035, 0.065], [0.030, 0.062], [0.025, 0.060], [0.039, 0.058],
                       [0.029, 0.057], [0.022, 0.051], [0.018, 0.051], [0.046, 0.063]])
RD_STEPS = 2500


def rd(rng: np.random.RandomState, size: int) -> np.ndarray:
    feed, kill = RD_REGIMES[rng.randint(len(RD_REGIMES))] + rng.uniform(-0.001, 0.001, 2)
    # A coarser simulation grid gives bigger features once resized to the image.
    grid = size * rng.choice([1, 2]) // 2 if size >= 64 else size
    u = np.ones((grid, grid))
    v = np.zeros((grid, grid))
    # Blobs of the (u, v) = (0.5, 0.25) state with a little noise grow into the pattern;
    # single pixels would diffuse away.
    x, y = grid_coords(grid)
    seeds = value_noise(rng, x, y, rng.randint(3, 8)) > rng.uniform(0.2, 0.5)
    u[seeds] = 0.5
    v[seeds] = 0.25
    u += rng.uniform(-0.02, 0.02, u.shape)
    v = np.clip(v + rng.uniform(-0.02, 0.02, v.shape), 0.0, 1.0)
    du, dv = 0.2097, 0.105
    for _ in range(RD_STEPS // (2 if grid < size else 1)):
        lu = np.roll(u, 1, 0) + np.roll(u, -1, 0) + np.roll(u, 1, 1) + np.roll(u, -1, 1) - 4 * u
        lv = np.roll(v, 1, 0) + np.roll(v, -1, 0) + np.roll(v, 1, 1) + np.roll(v, -1, 1) - 4 * v
        uvv = u * v * v
        u += du * lu - uvv + feed * (1 - u)
        v += dv * lv + uvv - (feed + kill) * v
    if grid < size:
        v = np.kron(v, np.ones((size // grid, size // grid)))
        v = (v + np.roll(v, 1, 0) + np.roll(v, 1, 1) + np.roll(np.roll(v, 1, 0), 1, 1)) / 4
    t = (v - v.min()) / (np.ptp(v) + 1e-6)
    x, y = grid_coords(size)
    t = t + 0.3 * rng.uniform(-1, 1) * (x * np.cos(rng.uniform(0, TAU)) + y)
    return cosine_palette(rng)(t)


def cells(rng: np.random.RandomState, size: int) -> np.ndarray:
    ss = 2
    res = size * ss
    x, y = grid_coords(res)
    n = rng.randint(8, 40)
    pts = rng.uniform(0, 1, (n, 2))
    # Distances on the torus so tiles wrap like a pattern.
    dx = np.abs(x[None] - pts[:, 0, None, None])
    dy = np.abs(y[None] - pts[:, 1, None, None])
    d = np.hypot(np.minimum(dx, 1 - dx), np.minimum(dy, 1 - dy))
    order = np.argsort(d, axis=0)
    nearest = order[0]
    d_sorted = np.take_along_axis(d, order[:2], axis=0)
    edge = d_sorted[1] - d_sorted[0]
    palette = cosine_palette(rng)
    cell_t = rng.uniform(0, 1, n) * rng.uniform(0.3, 1.0) + rng.uniform(0, 1)
    base = palette(cell_t)[nearest]
    glow = 1.0 - np.clip(d_sorted[0] * np.sqrt(n) * rng.uniform(0.6, 1.2), 0, 1)
    img = base * (0.55 + 0.45 * glow[..., None])
    lead = rng.uniform(0.006, 0.02)
    lead_mask = np.clip(edge / lead - 0.5, 0, 1)[..., None]
    lead_colour = palette(np.array(rng.uniform(0, 1)))[None, None] * rng.uniform(0.0, 0.25)
    img = img * lead_mask + lead_colour * (1 - lead_mask)
    return downsample(img, ss)


def waves(rng: np.random.RandomState, size: int) -> np.ndarray:
    x, y = grid_coords(size) - 0.5
    folds = rng.choice([1, 1, 3, 4, 5, 6, 8])
    if folds > 1:
        r = np.hypot(x, y)
        a = np.arctan2(y, x) % (TAU / folds)
        a = np.abs(a - np.pi / folds)
        x, y = r * np.cos(a), r * np.sin(a)
    sources = rng.randint(2, 6)
    field = np.zeros_like(x)
    for _ in range(sources):
        cx, cy = rng.uniform(-0.6, 0.6, 2)
        freq = rng.uniform(8, 40)
        field += np.sin(np.hypot(x - cx, y - cy) * freq + rng.uniform(0, TAU))
    field /= sources
    t = field * rng.uniform(0.5, 1.5) + np.hypot(x, y) * rng.uniform(0, 2)
    img = cosine_palette(rng)(t)
    vignette = 1.0 - rng.uniform(0.0, 0.8) * np.clip(np.hypot(x, y) * 1.4, 0, 1) ** 2
    return img * vignette[..., None]


FAMILIES: Dict[str, Callable[[np.random.RandomState, int], np.ndarray]] = {
    'warp': warp, 'flow': flow, 'flame': flame, 'rd': rd, 'cells': cells, 'waves': waves,
}


def render(family: str, seed: int, size: int) -> np.ndarray:
    """One image, uint8 [size, size, 3], a pure function of (family, seed, size)."""
    rng = np.random.RandomState(seed)
    img = FAMILIES[family](rng, size)
    return np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)
