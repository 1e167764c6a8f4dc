"""The real LAFAN G1 dance clip (../shared, skipped when absent): reading, joint limits, contacts, replay."""

from __future__ import annotations

import os

import mujoco
import numpy as np
import pytest
import torch

from legged_gym.motion import MotionFormatError, ReplayDataLoader, load_motion, read_unitree_csv
from legged_gym.motion.contacts import sole_height_and_speed, sole_points
from legged_gym.motion.replay_data import DEFAULT_TRACKED_LINKS
from legged_gym.motion.robot_kinematics import G1_FOOT_LINKS, G1_SOLE_CORNERS
from tests.motion.helpers import DANCE_CSV, G1_XML

pytestmark = pytest.mark.skipif(not os.path.isfile(DANCE_CSV), reason=f"real clip not available: {DANCE_CSV}")


@pytest.fixture(scope="module")
def dance():
    return load_motion(DANCE_CSV)


def test_reads_3945_frames_at_30_fps(dance):
    assert dance.num_frames == 3945 and dance.fps == 30.0
    assert dance.joints.shape == (3945, 23) and dance.link_pos.shape == (3945, 30, 3)
    assert 0.40 < dance.root_pos[:, 2].min() and dance.root_pos[:, 2].max() < 0.86  # documented 0.41-0.85 m
    knees = [dance.joint_names.index(n) for n in ("left_knee_joint", "right_knee_joint")]
    assert dance.joints[:, knees].min() > 0.1  # knees always bent forward: the DFS column order is right


def test_joints_within_model_limits(dance):
    m = mujoco.MjModel.from_xml_path(G1_XML)
    lo = np.array([m.jnt_range[m.joint(n).id, 0] for n in dance.joint_names])
    hi = np.array([m.jnt_range[m.joint(n).id, 1] for n in dance.joint_names])
    excess = np.maximum(dance.joints - hi, 0) + np.maximum(lo - dance.joints, 0)
    frames_over = int((excess > 0).any(axis=1).sum())
    print(f"dance: {frames_over} of {dance.num_frames} frames exceed a joint limit, max by {excess.max():.4f} rad")
    assert frames_over <= 0.05 * dance.num_frames and excess.max() < 0.1  # small excursions are tolerated


def test_feet_on_the_ground_when_in_contact(dance):
    for contact, link in G1_FOOT_LINKS.items():
        b = dance.link_names.index(link)
        pts = sole_points(dance.link_pos[:, b].astype(float), dance.link_quat[:, b].astype(float), G1_SOLE_CORNERS)
        height, _ = sole_height_and_speed(pts, dance.fps)
        flags = dance.contacts[contact]
        near = float((height[flags] < 0.03).mean())
        print(f"dance {contact}: contact in {flags.mean():.1%} of frames, sole < 3 cm in {near:.1%} of them")
        assert 0.3 < flags.mean() < 0.95 and near > 0.9
    assert (dance.contacts["left_foot"] | dance.contacts["right_foot"]).mean() > 0.85


def test_reading_the_quaternions_w_first_is_refused(tmp_path):
    table = np.loadtxt(DANCE_CSV, delimiter=",", max_rows=600)
    table[:, 3:7] = table[:, [6, 3, 4, 5]]  # the same clip in a w-first dialect
    path = str(tmp_path / "dance_wfirst.csv")
    np.savetxt(path, table, delimiter=",", fmt="%.6f")
    with pytest.raises(MotionFormatError, match="dance_wfirst.csv.*looks like wxyz"):
        read_unitree_csv(path, G1_XML)


def test_replay_at_50_hz(dance):
    r = ReplayDataLoader([dance], 0.02, dance.joint_names, DEFAULT_TRACKED_LINKS, ["torso_link"])
    assert r.num_frames == 6574  # floor(3944 * 50 / 30) + 1: 131.47 s
    for name in ("link_lin_vel", "link_ang_vel", "root_lin_vel", "root_ang_vel", "joint_vel"):
        assert torch.isfinite(getattr(r, name)).all(), name
    assert r.root_lin_vel[:, :2].norm(dim=-1).max() < 3.0  # plausible dancing speed at the right rate
    assert r.link_lin_vel.norm(dim=-1).max() < 10.0
