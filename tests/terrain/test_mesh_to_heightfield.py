"""The rasteriser against trimesh's ray casting, overhangs, fill, bounds, chunking and speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
import trimesh

from legged_gym.terrain import mesh_to_heightfield
from tests.terrain.helpers import distance_to_edges_xy, grid_mesh, grid_xy, highest_hit


def _bumpy(seed: int = 0) -> trimesh.Trimesh:
    rng = np.random.default_rng(seed)
    return grid_mesh(13, 9, (3.0, 2.0), rng.uniform(-0.4, 0.4, (9, 13)), rng, yaw=0.3, offset=(0.2, -0.7))


def test_matches_trimesh_ray_casting_away_from_edges():
    mesh = _bumpy()
    hf = mesh_to_heightfield(mesh, 0.03)
    xy = grid_xy(hf).reshape(-1, 2)
    rng = np.random.default_rng(1)
    pick = rng.choice(len(xy), 1500, replace=False)
    pick = pick[distance_to_edges_xy(mesh, xy[pick]) > 1e-4]
    expected = highest_hit(mesh, xy[pick])
    ours = hf.heights.reshape(-1)[pick].astype(np.float64)
    hit = ~np.isnan(expected)
    assert hit.sum() > 300 and (~hit).sum() > 50  # the turned mesh leaves grid corners uncovered
    np.testing.assert_allclose(ours[hit], expected[hit], atol=1e-5)
    assert np.all(ours[~hit] == np.float32(mesh.vertices[:, 2].min()))  # fill="min"


def test_overhang_highest_surface_wins():
    ground = trimesh.creation.box(extents=(4.0, 4.0, 0.2))
    ground.apply_translation((0.0, 0.0, -0.1))  # top at z = 0
    roof = trimesh.creation.box(extents=(1.0, 1.0, 0.1))
    roof.apply_translation((0.5, 0.0, 1.45))  # top at z = 1.5, floating over the ground
    for parts in ([ground, roof], [roof, ground]):
        hf = mesh_to_heightfield(trimesh.util.concatenate(parts), 0.05)
        xy = grid_xy(hf)
        under = (np.abs(xy[..., 0] - 0.5) < 0.45) & (np.abs(xy[..., 1]) < 0.45)
        clear = (np.abs(xy[..., 0] - 0.5) > 0.55) | (np.abs(xy[..., 1]) > 0.55)
        assert np.allclose(hf.heights[under], 1.5, atol=1e-6)
        assert np.allclose(hf.heights[clear], 0.0, atol=1e-6)
    # rays starting below the roof see the ground
    hf = mesh_to_heightfield(trimesh.util.concatenate([ground, roof]), 0.05, max_height=1.0)
    assert np.allclose(hf.heights, 0.0, atol=1e-6)


def test_grid_bounds_origin_and_fill():
    tri = trimesh.Trimesh([[0, 0, 1.0], [1, 0, 1.0], [0, 1, 1.0]], [[0, 1, 2]], process=False)
    hf = mesh_to_heightfield(tri, 0.25, bounds=((-0.5, -0.5), (1.0, 1.0)), fill=-2.0)
    assert hf.heights.shape == (7, 7) and hf.origin == (-0.5, -0.5) and hf.resolution == 0.25
    assert hf.heights[2, 2] == 1.0  # (0, 0): a corner of the triangle
    assert hf.heights[2, 6] == 1.0 and hf.heights[6, 2] == 1.0  # the other two corners
    assert hf.heights[6, 6] == -2.0 and hf.heights[0, 0] == -2.0
    assert mesh_to_heightfield(tri, 0.25, bounds=((-0.5, -0.5), (1.0, 1.0))).heights[0, 0] == 1.0  # fill="min"
    # default bounds: the mesh's own, 0.3 m steps inside 1 m
    assert mesh_to_heightfield(tri, 0.3).heights.shape == (4, 4)


def test_vertical_faces_add_nothing():
    box = trimesh.creation.box(extents=(1.0, 1.0, 1.0))  # 8 of 12 faces are vertical
    hf = mesh_to_heightfield(box, 0.1)
    assert np.allclose(hf.heights, 0.5)


def test_chunking_does_not_change_the_result():
    big = trimesh.Trimesh([[-1, -1, 0.0], [3, -1, 0.0], [-1, 3, 0.0]], [[0, 1, 2]])
    mesh = trimesh.util.concatenate([_bumpy(2), big])
    full = mesh_to_heightfield(mesh, 0.05)
    tiny = mesh_to_heightfield(mesh, 0.05, max_points_per_chunk=7)  # every big triangle cut into row bands
    np.testing.assert_array_equal(full.heights, tiny.heights)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"resolution": 0.0}, "positive resolution"),
        ({"resolution": 0.1, "fill": "max"}, "fill"),
        ({"resolution": 0.1, "bounds": ((0, 0), (0.05, 1.0))}, "at least 2x2"),
        ({"resolution": 0.1, "bounds": (0, 0, 1, 1)}, "expected bounds"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mesh_to_heightfield(_bumpy(), **kwargs)
    with pytest.raises(ValueError, match="with triangles"):
        mesh_to_heightfield(trimesh.Trimesh(np.zeros((3, 3)), np.zeros((0, 3), np.int64)), 0.1)


def test_speed_is_vectorised():
    rng = np.random.default_rng(3)
    mesh = grid_mesh(101, 101, (10.0, 10.0), rng.normal(0, 0.1, (101, 101)), rng)  # 20 k faces
    start = time.perf_counter()
    hf = mesh_to_heightfield(mesh, 0.025)  # 160 k samples
    elapsed = time.perf_counter() - start
    assert hf.heights.shape == (401, 401)
    assert elapsed < 5.0, f"rasterising 20 k faces onto 160 k samples took {elapsed:.2f} s"
