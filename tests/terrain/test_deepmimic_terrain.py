"""DeepMimicTerrain: cell offsets, the composed height field, caching, flat clips, gaps and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import trimesh

import legged_gym.terrain.deepmimic_terrain as dm
from legged_gym.sim.heightfield import HeightField, TerrainSampler
from legged_gym.terrain import DeepMimicTerrain, make_amass_rough_terrain
from tests.terrain.helpers import distance_to_edges_xy, grid_mesh, highest_hit

RES = 0.05


def _centred_mesh(seed: int = 0) -> trimesh.Trimesh:
    """A 9 m x 9 m bumpy mesh centred at the origin, like the seed's AMASS terrains."""
    rng = np.random.default_rng(seed)
    return grid_mesh(19, 19, (9.0, 9.0), rng.uniform(-0.1, 0.1, (19, 19)), rng, offset=(-4.5, -4.5))


def _offcentre_mesh() -> trimesh.Trimesh:
    """A 4 m x 3 m slope over x in [2, 6], y in [1, 4] (like a captured scene in its own frame)."""
    rng = np.random.default_rng(5)
    x = np.linspace(0, 4, 9)[None, :].repeat(7, 0)
    return grid_mesh(9, 7, (4.0, 3.0), 0.3 + 0.1 * x, rng, offset=(2.0, 1.0))


@pytest.fixture
def layout(tmp_path):
    path = tmp_path / "centred.obj"
    _centred_mesh().export(path)
    return DeepMimicTerrain([str(path), _offcentre_mesh(), None], n_rows=3, resolution=RES), path


def test_cell_offsets(layout):
    t, _ = layout
    assert (t.num_rows, t.num_cols) == (3, 3) and t.cell_size == pytest.approx((9.0, 9.0))
    np.testing.assert_allclose(t.clip_extents.numpy(), [[9, 9], [4, 3], [9, 9]], atol=1e-6)
    for row in range(3):
        assert t.cell_offset(row, 0) == pytest.approx((0.0, 9.0 * row, 0.0))  # the seed's (col W, row D, 0)
        assert t.cell_offset(row, 2) == pytest.approx((18.0, 9.0 * row, 0.0))
        # not centred: its bounds' centre (4, 2.5) is moved onto the cell centre (9, 9 row)
        assert t.cell_offset(row, 1) == pytest.approx((9.0 - 4.0, 9.0 * row - 2.5, 0.0))
    rows, cols = torch.meshgrid(torch.arange(3), torch.arange(3), indexing="ij")
    offsets = t.env_offsets(cols.reshape(-1), rows.reshape(-1))
    expected = [t.cell_offset(r, c) for r, c in zip(rows.reshape(-1).tolist(), cols.reshape(-1).tolist())]
    np.testing.assert_allclose(offsets.numpy(), expected, atol=1e-6)
    assert offsets.dtype == torch.float32 and offsets.shape == (9, 3)


def test_composed_heightfield_equals_each_clip_terrain(layout):
    t, path = layout
    world = TerrainSampler(t.heightfield)
    meshes = [trimesh.load(path, process=False), _offcentre_mesh(), None]
    rng = np.random.default_rng(0)
    for col, mesh in enumerate(meshes):
        b = t.clip_bounds[col].numpy().astype(np.float64)
        xy = rng.uniform(b[0] + RES, b[1] - RES, (200, 2))
        clip = TerrainSampler(t.clip_heightfield(col)).height_at(torch.as_tensor(xy)).numpy()
        if mesh is None:
            assert not clip.any()
        for row in range(t.num_rows):
            off = np.array(t.cell_offset(row, col))
            got = world.height_at(torch.as_tensor(xy + off[:2])).numpy()
            np.testing.assert_allclose(got, clip, atol=1e-6)
        if mesh is not None:  # and at lattice points the clip's samples are the mesh's highest surface
            lattice = np.round(xy / RES) * RES
            lattice = lattice[distance_to_edges_xy(mesh, lattice) > 1e-4]
            expected = highest_hit(mesh, lattice)
            got = world.height_at(torch.as_tensor(lattice + np.array(t.cell_offset(2, col))[:2])).numpy()
            np.testing.assert_allclose(got, expected, atol=1e-5)


def test_terrains_stay_in_their_cells(layout):
    t, _ = layout
    w, d = t.cell_size
    for col in range(t.num_cols):
        for row in range(t.num_rows):
            lo, hi = t.clip_bounds[col].numpy() + np.array(t.cell_offset(row, col))[:2]
            centre = np.array([col * w, row * d])
            assert (lo >= centre - np.array([w, d]) / 2 - RES / 2 - 1e-6).all()
            assert (hi <= centre + np.array([w, d]) / 2 + RES / 2 + 1e-6).all()


def test_meshes_loaded_and_cast_once_per_path(tmp_path, monkeypatch):
    loads, casts = [], []
    real_load, real_cast = dm.load_mesh, dm.mesh_to_heightfield
    monkeypatch.setattr(dm, "load_mesh", lambda p: loads.append(p) or real_load(p))
    monkeypatch.setattr(dm, "mesh_to_heightfield", lambda *a, **k: casts.append(1) or real_cast(*a, **k))
    a, b = tmp_path / "a.obj", tmp_path / "b.stl"
    _centred_mesh(1).export(a)
    _centred_mesh(2).export(b)
    mesh = _offcentre_mesh()
    t = DeepMimicTerrain([str(a), b, str(a), mesh, tmp_path / "." / "a.obj", mesh], n_rows=2, resolution=0.1)
    assert len(loads) == 2 and len(casts) == 3
    assert t.clips[0] is t.clips[2] is t.clips[4] and t.clips[3] is t.clips[5]
    assert t.num_cols == 6


