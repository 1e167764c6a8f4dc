"""Terrain generation for the velocity tasks: a plane or a randomly bumped height field."""

from __future__ import annotations

import numpy as np

from legged_gym.sim.heightfield import HeightField


def make_rough_heightfield(
    size: tuple[float, float], resolution: float, roughness: float, smoothing: int, seed: int
) -> HeightField:
    """A height field centred on the origin with uniform random bumps of ``roughness`` metres peak to peak.

    Args:
        size: (x, y) extent [m].
        resolution: grid spacing [m].
        roughness: peak-to-peak height of the bumps [m].
        smoothing: number of 3x3 box-filter passes over the raw noise.
        seed: random seed (the same seed gives the same terrain).
    """
    ncol = int(round(size[0] / resolution)) + 1
    nrow = int(round(size[1] / resolution)) + 1
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.0, 1.0, size=(nrow, ncol))
    for _ in range(max(0, smoothing)):
        padded = np.pad(h, 1, mode="edge")
        h = sum(padded[1 + dy : 1 + dy + nrow, 1 + dx : 1 + dx + ncol] for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9.0
    span = h.max() - h.min()
    h = (h - h.min()) / (span if span > 0 else 1.0) * roughness
    origin = (-(ncol - 1) * resolution / 2, -(nrow - 1) * resolution / 2)
    return HeightField(heights=h.astype(np.float32), origin=origin, resolution=resolution)
