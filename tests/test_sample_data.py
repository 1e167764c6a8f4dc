"""Checks of the synthetic sample clips committed under resources/motions/sample.

The committed files must be exactly what ``legged_gym/scripts/make_sample_data.py`` writes, load with a
restricted unpickler / h5py, follow the seed's schemas, and be kinematically sound on our G1 model.
"""

from __future__ import annotations

import functools
import os
import pickle
import subprocess
import sys

import h5py
import mujoco
import numpy as np
import pytest

from legged_gym.sim.kinematics import ForwardKinematics, quat_to_matrix_np
from legged_gym.sim.robot_info import actuated_joint_names, body_names, kinematic_tree_spec

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SCRIPT = os.path.join(REPO_ROOT, "legged_gym", "scripts", "make_sample_data.py")
SAMPLE = os.path.join(REPO_ROOT, "resources", "motions", "sample")
XML = os.path.join(REPO_ROOT, "resources", "robots", "g1", "g1_23dof.xml")
PICKLES = ["mocap/stand.pkl", "mocap/walk.pkl"]
H5 = "videos/walk_up_step/retarget_poses_g1.h5"
OBJ = "videos/walk_up_step/background_mesh.obj"
FILES = PICKLES + [H5, OBJ]
PICKLE_KEYS = {"joint_names", "joints", "root_pos", "root_quat", "link_names", "link_pos", "link_quat",
               "contacts", "fps"}
