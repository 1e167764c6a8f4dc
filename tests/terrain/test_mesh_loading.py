"""load_mesh: formats, scenes, and errors that name the file."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from legged_gym.terrain import load_mesh


@pytest.mark.parametrize("suffix", ["obj", "stl", "ply"])
def test_formats_round_trip(tmp_path, suffix):
    box = trimesh.creation.box(extents=(2.0, 1.0, 0.5))
    path = tmp_path / f"box.{suffix}"
    box.export(path)
    mesh = load_mesh(path)
    assert mesh.vertices.dtype == np.float64
    assert len(mesh.faces) == 12
    np.testing.assert_allclose(mesh.bounds, box.bounds, atol=1e-6)


def test_scene_objects_are_concatenated(tmp_path):
    path = tmp_path / "two.obj"
    path.write_text("o a\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\no b\nv 0 0 1\nv 1 0 1\nv 0 1 1\nf 4 5 6\n")
    mesh = load_mesh(str(path))
    assert len(mesh.faces) == 2 and len(mesh.vertices) == 6
    assert sorted(mesh.vertices[:, 2].tolist()) == [0, 0, 0, 1, 1, 1]


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.obj"
    with pytest.raises(FileNotFoundError, match="nowhere.obj"):
        load_mesh(path)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("garbage.ply", b"this is not a ply file\n\x00\x01", "could not be read"),
        ("empty.obj", b"", "expected at least one triangle"),
        ("points.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\n", "expected at least one triangle"),
        ("nan.obj", b"v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "NaN"),
        ("mesh.glb", b"whatever", "expected one of"),
    ],
)
def test_bad_files_name_the_file(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as err:
        load_mesh(path)
    assert name in str(err.value)
