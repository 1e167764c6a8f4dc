"""Terrain height fields shared by every simulator backend, with exact height look-ups and ray casts in torch.

A height field is a regular grid of heights. Element ``heights[r, c]`` lies at world
``x = origin_x + c * resolution``, ``y = origin_y + r * resolution``. Between samples the surface
is the same pair of triangles per cell that MuJoCo collides with (split along the diagonal from
``(r, c)`` to ``(r + 1, c + 1)``), so a height read here equals the height the robot stands on.
Outside the grid the border height continues (the simulator has no ground there; keep robots inside).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


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


class TerrainSampler:
    """Height look-ups and downward ray casts against a plane (z = 0) or a :class:`HeightField`, in torch."""

    def __init__(self, heightfield: HeightField | None, device: torch.device | str = "cpu") -> None:
        self.device = torch.device(device)
        self.heightfield = heightfield
        if heightfield is not None:
            self.heights = torch.as_tensor(heightfield.heights, device=self.device)
            self.origin = torch.tensor(heightfield.origin, device=self.device, dtype=torch.float32)
            self.resolution = float(heightfield.resolution)

    def height_at(self, xy: Tensor) -> Tensor:
        """Terrain height under world points ``xy`` (..., 2); returns (...)."""
        if self.heightfield is None:
            return torch.zeros(xy.shape[:-1], device=xy.device, dtype=xy.dtype)
        nrow, ncol = self.heights.shape
        g = (xy - self.origin) / self.resolution
        gx = g[..., 0].clamp(0.0, ncol - 1 - 1e-6)
        gy = g[..., 1].clamp(0.0, nrow - 1 - 1e-6)
        c = gx.floor().long()
        r = gy.floor().long()
        u = gx - c
        v = gy - r
        h = self.heights
        h00 = h[r, c]
        h01 = h[r, c + 1]  # +x
        h10 = h[r + 1, c]  # +y
        h11 = h[r + 1, c + 1]
        lower = u >= v  # triangle (r,c), (r,c+1), (r+1,c+1)
        z_lower = h00 + u * (h01 - h00) + v * (h11 - h01)
        z_upper = h00 + v * (h10 - h00) + u * (h11 - h10)
        return torch.where(lower, z_lower, z_upper).to(xy.dtype)

    def ray_distance(self, origins: Tensor, directions: Tensor, max_distance: float, iterations: int = 10) -> Tensor:
        """Distance along downward rays to the terrain.

        Args:
            origins: (..., 3) ray starts in the world frame [m].
            directions: (..., 3) unit directions with a negative z component (broadcast against origins).
            max_distance: distances beyond this (or rays pointing up) return ``max_distance``.
            iterations: fixed-point refinements for tilted rays (vertical rays are exact after one).

        Returns:
            (...) distances [m].
        """
        directions = directions.expand_as(origins)
        dz = directions[..., 2]
        down = dz < -1e-6
        safe_dz = torch.where(down, dz, torch.full_like(dz, -1.0))
        t = torch.zeros_like(dz)
        for _ in range(iterations):
            p = origins[..., :2] + t.unsqueeze(-1) * directions[..., :2]
            t = (origins[..., 2] - self.height_at(p)) / (-safe_dz)
            if bool((directions[..., :2].abs() < 1e-9).all()):
                break
        t = torch.where(down & (t >= 0), t, torch.full_like(t, max_distance))
        return t.clamp(max=max_distance)
