"""Casting a terrain mesh to a height field: the highest surface under every grid point.

MuJoCo collides a mesh geom through its convex hull, so a terrain mesh must become a height field
before it reaches the simulator. The value at each grid point is what a vertical ray coming down
from above (or from ``max_height``) hits first: the highest triangle over that point. It is computed
by a vectorised rasteriser instead of ray casting: for each triangle, the grid points inside its
xy bounding box get a barycentric inside test and the plane's z there, and ``np.maximum.at`` keeps
the highest value per point. Triangles are processed in chunks of bounded size, so memory does not
grow with the mesh. Vertical faces cover no area in xy and contribute nothing; their top edges are
shared with the faces next to them, which do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import trimesh

from legged_gym.sim.heightfield import HeightField

# Barycentric tolerance of the inside test: grid points on a shared edge belong to both triangles.
_INSIDE_TOL = 1e-9
# |2 x xy area| (in grid cells squared) below which a triangle counts as vertical.
_DEGENERATE_AREA = 1e-12


def grid_shape(bounds: np.ndarray, resolution: float) -> tuple[int, int]:
    """(nrow, ncol) of a grid starting at ``bounds[0]`` with spacing ``resolution`` that stays inside ``bounds``.

    Args:
        bounds: ((xmin, ymin), (xmax, ymax)) [m].
        resolution: grid spacing [m].
    """
    span = np.asarray(bounds[1], dtype=np.float64) - np.asarray(bounds[0], dtype=np.float64)
    ncol, nrow = (np.floor(span / resolution + 1e-6).astype(np.int64) + 1).tolist()
    return int(nrow), int(ncol)


def mesh_to_heightfield(
    mesh: trimesh.Trimesh,
    resolution: float,
    bounds: Sequence[Sequence[float]] | np.ndarray | None = None,
    fill: str | float = "min",
    max_height: float | None = None,
    max_points_per_chunk: int = 1 << 18,
) -> HeightField:
    """The highest surface of ``mesh`` sampled on a regular xy grid.

    Args:
        mesh: a triangle mesh, z up.
        resolution: grid spacing [m] (0.025 to 0.05 m is usual for terrain).
        bounds: ((xmin, ymin), (xmax, ymax)) [m] of the grid; default: the mesh's xy bounds. The first
            sample is at (xmin, ymin); samples continue every ``resolution`` while inside the bounds.
        fill: height given to grid points under no triangle: ``"min"`` (the mesh's lowest vertex z) or a number [m].
        max_height: when given, surfaces above this z are ignored, as if each ray started at ``max_height``
            (removes ceilings and overhangs above the walkable ground).
        max_points_per_chunk: bound on (triangle, grid point) candidate pairs held in memory at once.

    Returns:
        A :class:`HeightField` with ``origin = (xmin, ymin)`` in the mesh's frame.

    Raises:
        ValueError: for a mesh without triangles, a non-positive resolution, bounds that hold fewer than
            2 x 2 samples, or an unknown ``fill``.
    """
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if len(faces) == 0:
        raise ValueError(f"mesh_to_heightfield: expected a mesh with triangles, got {len(faces)} faces")
    if not resolution > 0:
        raise ValueError(f"mesh_to_heightfield: expected a positive resolution [m], got {resolution}")
    if bounds is None:
        bounds_arr = np.stack([vertices[:, :2].min(axis=0), vertices[:, :2].max(axis=0)])
    else:
        bounds_arr = np.asarray(bounds, dtype=np.float64)
        if bounds_arr.shape != (2, 2) or not np.isfinite(bounds_arr).all():
            raise ValueError(
                f"mesh_to_heightfield: expected bounds ((xmin, ymin), (xmax, ymax)), got {bounds_arr.tolist()}"
            )
    nrow, ncol = grid_shape(bounds_arr, resolution)
    if nrow < 2 or ncol < 2:
        raise ValueError(
            f"mesh_to_heightfield: bounds {bounds_arr.tolist()} at resolution {resolution} m give a "
            f"{nrow}x{ncol} grid; expected at least 2x2 samples"
        )
    fill_value = _fill_value(fill, vertices)

    grid = np.full(nrow * ncol, -np.inf)
    origin = bounds_arr[0]
    rasterise_max(grid, nrow, ncol, vertices[faces], origin, resolution, max_height, max_points_per_chunk)
    grid[~np.isfinite(grid)] = fill_value
    return HeightField(
        heights=grid.reshape(nrow, ncol).astype(np.float32),
        origin=(float(origin[0]), float(origin[1])),
        resolution=float(resolution),
    )


def _fill_value(fill: str | float, vertices: np.ndarray) -> float:
    if isinstance(fill, str):
        if fill != "min":
            raise ValueError(f"mesh_to_heightfield: expected fill 'min' or a height [m], got {fill!r}")
        return float(vertices[:, 2].min())
    value = float(fill)
    if not np.isfinite(value):
        raise ValueError(f"mesh_to_heightfield: expected a finite fill height [m], got {fill!r}")
    return value


def rasterise_max(
    grid: np.ndarray,
    nrow: int,
    ncol: int,
    triangles: np.ndarray,
    origin: np.ndarray,
    resolution: float,
    max_height: float | None = None,
    max_points_per_chunk: int = 1 << 18,
) -> None:
    """Raise each grid point of ``grid`` to the highest triangle above it (in place).

    Args:
        grid: flat (nrow * ncol,) float64 array, row-major with rows along +y; start it at -inf.
        nrow, ncol: grid shape.
        triangles: (F, 3, 3) triangle corners [m].
        origin: (x, y) of grid point (0, 0) [m].
        resolution: grid spacing [m].
        max_height: ignore surface points above this z (None: no limit).
        max_points_per_chunk: bound on candidate points evaluated at once.
    """
    coef, zlo, zhi, boxes = _triangle_planes(triangles, origin, resolution, nrow, ncol, max_height)
    if len(coef) == 0:
        return
    tasks = _split_large_boxes(boxes, max_points_per_chunk)
    for chunk in _chunks(tasks, max_points_per_chunk):
        tri, c_lo, c_hi, r_lo, r_hi = chunk
        width = c_hi - c_lo + 1
        counts = width * (r_hi - r_lo + 1)
        total = int(counts.sum())
        task = np.repeat(np.arange(len(tri)), counts)
        k = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        w = width[task]
        col = c_lo[task] + k % w
        row = r_lo[task] + k // w
        t = tri[task]
        c = coef[t]  # (P, 3, 3): rows u, v, z; columns [d/dcol, d/drow, const]
        px = col.astype(np.float64)
        py = row.astype(np.float64)
        u = c[:, 0, 0] * px + c[:, 0, 1] * py + c[:, 0, 2]
        v = c[:, 1, 0] * px + c[:, 1, 1] * py + c[:, 1, 2]
        inside = (u >= -_INSIDE_TOL) & (v >= -_INSIDE_TOL) & (u + v <= 1.0 + _INSIDE_TOL)
        z = c[:, 2, 0] * px + c[:, 2, 1] * py + c[:, 2, 2]
        z = np.clip(z, zlo[t], zhi[t])  # tolerance at edges must not extrapolate steep faces
        if max_height is not None:
            inside &= z <= max_height
        idx = row[inside] * ncol + col[inside]
        np.maximum.at(grid, idx, z[inside])


def _triangle_planes(
    triangles: np.ndarray,
    origin: np.ndarray,
    resolution: float,
    nrow: int,
    ncol: int,
    max_height: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Affine barycentric/z coefficients in grid coordinates and clipped grid boxes of non-vertical triangles."""
    tri = np.asarray(triangles, dtype=np.float64)
    if max_height is not None:
        tri = tri[tri[:, :, 2].min(axis=1) <= max_height]
    g = (tri[:, :, :2] - np.asarray(origin, dtype=np.float64)) / resolution  # (F, 3, 2) grid coordinates
    a, b, cc = g[:, 0], g[:, 1], g[:, 2]
    e0 = b - a
    e1 = cc - a
    det = e0[:, 0] * e1[:, 1] - e1[:, 0] * e0[:, 1]
    lo = np.ceil(g.min(axis=1) - 1e-9).astype(np.int64)
    hi = np.floor(g.max(axis=1) + 1e-9).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, np.array([ncol - 1, nrow - 1]))
    keep = (np.abs(det) > _DEGENERATE_AREA) & (hi >= lo).all(axis=1)
    tri, a, e0, e1, det, lo, hi = tri[keep], a[keep], e0[keep], e1[keep], det[keep], lo[keep], hi[keep]
    inv = 1.0 / det
    # u (weight of corner b) = ((p - a) x e1) / det, v (weight of corner c) = (e0 x (p - a)) / det
    du = np.stack([e1[:, 1] * inv, -e1[:, 0] * inv], axis=1)
    dv = np.stack([-e0[:, 1] * inv, e0[:, 0] * inv], axis=1)
    cu = -(du * a).sum(axis=1)
    cv = -(dv * a).sum(axis=1)
    za = tri[:, 0, 2]
    dzb = tri[:, 1, 2] - za
    dzc = tri[:, 2, 2] - za
    dz = du * dzb[:, None] + dv * dzc[:, None]
    cz = za + cu * dzb + cv * dzc
    coef = np.stack(
        [
            np.column_stack([du, cu]),
            np.column_stack([dv, cv]),
            np.column_stack([dz, cz]),
        ],
        axis=1,
    )
    boxes = np.column_stack([lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1]])  # c_lo, c_hi, r_lo, r_hi
    return coef, tri[:, :, 2].min(axis=1), tri[:, :, 2].max(axis=1), boxes