def test_flat_clip_seams_and_gaps():
    low = HeightField(np.full((61, 61), -0.3, np.float32), (-1.5, -1.5), RES)  # 3 m square at z = -0.3
    high = HeightField(np.full((181, 181), 0.4, np.float32), (-4.5, -4.5), RES)  # 9 m square at z = 0.4
    t = DeepMimicTerrain([None, high, low], n_rows=2, resolution=RES)
    s = TerrainSampler(t.heightfield)
    h = lambda x, y: float(s.height_at(torch.tensor([[x, y]], dtype=torch.float64))[0])  # noqa: E731
    assert h(0.0, 0.0) == 0.0 and h(-4.5, 13.5) == 0.0  # None: flat 9 m x 9 m at z = 0
    assert h(4.5, 0.0) == pytest.approx(0.4)  # the shared seam sample belongs to the higher terrain
    assert h(9.0, 9.0) == pytest.approx(0.4)
    assert h(18.0, 9.0) == pytest.approx(-0.3)
    assert h(18.0 + 3.0, 9.0 + 3.0) == pytest.approx(-0.3)  # outside the 3 m terrain: its lowest height
    assert t.heightfield.heights.shape == (361, 541)
    # a margin leaves gaps, filled with the lowest height of the nearest cell's terrain
    t = DeepMimicTerrain([None, high], n_rows=1, resolution=RES, margin=1.0)
    assert t.cell_size == pytest.approx((10.0, 10.0))
    s = TerrainSampler(t.heightfield)
    assert float(s.height_at(torch.tensor([[4.9, 0.0]]))[0]) == pytest.approx(0.0)
    assert float(s.height_at(torch.tensor([[5.1, 0.0]]))[0]) == pytest.approx(0.4)


def test_off_lattice_heightfield_is_resampled():
    rough = make_amass_rough_terrain(4, size_xy=(3.0, 2.0), resolution=0.1, seed=3)
    shifted = HeightField(rough.heights, (rough.origin[0] + 0.013, rough.origin[1] - 0.021), 0.1)
    t = DeepMimicTerrain([shifted], n_rows=2, resolution=RES)
    hf = t.clip_heightfield(0)
    assert hf.origin[0] / RES == pytest.approx(round(hf.origin[0] / RES))
    nrow, ncol = hf.heights.shape
    xy = np.stack(np.meshgrid(hf.origin[0] + RES * np.arange(ncol), hf.origin[1] + RES * np.arange(nrow)), -1)
    expected = TerrainSampler(shifted).height_at(torch.as_tensor(xy)).numpy()
    np.testing.assert_allclose(hf.heights, expected, atol=1e-6)


def test_seed_sized_grid_and_random_rows():
    rough = [make_amass_rough_terrain(d % 5, seed=d) for d in range(10)]
    t = DeepMimicTerrain(rough, n_rows=16, resolution=RES)
    assert t.heightfield.heights.shape == (16 * 180 + 1, 10 * 180 + 1)  # 2881 x 1801 float32 = 20.8 MB
    assert t.heightfield.origin == pytest.approx((-4.5, -4.5))
    g = torch.Generator().manual_seed(0)
    rows = t.random_rows(5000, g)
    assert rows.dtype == torch.int64 and int(rows.min()) == 0 and int(rows.max()) == 15
    assert torch.equal(rows, t.random_rows(5000, torch.Generator().manual_seed(0)))


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="non-empty list"):
        DeepMimicTerrain([])
    with pytest.raises(ValueError, match="n_rows"):
        DeepMimicTerrain([None], n_rows=0)
    with pytest.raises(ValueError, match="resolution"):
        DeepMimicTerrain([None], resolution=-1.0)
    with pytest.raises(ValueError, match="margin"):
        DeepMimicTerrain([None], margin=-0.1)
    with pytest.raises(ValueError, match="clip 1: expected a mesh path.*got float"):
        DeepMimicTerrain([None, 3.5])
    with pytest.raises(FileNotFoundError, match="missing.obj"):
        DeepMimicTerrain([None, tmp_path / "missing.obj"])
    sliver = trimesh.Trimesh([[0, 0, 0.0], [0.01, 0, 0], [0, 2, 0]], [[0, 1, 2]], process=False)
    with pytest.raises(ValueError, match="mesh of clip 0: expected an xy extent"):
        DeepMimicTerrain([sliver])
    t = DeepMimicTerrain([None, None], n_rows=2, resolution=0.5)
    with pytest.raises(IndexError, match="clip_idx in \\[0, 1\\], got values from 0 to 2"):
        t.env_offsets(torch.tensor([0, 2]), torch.tensor([0, 1]))
    with pytest.raises(IndexError, match="row_idx"):
        t.env_offsets(torch.tensor([0]), torch.tensor([-1]))
    with pytest.raises(ValueError, match="integer tensor"):
        t.env_offsets(torch.tensor([0.0]), torch.tensor([0]))
    with pytest.raises(ValueError, match="same shape"):
        t.env_offsets(torch.tensor([0, 1]), torch.tensor([0]))
    with pytest.raises(IndexError, match="row"):
        t.cell_offset(2, 0)