SIDES = ("left", "right")
TOL = 0.01  # 1 cm: stance sole height and stance sliding


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that only resolves builtin containers and numpy's array reconstruction functions."""

    ALLOWED = {
        ("builtins", "dict"), ("builtins", "list"), ("builtins", "tuple"), ("builtins", "set"),
        ("builtins", "frozenset"), ("builtins", "bytearray"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    }

    def find_class(self, module: str, name: str) -> object:
        """Resolve an allowed global, refuse everything else."""
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")
        return super().find_class(module, name)


def load_pickle(path: str) -> dict:
    """Load a clip pickle with :class:`RestrictedUnpickler`."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f).load()


def load_h5(path: str) -> dict:
    """Read a seed h5 clip into the canonical dict (names decoded, contacts as bool)."""
    with h5py.File(path, "r") as f:
        out = {key: f[key][()] for key in ("root_pos", "root_quat", "joints", "link_pos", "link_quat")}
        out["contacts"] = {key: f["contacts"][key][()] for key in f["contacts"]}
        out["joint_names"] = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["/joint_names"]]
        out["link_names"] = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["/link_names"]]
        out["fps"] = float(f.attrs["/fps"])
    return out


def load_obj(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V,3) and 0-based triangles (F,3) of a Wavefront OBJ file."""
    verts, faces = [], []
    with open(path, encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "v":
                verts.append([float(p) for p in parts[1:4]])
            elif parts and parts[0] == "f":
                faces.append([int(p.split("/")[0]) - 1 for p in parts[1:]])
    return np.array(verts), np.array(faces)


def mesh_height(verts: np.ndarray, faces: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Highest surface of a z-up triangle mesh above each point (...,2); NaN where there is none."""
    flat = xy.reshape(-1, 2)
    best = np.full(len(flat), -np.inf)
    for tri in verts[faces]:
        (x0, y0, z0), (x1, y1, z1), (x2, y2, z2) = tri
        det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
        if abs(det) < 1e-12:  # vertical face: no height of its own
            continue
        a = ((y1 - y2) * (flat[:, 0] - x2) + (x2 - x1) * (flat[:, 1] - y2)) / det
        b = ((y2 - y0) * (flat[:, 0] - x2) + (x0 - x2) * (flat[:, 1] - y2)) / det
        c = 1.0 - a - b
        inside = (a >= -1e-9) & (b >= -1e-9) & (c >= -1e-9)
        best = np.where(inside, np.maximum(best, a * z0 + b * z1 + c * z2), best)
    return np.where(np.isfinite(best), best, np.nan).reshape(xy.shape[:-1])


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The clips written afresh by the generator's command line."""
    out = str(tmp_path_factory.mktemp("sample"))
    subprocess.run([sys.executable, SCRIPT, "--out", out], check=True, capture_output=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def robot() -> dict:
    """Joint/body names, joint ranges, foot boxes and forward kinematics of our G1 model."""
    m = mujoco.MjModel.from_xml_path(XML)
    joints = actuated_joint_names(XML)
    ranges = np.array([m.jnt_range[mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, n)] for n in joints])
    feet = {}
    for side in SIDES:
        g = m.geom(f"{side}_foot")
        feet[side] = (g.pos.copy(), g.size.copy())
    spec = kinematic_tree_spec(XML)
    return {"joints": joints, "bodies": body_names(XML), "range": ranges, "feet": feet,
            "fk": ForwardKinematics(spec, len(joints))}


@functools.lru_cache(maxsize=1)
def clips() -> dict[str, tuple[dict, object]]:
    """Committed clips in canonical form with their terrain height function."""
    flat = lambda xy: np.zeros(xy.shape[:-1])  # noqa: E731
    verts, faces = load_obj(os.path.join(SAMPLE, OBJ))
    return {
        "stand": (load_pickle(os.path.join(SAMPLE, PICKLES[0])), flat),
        "walk": (load_pickle(os.path.join(SAMPLE, PICKLES[1])), flat),
        "walk_up_step": (load_h5(os.path.join(SAMPLE, H5)), lambda xy: mesh_height(verts, faces, xy)),
    }


def assert_same(a: object, b: object, where: str) -> None:
    """Recursively compare two loaded clips (floats to 1e-6, the float32 resolution of the data)."""
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        assert a == b, where


def sole_bottom(robot: dict, side: str, pos: np.ndarray, quat_xyzw: np.ndarray) -> np.ndarray:
    """Corners (T,4,3) of the bottom face of a foot box, world frame, from ankle-roll link poses."""
    centre, half = robot["feet"][side]
    local = np.array([[centre[0] + a, centre[1] + b, centre[2] - half[2]]
                      for a in (-half[0], half[0]) for b in (-half[1], half[1])])
    rot = quat_to_matrix_np(quat_xyzw[:, [3, 0, 1, 2]].astype(np.float64))
    return pos[:, None].astype(np.float64) + np.einsum("tij,pj->tpi", rot, local)


def segments(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame ranges where ``flags`` is True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(int), [0]))))
    return list(zip(edges[::2], edges[1::2]))


# ----------------------------------------------------------------------------------------------------------------------


def test_committed_files_present_and_small() -> None:
    sizes = [os.path.getsize(os.path.join(SAMPLE, f)) for f in FILES]
    assert sum(sizes) < 3 * 1024 * 1024


@pytest.mark.parametrize("name", FILES)
def test_committed_files_match_the_generator(regenerated: str, name: str) -> None:
    committed, fresh = os.path.join(SAMPLE, name), os.path.join(regenerated, name)
    if name.endswith(".pkl"):
        assert_same(load_pickle(committed), load_pickle(fresh), name)
    elif name.endswith(".h5"):
        with h5py.File(committed, "r") as a, h5py.File(fresh, "r") as b:
            assert sorted(a.attrs) == sorted(b.attrs)
            for key in a.attrs:
                assert np.array_equal(np.asarray(a.attrs[key]), np.asarray(b.attrs[key])), key
        assert_same(load_h5(committed), load_h5(fresh), name)
    else:
        with open(committed, encoding="ascii") as a, open(fresh, encoding="ascii") as b:
            assert a.read() == b.read()


def test_restricted_unpickler_refuses_other_globals(tmp_path) -> None:
    path = tmp_path / "bad.pkl"
    path.write_bytes(pickle.dumps({"x": os.path.join}, protocol=4))
    with pytest.raises(pickle.UnpicklingError):
        load_pickle(str(path))


