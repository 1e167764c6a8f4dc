"""Flat and rough square terrains for motion clips captured on flat ground (AMASS, LaFan).

The seed pairs such clips with 9 m x 9 m terrain meshes centred at the origin: a flat one and rough
ones of difficulty 1 to 4 with heights within +-1, +-3.5, +-10 and +-12.5 cm, made of multi-octave
bilinear noise. We build the equivalent height fields directly (no mesh) to the same statistics:
for difficulty d > 0 the heights span exactly [-A_d, +A_d].
"""

from __future__ import annotations

import numpy as np

from legged_gym.sim.heightfield import HeightField

MAX_TERRAIN_CELLS = 16_000_000  # height samples of one terrain grid by default (64 MB as float32)


def check_cells(nrow: int, ncol: int, resolution: float, source: str, max_cells: int = MAX_TERRAIN_CELLS) -> None:
    """Refuse a grid of more than ``max_cells`` samples before anything is allocated (a tiny file can describe a
    huge extent); the message names the source, the extent, the count, the limit and the knobs."""
    cells = int(nrow) * int(ncol)
    if cells > max_cells:
        raise ValueError(
            f"{source}: a {(ncol - 1) * resolution:.0f} m x {(nrow - 1) * resolution:.0f} m terrain at {resolution} m "
            f"resolution needs {cells:,} height samples ({cells * 4 / 1e9:.1f} GB), more than the limit of "
            f"{max_cells:,} (deepmimic.max_terrain_cells); raise the limit or coarsen deepmimic.terrain_resolution"
        )


# Peak height A_d [m] of each difficulty: heights lie in [-A_d, +A_d].
AMASS_ROUGH_AMPLITUDE: dict[int, float] = {0: 0.0, 1: 0.01, 2: 0.035, 3: 0.10, 4: 0.125}
# Noise octaves: lattice wavelength [m] and relative weight.
_OCTAVES: tuple[tuple[float, float], ...] = ((2.0, 1.0), (1.0, 0.5), (0.5, 0.25), (0.25, 0.125))


def _centred_grid(
    size_xy: tuple[float, float], resolution: float, max_cells: int = MAX_TERRAIN_CELLS, source: str = "terrain"
) -> tuple[int, int, tuple[float, float]]:
    """(nrow, ncol, origin) of a grid about the origin covering ``size_xy`` (rounded to whole samples)."""
    if not resolution > 0:
        raise ValueError(f"terrain resolution: expected a positive spacing [m], got {resolution}")
    sx, sy = (float(s) for s in size_xy)
    if not (np.isfinite(sx) and np.isfinite(sy)):
        raise ValueError(f"{source}: expected a finite extent, got {tuple(size_xy)}")
    ncol = int(round(sx / resolution)) + 1
    nrow = int(round(sy / resolution)) + 1
    check_cells(nrow, ncol, resolution, source, max_cells)
    if ncol < 2 or nrow < 2:
        raise ValueError(
            f"terrain size_xy {tuple(size_xy)} at resolution {resolution} m: expected at least one "
            f"resolution step along x and y, got a {nrow}x{ncol} grid"
        )
    origin = (-(ncol - 1) * resolution / 2, -(nrow - 1) * resolution / 2)
    return nrow, ncol, origin


def flat_terrain(size_xy: tuple[float, float] = (9.0, 9.0), resolution: float = 0.05) -> HeightField:
    """A flat height field at z = 0 of ``size_xy`` [m] centred at the origin."""
    nrow, ncol, origin = _centred_grid(size_xy, resolution)
    return HeightField(heights=np.zeros((nrow, ncol), np.float32), origin=origin, resolution=float(resolution))


def _value_noise(x: np.ndarray, y: np.ndarray, wavelength: float, rng: np.random.Generator) -> np.ndarray:
    """Random values on a lattice of spacing ``wavelength`` [m], bilinearly interpolated at grid (x, y)."""
    x0, y0 = x.min(), y.min()
    nx = int(np.ceil((x.max() - x0) / wavelength)) + 2
    ny = int(np.ceil((y.max() - y0) / wavelength)) + 2
    lattice = rng.uniform(-1.0, 1.0, size=(ny, nx))
    gx = (x - x0) / wavelength
    gy = (y - y0) / wavelength
    ix = np.minimum(np.floor(gx).astype(np.int64), nx - 2)
    iy = np.minimum(np.floor(gy).astype(np.int64), ny - 2)
    fx = (gx - ix)[None, :]
    fy = (gy - iy)[:, None]
    a = lattice[np.ix_(iy, ix)]
    b = lattice[np.ix_(iy, ix + 1)]
    c = lattice[np.ix_(iy + 1, ix)]
    d = lattice[np.ix_(iy + 1, ix + 1)]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def make_amass_rough_terrain(
    difficulty: int, size_xy: tuple[float, float] = (9.0, 9.0), resolution: float = 0.05, seed: int = 0,
    max_cells: int = MAX_TERRAIN_CELLS, source: str = "generated terrain",
) -> HeightField:
    """The seed's AMASS terrain of ``difficulty`` as a height field centred at the origin.

    Args:
        difficulty: 0 (flat) to 4; heights span [-A, +A] with A = 0, 1, 3.5, 10, 12.5 cm.
        size_xy: extent (x, y) [m]; rounded to whole samples.
        resolution: grid spacing [m].
        seed: noise seed (same seed, same terrain).

    Raises:
        ValueError: for a difficulty outside 0..4 or a grid smaller than 2 x 2.
    """
    if difficulty not in AMASS_ROUGH_AMPLITUDE:
        raise ValueError(
            f"make_amass_rough_terrain: expected difficulty in {sorted(AMASS_ROUGH_AMPLITUDE)}, got {difficulty!r}"
        )
    nrow, ncol, origin = _centred_grid(size_xy, resolution, max_cells, source)
    amplitude = AMASS_ROUGH_AMPLITUDE[difficulty]
    if amplitude == 0.0:
        return HeightField(np.zeros((nrow, ncol), np.float32), origin, float(resolution))
    x = origin[0] + np.arange(ncol) * resolution
    y = origin[1] + np.arange(nrow) * resolution
    rng = np.random.default_rng([seed, difficulty])
    noise = sum(weight * _value_noise(x, y, wavelength, rng) for wavelength, weight in _OCTAVES)
    lo, hi = float(noise.min()), float(noise.max())
    heights = (noise - (lo + hi) / 2) / max((hi - lo) / 2, 1e-12) * amplitude
    return HeightField(heights=heights.astype(np.float32), origin=origin, resolution=float(resolution))


def make_rough_heightfield(
    size: tuple[float, float], resolution: float, roughness: float, smoothing: int, seed: int
) -> HeightField:
    """The velocity tasks' ``terrain.mesh_type="heightfield"``: a grid centred on the origin with uniform random
    bumps of ``roughness`` metres peak to peak, smoothed by ``smoothing`` 3x3 box-filter passes (same seed, same
    terrain)."""
    nrow, ncol, origin = _centred_grid(size, resolution)
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.0, 1.0, size=(nrow, ncol))
    for _ in range(max(0, smoothing)):
        padded = np.pad(h, 1, mode="edge")
        h = sum(padded[1 + dy : 1 + dy + nrow, 1 + dx : 1 + dx + ncol] for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9.0
    span = h.max() - h.min()
    h = (h - h.min()) / (span if span > 0 else 1.0) * roughness
    return HeightField(heights=h.astype(np.float32), origin=origin, resolution=float(resolution))
