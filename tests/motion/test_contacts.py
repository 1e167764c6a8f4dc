"""Derived foot contacts: sole geometry from the robot file and the height/speed rule."""

from __future__ import annotations

import mujoco
import numpy as np

from legged_gym.motion.contacts import HEIGHT_THRESHOLD, SPEED_THRESHOLD, derive_foot_contacts
from legged_gym.motion.robot_kinematics import G1_FOOT_LINKS, G1_SOLE_CORNERS
from legged_gym.motion.rotations import quat_rotate
from tests.motion.helpers import G1_XML, yaw_quat

FPS = 30.0


def test_sole_corners_match_the_model_feet():
    m = mujoco.MjModel.from_xml_path(G1_XML)
    for contact, body in G1_FOOT_LINKS.items():
        g = m.geom(contact)
        assert m.body(g.bodyid[0]).name == body and g.type[0] == mujoco.mjtGeom.mjGEOM_BOX
        np.testing.assert_allclose(g.quat, [1, 0, 0, 0])
        lo, hi = g.pos - g.size, g.pos + g.size
        expected = [[x, y, lo[2]] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])]
        np.testing.assert_allclose(G1_SOLE_CORNERS, expected, atol=1e-9)


def _foot(z, x=None, yaw=None):
    t = len(z)
    pos = np.stack([np.zeros(t) if x is None else x, np.zeros(t), z], -1)
    return pos, yaw_quat(np.zeros(t) if yaw is None else yaw)


def test_height_and_speed_rule():
    t = np.arange(60) / FPS
    sole = 0.037  # ankle-roll origin above the sole
    planted = _foot(np.full(60, sole))
    lifted = _foot(sole + np.where((t > 0.5) & (t < 1.0), 0.10, 0.0))
    sliding = _foot(np.full(60, sole), x=(SPEED_THRESHOLD + 0.2) * t)
    contacts, heights, ground = derive_foot_contacts(
        {"left_foot": planted, "right_foot": lifted, "slide": sliding}, FPS, G1_SOLE_CORNERS
    )
    assert abs(ground) < 1e-9 and np.allclose(heights["left_foot"], 0.0)
    assert contacts["left_foot"].all() and not contacts["slide"].any()
    up = (t > 0.5) & (t < 1.0)
    assert not contacts["right_foot"][up].any()
    assert contacts["right_foot"][(t < 0.45) | (t > 1.05)].all()


def test_pivot_on_the_heel_stays_in_contact():
    yaw = np.linspace(0, 2.9, 30)  # 3 rad/s turn: the toe moves at ~0.6 m/s, the sole centre at ~0.3 m/s
    heel = G1_SOLE_CORNERS[0]  # rotate the foot about its first corner: keep that corner fixed

    q = yaw_quat(yaw)
    pos = np.array([0, 0, 0.037]) + heel * [1, 1, 0] - quat_rotate(q, np.broadcast_to(heel * [1, 1, 0], (30, 3)))
    contacts, _, _ = derive_foot_contacts({"left_foot": (pos, q), "right_foot": _foot(np.full(30, 0.037))},
                                          FPS, G1_SOLE_CORNERS)
    assert contacts["left_foot"].all()


def test_ground_level_follows_the_clip():
    z = 0.5 + 0.037  # a clip recorded on a 0.5 m platform
    contacts, _, ground = derive_foot_contacts(
        {"left_foot": _foot(np.full(20, z)), "right_foot": _foot(np.full(20, z + HEIGHT_THRESHOLD + 0.01))},
        FPS, G1_SOLE_CORNERS,
    )
    assert abs(ground - 0.5) < 1e-9 and contacts["left_foot"].all() and not contacts["right_foot"].any()