@pytest.mark.parametrize("name", PICKLES)
def test_pickle_schema(robot: dict, name: str) -> None:
    with open(os.path.join(SAMPLE, name), "rb") as f:
        raw = f.read()
    assert raw[:2] == b"\x80\x04"  # protocol 4
    assert b"numpy._core" not in raw  # loadable by NumPy 1.x too
    d = load_pickle(os.path.join(SAMPLE, name))
    assert type(d) is dict and set(d) == PICKLE_KEYS
    t = len(d["joints"])
    assert d["joint_names"] == robot["joints"] and len(d["joint_names"]) == 23
    assert d["link_names"] == robot["bodies"] and len(d["link_names"]) == 30
    expected = {"joints": (t, 23), "root_pos": (t, 3), "root_quat": (t, 4), "link_pos": (t, 30, 3),
                "link_quat": (t, 30, 4)}
    for key, shape in expected.items():
        assert d[key].shape == shape and d[key].dtype == np.float32, key
    assert set(d["contacts"]) == {"left_foot", "right_foot"}
    for v in d["contacts"].values():
        assert v.dtype == bool and v.shape == (t,)
    assert type(d["fps"]) is float and d["fps"] == 30.0


def test_h5_schema(robot: dict) -> None:
    with h5py.File(os.path.join(SAMPLE, H5), "r") as f:
        assert {"/joint_names", "/link_names", "/fps"} <= set(f.attrs)
        t = f["joints"].shape[0]
        expected = {"root_pos": ((t, 3), np.float64), "root_quat": ((t, 4), np.float64),
                    "joints": ((t, 23), np.float32), "link_pos": ((t, 30, 3), np.float64),
                    "link_quat": ((t, 30, 4), np.float64)}
        for key, (shape, dtype) in expected.items():
            assert f[key].shape == shape and f[key].dtype == dtype, key
        assert set(f["contacts"]) == {"left_foot", "right_foot"}
        for key in ("left_foot", "right_foot"):
            assert f["contacts"][key].dtype == bool and f["contacts"][key].shape == (t,)
    d = load_h5(os.path.join(SAMPLE, H5))
    assert d["joint_names"] == robot["joints"] and d["link_names"] == robot["bodies"] and d["fps"] == 30.0


@pytest.mark.parametrize("name", ["stand", "walk", "walk_up_step"])
def test_kinematics(robot: dict, name: str) -> None:
    d, _ = clips()[name]
    for key in ("root_quat", "link_quat"):
        np.testing.assert_allclose(np.linalg.norm(d[key].astype(np.float64), axis=-1), 1.0, atol=1e-5)
    lo, hi = robot["range"][:, 0], robot["range"][:, 1]
    assert np.all(d["joints"] >= lo) and np.all(d["joints"] <= hi)
    np.testing.assert_allclose(d["link_pos"][:, 0], d["root_pos"], atol=1e-6)
    np.testing.assert_allclose(d["link_quat"][:, 0], d["root_quat"], atol=1e-6)
    root_wxyz = d["root_quat"][:, [3, 0, 1, 2]].astype(np.float64)
    fk = robot["fk"].compute(d["root_pos"].astype(np.float64), root_wxyz, d["joints"].astype(np.float64))
    assert np.abs(fk["pos"] - d["link_pos"]).max() < 1e-3
    dots = np.abs(np.sum(fk["quat"][..., [1, 2, 3, 0]] * d["link_quat"], axis=-1))
    assert dots.min() > 1.0 - 1e-6  # about 0.1 degree
    assert np.all(np.isfinite(d["joints"]))


