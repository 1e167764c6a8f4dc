"""Triangle meshes for the viewer: the robot's geoms (from :func:`legged_gym.sim.robot_info.robot_geoms`) and the
terrain height field, with the same two triangles per cell that the simulator collides with."""

from __future__ import annotations

import math

import numpy as np
import trimesh

from legged_gym.sim.heightfield import HeightField
from legged_gym.sim.robot_info import GeomInfo

__all__ = ["geom_mesh", "heightfield_mesh"]


def geom_mesh(geom: GeomInfo) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (V, 3) float32, faces (F, 3) uint32) of a geom in its own frame (MuJoCo's conventions: capsules and
    cylinders along z, ``size`` as in ``GeomInfo``).

    Raises:
        ValueError: A geom type that has no mesh here (planes), or a mesh geom without vertex data.
    """
    s = np.asarray(geom.size, dtype=float)
    if geom.type == "box":
        mesh = trimesh.creation.box(extents=2.0 * s)
    elif geom.type == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=2, radius=float(s[0]))
    elif geom.type == "ellipsoid":
        mesh = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
        mesh.apply_scale(s)
    elif geom.type == "capsule":
        mesh = trimesh.creation.capsule(height=2.0 * float(s[1]), radius=float(s[0]), count=[12, 12])
    elif geom.type == "cylinder":
        mesh = trimesh.creation.cylinder(radius=float(s[0]), height=2.0 * float(s[1]), sections=16)
    elif geom.type == "mesh":
        if geom.vertices is None or geom.faces is None:
            raise ValueError(f"mesh geom of body '{geom.body}' has no vertex data")
        return geom.vertices.astype(np.float32), geom.faces.astype(np.uint32)
    else:
        raise ValueError(f"geom of body '{geom.body}': type '{geom.type}' cannot be drawn "
                         "(expected box, sphere, ellipsoid, capsule, cylinder or mesh)")
    return np.asarray(mesh.vertices, dtype=np.float32), np.asarray(mesh.faces, dtype=np.uint32)


def heightfield_mesh(hf: HeightField, max_cells: int = 250_000) -> tuple[np.ndarray, np.ndarray]:
    """(vertices, faces) of a height field in world coordinates.

    Sample ``heights[r, c]`` is the vertex at ``(origin_x + c * res, origin_y + r * res)``; each cell is split along
    its diagonal from ``(r, c)`` to ``(r + 1, c + 1)``, faces counter-clockwise seen from above. Grids with more than
    ``max_cells`` cells are drawn from every k-th sample (the last row and column are always kept).
    """
    nrow, ncol = hf.heights.shape
    stride = max(1, math.ceil(math.sqrt((nrow - 1) * (ncol - 1) / max_cells)))
    rows = np.unique(np.r_[np.arange(0, nrow, stride), nrow - 1])
    cols = np.unique(np.r_[np.arange(0, ncol, stride), ncol - 1])
    h = hf.heights[np.ix_(rows, cols)]
    x = hf.origin[0] + cols * hf.resolution
    y = hf.origin[1] + rows * hf.resolution
    gx, gy = np.meshgrid(x, y)
    vertices = np.stack([gx, gy, h], axis=-1).reshape(-1, 3).astype(np.float32)
    nr, nc = h.shape
    idx = np.arange(nr * nc, dtype=np.uint32).reshape(nr, nc)
    a, b = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()  # (r, c), (r, c + 1)
    c, d = idx[1:, 1:].ravel(), idx[1:, :-1].ravel()  # (r + 1, c + 1), (r + 1, c)
    faces = np.concatenate([np.stack([a, b, c], axis=1), np.stack([a, c, d], axis=1)])
    return vertices, faces
