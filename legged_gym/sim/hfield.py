"""A terrain height grid and its MuJoCo geom: numpy and mujoco only, shared by the training scene and deployment.

A height field is a regular grid of heights. Element ``heights[r, c]`` lies at world
``x = origin_x + c * resolution``, ``y = origin_y + r * resolution``; between samples the surface is the pair of
triangles per cell that MuJoCo collides with (:mod:`legged_gym.sim.heightfield` samples it exactly in torch).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

__all__ = ["HeightField", "add_hfield_geom"]


@dataclass
class HeightField:
    """A terrain height grid in world coordinates.

    Attributes:
        heights: (nrow, ncol) float32 heights [m]; rows run along +y, columns along +x.
        origin: world (x, y) of ``heights[0, 0]`` [m].
        resolution: spacing between samples [m].
    """

    heights: np.ndarray
    origin: tuple[float, float]
    resolution: float

    def __post_init__(self) -> None:
        self.heights = np.ascontiguousarray(self.heights, dtype=np.float32)
        if self.heights.ndim != 2 or min(self.heights.shape) < 2:
            raise ValueError(f"height field must be a 2-D grid of at least 2x2 samples, got {self.heights.shape}")
        if not np.isfinite(self.heights).all():
            raise ValueError("height field contains NaN or infinite heights")
        if self.resolution <= 0:
            raise ValueError(f"height field resolution must be positive, got {self.resolution}")

    @property
    def size_xy(self) -> tuple[float, float]:
        """Extent (x, y) covered by the grid [m]."""
        nrow, ncol = self.heights.shape
        return ((ncol - 1) * self.resolution, (nrow - 1) * self.resolution)

    @property
    def center_xy(self) -> tuple[float, float]:
        """World (x, y) of the grid centre [m]."""
        sx, sy = self.size_xy
        return (self.origin[0] + sx / 2, self.origin[1] + sy / 2)


def add_hfield_geom(spec: mujoco.MjSpec, heightfield: HeightField, friction: float, name: str) -> mujoco.MjsGeom:
    """Add ``heightfield`` to the world of ``spec`` as a height field asset and a geom named ``name``."""
    h = heightfield.heights
    nrow, ncol = h.shape
    lo, hi = float(h.min()), float(h.max())
    elevation = max(hi - lo, 1e-4)
    sx, sy = heightfield.size_xy
    cx, cy = heightfield.center_xy
    spec.add_hfield(
        name=f"{name}_hfield",
        nrow=nrow,
        ncol=ncol,
        size=[sx / 2, sy / 2, elevation, 0.5],
        userdata=((h - lo) / elevation).astype(np.float32).ravel().tolist(),
    )
    return spec.worldbody.add_geom(
        name=name,
        type=mujoco.mjtGeom.mjGEOM_HFIELD,
        hfieldname=f"{name}_hfield",
        pos=[cx, cy, lo],
        friction=[friction, 0.005, 0.0001],
    )