def _split_large_boxes(boxes: np.ndarray, limit: int) -> tuple[np.ndarray, ...]:
    """Tasks (triangle, c_lo, c_hi, r_lo, r_hi); boxes over ``limit`` points are cut into row bands."""
    c_lo, c_hi, r_lo, r_hi = boxes.T
    width = c_hi - c_lo + 1
    height = r_hi - r_lo + 1
    rows_per_task = np.maximum(limit // width, 1)
    pieces = -(-height // rows_per_task)
    tri = np.repeat(np.arange(len(boxes)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    band = np.arange(len(tri)) - first
    start = r_lo[tri] + band * rows_per_task[tri]
    stop = np.minimum(start + rows_per_task[tri] - 1, r_hi[tri])
    return tri, c_lo[tri], c_hi[tri], start, stop


def _chunks(tasks: tuple[np.ndarray, ...], limit: int) -> Iterator[tuple[np.ndarray, ...]]:
    """Consecutive groups of tasks holding at most about ``limit`` candidate points each."""
    tri, c_lo, c_hi, r_lo, r_hi = tasks
    counts = (c_hi - c_lo + 1) * (r_hi - r_lo + 1)
    ends = np.cumsum(counts)
    start = 0
    while start < len(tri):
        base = ends[start] - counts[start]
        stop = int(np.searchsorted(ends, base + limit, side="right"))
        stop = max(stop, start + 1)
        yield tri[start:stop], c_lo[start:stop], c_hi[start:stop], r_lo[start:stop], r_hi[start:stop]
        start = stop
