"""Joint-only formats put onto our robot: Unitree 36-column CSV and BeyondMimic/mjlab npz."""

from __future__ import annotations

import numpy as np
import pytest

from legged_gym.motion import MotionFormatError, load_motion, read_mjlab_npz, read_unitree_csv
from legged_gym.motion.formats.g1_names import DEFAULT_ORDERS, G1_29_DFS_JOINTS, G1_30_DFS_BODIES
from legged_gym.motion.robot_kinematics import robot_kinematics
from legged_gym.motion.rotations import wxyz_to_xyzw, xyzw_to_wxyz
from tests.motion.helpers import G1_XML, csv_table, g1_motion, write_csv


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    return csv_table(frames=40, speed=0.0, yaw=0.3)


# ----------------------------------------------------------------------------- CSV
def test_csv_reads_onto_the_model(tmp_path, table):
    clip = read_unitree_csv(write_csv(str(tmp_path / "dance.csv"), table), G1_XML)
    kin = robot_kinematics(G1_XML)
    assert clip.name == "dance" and clip.fps == 30.0 and clip.num_frames == 40
    assert clip.joint_names == kin.joint_names and clip.joints.shape == (40, 23)  # wrists dropped
    for k, name in enumerate(G1_29_DFS_JOINTS):
        if name in clip.joint_names:
            np.testing.assert_allclose(clip.joints[:, clip.joint_names.index(name)], table[:, 7 + k], atol=1e-6)
    np.testing.assert_allclose(clip.root_quat, xyzw_to_wxyz(table[:, 3:7]), atol=1e-6)
    assert clip.link_names == G1_30_DFS_BODIES and clip.link_pos.shape == (40, 30, 3)
    np.testing.assert_allclose(clip.link_pos[:, 0], table[:, 0:3], atol=1e-6)  # pelvis = root
    assert clip.contact_source == "derived"
    assert clip.contacts["left_foot"].all() and clip.contacts["right_foot"].all()  # standing on z = 0
    assert load_motion(str(tmp_path / "dance.csv")).num_frames == 40
    assert read_unitree_csv(str(tmp_path / "dance.csv"), G1_XML, fps=60.0).fps == 60.0


def test_csv_link_poses_match_the_robot_fk(tmp_path, table):
    clip = read_unitree_csv(write_csv(str(tmp_path / "a.csv"), table), G1_XML)
    ref = g1_motion(40, 30.0, speed=0.0, yaw=0.3)
    np.testing.assert_allclose(clip.link_pos, ref["link_pos"], atol=2e-6)
    np.testing.assert_allclose(np.abs(np.sum(clip.link_quat * ref["link_quat"], axis=-1)), 1.0, atol=1e-5)


@pytest.mark.parametrize("columns", [35, 37, 7 + 23])
def test_csv_wrong_column_count(tmp_path, table, columns):
    t = np.concatenate([table, np.zeros((40, 5))], axis=1)[:, :columns]
    path = write_csv(str(tmp_path / "cols.csv"), t)
    with pytest.raises(MotionFormatError, match=rf"cols.csv.*expected 36 columns.*got {columns} columns"):
        read_unitree_csv(path, G1_XML)


def test_csv_bad_content(tmp_path, table):
    nan = table.copy()
    nan[5, 12] = np.nan
    with pytest.raises(MotionFormatError, match="nan.csv.*finite"):
        read_unitree_csv(write_csv(str(tmp_path / "nan.csv"), nan), G1_XML)
    header = tmp_path / "header.csv"
    header.write_text("x,y,z\n" + "\n".join(",".join(map(str, r)) for r in table))
    with pytest.raises(MotionFormatError, match="header.csv"):
        read_unitree_csv(str(header), G1_XML)
    scaled = table.copy()
    scaled[:, 3:7] *= 1.1
    with pytest.raises(MotionFormatError, match="scaled.csv.*root_quat.*unit"):
        read_unitree_csv(write_csv(str(tmp_path / "scaled.csv"), scaled), G1_XML)
    for fps in (0.0, -1.0, 2000.0):
        with pytest.raises(MotionFormatError, match="fps"):
            read_unitree_csv(str(tmp_path / "nan.csv"), G1_XML, fps=fps)


@pytest.mark.parametrize("yaw", [0.0, 0.4, -2.0, 2.2])
def test_csv_w_first_quaternion_is_refused(tmp_path, yaw):
    t = csv_table(frames=30, yaw=yaw)
    ok = write_csv(str(tmp_path / "ok.csv"), t)
    read_unitree_csv(ok, G1_XML)
    t[:, 3:7] = xyzw_to_wxyz(t[:, 3:7])  # another dialect: w first
    with pytest.raises(MotionFormatError, match="wfirst.csv.*looks like wxyz"):
        read_unitree_csv(write_csv(str(tmp_path / "wfirst.csv"), t), G1_XML)


