"""Terrain height fields shared by every simulator backend, with exact height look-ups and ray casts in torch.

A height field is a regular grid of heights. Element ``heights[r, c]`` lies at world
``x = origin_x + c * resolution``, ``y = origin_y + r * resolution``. Between samples the surface
is the same pair of triangles per cell that MuJoCo collides with (split along the diagonal from
``(r, c)`` to ``(r + 1, c + 1)``), so a height read here equals the height the robot stands on.
Outside the grid the border height continues (the simulator has no ground there; keep robots inside).
"""

from __future__ import annotations

import torch
from torch import Tensor

from legged_gym.sim.hfield import HeightField

__all__ = ["HeightField", "TerrainSampler"]


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
