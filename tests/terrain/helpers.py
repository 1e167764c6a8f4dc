"""Meshes built in code and a reference ray caster for the terrain tests."""

from __future__ import annotations

import numpy as np
import trimesh
from trimesh.ray.ray_triangle import ray_triangle_id


def grid_mesh(
    nx: int,
    ny: int,
    size: tuple[float, float],
    z: np.ndarray,
    rng: np.random.Generator,
    yaw: float = 0.0,
    offset: tuple[float, float] = (0.0, 0.0),
) -> trimesh.Trimesh:
    """A bumpy surface of (ny, nx) vertices with heights ``z``.

    Quad diagonals and face order are random; the surface is turned by ``yaw`` about z, then shifted by ``offset``.
    """
    x, y = np.meshgrid(np.linspace(0, size[0], nx), np.linspace(0, size[1], ny))
    c, s = np.cos(yaw), np.sin(yaw)
    xr, yr = c * x - s * y + offset[0], s * x + c * y + offset[1]
    vertices = np.column_stack([xr.ravel(), yr.ravel(), np.asarray(z).ravel()])
    idx = np.arange(nx * ny).reshape(ny, nx)
    a, b, cc, d = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel(), idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
    flip = rng.random(len(a)) < 0.5
    t1 = np.where(flip[:, None], np.column_stack([a, b, d]), np.column_stack([a, b, cc]))
    t2 = np.where(flip[:, None], np.column_stack([b, cc, d]), np.column_stack([a, cc, d]))
    faces = np.concatenate([t1, t2])
    return trimesh.Trimesh(vertices, faces[rng.permutation(len(faces))], process=False)


def step_mesh(height: float = 0.2, half: float = 2.0) -> trimesh.Trimesh:
    """Ground (a slab with its top at z = 0) for x < 0 and a platform ``height`` high for x > 0, as closed boxes."""
    slab = trimesh.creation.box(extents=(2 * half, 2 * half, 0.5))
    slab.apply_translation((0.0, 0.0, -0.25))
    platform = trimesh.creation.box(extents=(half, 2 * half, height))
    platform.apply_translation((half / 2, 0.0, height / 2))
    return trimesh.util.concatenate([slab, platform])


class _EveryTriangle:
    """Broad phase for trimesh's ray-triangle test without rtree: every triangle is a candidate."""

    def __init__(self, mesh: trimesh.Trimesh) -> None:
        self.bounds = np.asarray(mesh.bounds, dtype=np.float64).ravel()
        self._n = len(mesh.faces)

    def intersection(self, bounds: object) -> range:
        return range(self._n)


def highest_hit(mesh: trimesh.Trimesh, xy: np.ndarray, z_start: float = 100.0) -> np.ndarray:
    """z of the highest intersection of a vertical ray at each ``xy`` with ``mesh`` (NaN: no hit), by trimesh."""
    origins = np.column_stack([xy, np.full(len(xy), z_start)])
    directions = np.tile([0.0, 0.0, -1.0], (len(xy), 1))
    try:
        import rtree  # noqa: F401

        locations, index_ray, _ = mesh.ray.intersects_location(origins, directions, multiple_hits=True)
    except ImportError:  # trimesh's own intersection maths, with a brute-force broad phase
        _, index_ray, locations = ray_triangle_id(mesh.triangles, origins, directions, tree=_EveryTriangle(mesh))
    top = np.full(len(xy), np.nan)
    if len(index_ray):
        top_hits = np.full(len(xy), -np.inf)
        np.maximum.at(top_hits, index_ray, locations[:, 2])
        top = np.where(np.isfinite(top_hits), top_hits, np.nan)
    return top


def distance_to_edges_xy(mesh: trimesh.Trimesh, xy: np.ndarray) -> np.ndarray:
    """Distance in xy from each point to the nearest mesh edge."""
    seg = mesh.vertices[mesh.edges_unique][:, :, :2]  # (E, 2, 2)
    a, b = seg[None, :, 0], seg[None, :, 1]
    p = xy[:, None, :]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-300), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[..., None] * ab), axis=-1).min(axis=1)


def grid_xy(hf) -> np.ndarray:
    """(nrow, ncol, 2) world xy of every sample of a HeightField."""
    nrow, ncol = hf.heights.shape
    x = hf.origin[0] + np.arange(ncol) * hf.resolution
    y = hf.origin[1] + np.arange(nrow) * hf.resolution
    return np.stack(np.meshgrid(x, y), axis=-1)