def test_csv_w_first_blind_spot_is_as_documented(tmp_path):
    """A w-first clip facing about 180 degrees throughout reads as a near-identity xyzw clip (quat_order docs);
    once the clip turns away from 180 degrees the swap is caught."""
    t = csv_table(frames=30, yaw=3.0)
    t[:, 3:7] = xyzw_to_wxyz(t[:, 3:7])
    read_unitree_csv(write_csv(str(tmp_path / "blind.csv"), t), G1_XML)
    t = csv_table(frames=60, yaw=3.0, yaw_rate=-4.0)  # turns through 240 degrees in 2 s
    t[:, 3:7] = xyzw_to_wxyz(t[:, 3:7])
    with pytest.raises(MotionFormatError, match="looks like wxyz"):
        read_unitree_csv(write_csv(str(tmp_path / "turning.csv"), t), G1_XML)


def test_csv_joint_the_robot_lacks(tmp_path, table):
    with pytest.raises(MotionFormatError, match="a.csv.*no_such_link"):
        read_unitree_csv(write_csv(str(tmp_path / "a.csv"), table), G1_XML, required_links=["no_such_link"])


# ----------------------------------------------------------------------------- npz
def _npz(path, order="bfs", names=False, quat_order="wxyz", frames=30, fps=np.array([50.0])) -> str:
    m = g1_motion(frames, 50.0, speed=0.3, yaw=-0.5, yaw_rate=0.5)
    joints29, bodies30 = DEFAULT_ORDERS[order]
    joint_pos = np.zeros((frames, 29), np.float32)
    for k, name in enumerate(joints29):
        joint_pos[:, k] = m["joints"][:, m["joint_names"].index(name)] if name in m["joint_names"] else 0.25
    idx = [m["link_names"].index(b) for b in bodies30]
    quat = m["link_quat"][:, idx]
    data = dict(
        fps=fps, joint_pos=joint_pos, joint_vel=np.zeros_like(joint_pos),
        body_pos_w=m["link_pos"][:, idx].astype(np.float32),
        body_quat_w=(quat if quat_order == "wxyz" else wxyz_to_xyzw(quat)).astype(np.float32),
        body_lin_vel_w=np.zeros((frames, 30, 3), np.float32), body_ang_vel_w=np.zeros((frames, 30, 3), np.float32),
    )
    if names:
        data["joint_names"] = np.array(joints29)
        data["body_names"] = np.array(bodies30)
    np.savez(path, **data)
    return path


@pytest.mark.parametrize("order, names", [("bfs", False), ("dfs", True), ("bfs", True)])
def test_npz_matched_by_names(tmp_path, order, names):
    path = _npz(str(tmp_path / "m.npz"), order=order, names=names)
    clip = read_mjlab_npz(path, G1_XML)
    ref = g1_motion(30, 50.0, speed=0.3, yaw=-0.5, yaw_rate=0.5)
    assert clip.fps == 50.0 and clip.joint_names == ref["joint_names"]
    np.testing.assert_allclose(clip.joints, ref["joints"], atol=1e-6)
    np.testing.assert_allclose(clip.root_pos, ref["root_pos"], atol=1e-6)
    np.testing.assert_allclose(clip.link_pos, ref["link_pos"], atol=1e-5)
    assert clip.contact_source == "derived"
    as_file = read_mjlab_npz(path, G1_XML, link_source="file")
    k = as_file.link_names.index("left_knee_link")
    knee = ref["link_pos"][:, ref["link_names"].index("left_knee_link")]
    np.testing.assert_allclose(as_file.link_pos[:, k], knee, atol=1e-6)


def test_npz_default_order_mismatch_is_refused(tmp_path):
    dfs = _npz(str(tmp_path / "mjlab.npz"), order="dfs")
    with pytest.raises(MotionFormatError, match="mjlab.npz.*body_pos_w.*looks DFS"):
        read_mjlab_npz(dfs, G1_XML)
    assert read_mjlab_npz(dfs, G1_XML, default_order="dfs").num_frames == 30
    assert load_motion(dfs, default_order="dfs").num_frames == 30


def test_npz_errors(tmp_path):
    xyzw = _npz(str(tmp_path / "xyzw.npz"), quat_order="xyzw")
    with pytest.raises(MotionFormatError, match="xyzw.npz.*looks like xyzw"):
        read_mjlab_npz(xyzw, G1_XML)
    for label, fps in (("zero", np.array([0.0])), ("huge", np.array([1e4])), ("empty", np.array([]))):
        with pytest.raises(MotionFormatError, match=f"{label}.npz.*'fps'"):
            read_mjlab_npz(_npz(str(tmp_path / f"{label}.npz"), fps=fps), G1_XML)
    path = str(tmp_path / "nofps.npz")
    with np.load(_npz(path)) as f:
        data = {k: f[k] for k in f.files if k != "fps"}
    np.savez(path, **data)
    with pytest.raises(MotionFormatError, match="nofps.npz.*'fps'"):
        read_mjlab_npz(path, G1_XML)
    data["fps"] = np.array([50.0])
    data["joint_pos"] = data["joint_pos"][:, :28]
    np.savez(path, **data)
    with pytest.raises(MotionFormatError, match="nofps.npz.*joint_pos"):
        read_mjlab_npz(path, G1_XML)