@pytest.mark.parametrize("name", ["stand", "walk", "walk_up_step"])
def test_feet_on_the_terrain(robot: dict, name: str) -> None:
    d, terrain = clips()[name]
    for side in SIDES:
        b = robot["bodies"].index(f"{side}_ankle_roll_link")
        pts = sole_bottom(robot, side, d["link_pos"][:, b], d["link_quat"][:, b])
        height = pts[..., 2] - terrain(pts[..., :2])
        assert not np.isnan(height).any()
        contact = d["contacts"][f"{side}_foot"]
        assert contact.any()
        assert np.abs(height[contact]).max() < TOL  # stance sole on the terrain
        assert height.min() > -TOL  # never through it
        centre = pts.mean(axis=1)
        for s, e in segments(contact):
            assert np.linalg.norm(centre[s:e] - centre[s], axis=1).max() < TOL  # no stance sliding
        for s, e in segments(~contact):  # swings lift the sole about 8 cm above the higher ground
            level = max(terrain(centre[s - 1, None, :2])[0], terrain(centre[e, None, :2])[0])
            lift = (pts[s:e, :, 2].min(axis=1) - level).max()
            assert 0.06 < lift < 0.10, (side, s, lift)


@pytest.mark.parametrize("name", ["walk", "walk_up_step"])
def test_walk_gait(name: str) -> None:
    d, terrain = clips()[name]
    fps, t = d["fps"], len(d["joints"])
    both = d["contacts"]["left_foot"] & d["contacts"]["right_foot"]
    assert both[: int(0.9 * fps)].all() and both[-int(0.9 * fps):].all()  # standing at both ends
    swings = sorted((s, e, side) for side in SIDES for s, e in segments(~d["contacts"][f"{side}_foot"]))
    assert len(swings) >= 6
    for (s0, e0, a), (s1, _, b) in zip(swings, swings[1:]):
        assert a != b and s1 > e0  # alternating feet with double support in between
    period = np.diff([s for s, _, _ in swings]).mean() / fps
    assert 0.5 <= period <= 0.8
    walking = slice(swings[0][0], swings[-1][1])
    speed = (d["root_pos"][walking.stop, 0] - d["root_pos"][walking.start, 0]) / ((walking.stop - walking.start) / fps)
    assert 0.4 < speed < 0.6
    # straight along x; the pelvis sways towards each stance foot (balance_pelvis) but not beyond the feet
    assert abs(d["root_pos"][:, 1].mean()) < 0.03 and np.abs(d["root_pos"][:, 1]).max() < 0.12
    ankles = [d["link_pos"][:, d["link_names"].index(f"{side}_ankle_roll_link"), :2] for side in SIDES]
    support = np.minimum(*[terrain(a.astype(np.float64)) for a in ankles])  # lower of the two ground levels
    height = (d["root_pos"][:, 2] - support)[walking]
    assert 0.72 < height.mean() < 0.78 and height.max() - height.min() < 0.1
    start_end = d["root_pos"][[0, -1], 2] - support[[0, -1]]
    np.testing.assert_allclose(start_end, start_end[0], atol=1e-4)  # same standing height at both ends
    assert t == len(d["root_pos"])


def test_terrain_mesh() -> None:
    verts, faces = load_obj(os.path.join(SAMPLE, OBJ))
    assert faces.shape[1] == 3 and faces.min() >= 0 and faces.max() < len(verts)
    extent = verts.max(axis=0) - verts.min(axis=0)
    assert 7.5 <= extent[0] <= 8.5 and 3.5 <= extent[1] <= 4.5
    assert set(np.round(verts[:, 2], 6)) == {0.0, 0.1}
    tri = verts[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    assert (normals[:, 2] > 0.999).sum() >= 4  # ground and platform tops face up
    edge = verts[verts[:, 2] > 0.05, 0].min()
    riser = (np.abs(normals[:, 0] + 1.0) < 1e-9) & np.all(np.abs(tri[:, :, 0] - edge) < 1e-9, axis=1)
    assert riser.sum() == 2  # the vertical step face, facing the walker
    heights = mesh_height(verts, faces, np.array([[edge - 0.05, 0.0], [edge + 0.05, 0.0]]))
    np.testing.assert_allclose(heights, [0.0, 0.1])
