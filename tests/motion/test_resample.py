"""Resampling with exact timing, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from legged_gym.motion import MotionClip, MotionFormatError, resample_clip
from legged_gym.motion.resample import resample_times
from tests.motion.helpers import yaw_quat


def _clip(joints, yaw, contacts, fps) -> MotionClip:
    t = len(joints)
    return MotionClip(
        name="c", source="c.pkl", fps=fps, joint_names=["j_joint"], joints=np.asarray(joints, float)[:, None],
        root_pos=np.stack([np.asarray(joints, float), np.zeros(t), np.ones(t)], -1), root_quat=yaw_quat(yaw),
        link_names=["l"], link_pos=np.zeros((t, 1, 3)), link_quat=yaw_quat(-np.asarray(yaw))[:, None],
        contacts={"left_foot": np.asarray(contacts, bool), "right_foot": ~np.asarray(contacts, bool)},
    )


def test_times():
    np.testing.assert_allclose(resample_times(4, 30.0, 50.0), [0, 0.6, 1.2, 1.8, 2.4, 3.0])
    np.testing.assert_allclose(resample_times(6, 50.0, 30.0), [0, 5 / 3, 10 / 3, 5])  # 0.1 s = 3 periods of 1/30 s
    assert len(resample_times(5, 50.0, 30.0)) == 3  # 0.08 s: frames at 0, 1/30, 2/30 s
    assert len(resample_times(3945, 30.0, 50.0)) == 6574  # floor(3944 * 5 / 3) + 1
    assert len(resample_times(1, 30.0, 50.0)) == 1


def test_upsample_30_to_50_by_hand():
    clip = _clip([0.0, 1.0, 4.0, 9.0], [0.0, 0.3, 0.6, 0.9], [False, True, False, True], 30.0)
    out = resample_clip(clip, 50.0)
    assert out.fps == 50.0 and out.num_frames == 6 and out.duration == pytest.approx(0.1)
    # frame j at t = j/50 s = source frame 0.6 j
    np.testing.assert_allclose(out.joints[:, 0], [0.0, 0.6, 1.6, 3.4, 6.0, 9.0], atol=1e-6)
    np.testing.assert_allclose(out.root_pos[:, 0], [0.0, 0.6, 1.6, 3.4, 6.0, 9.0], atol=1e-6)
    yaw = 0.3 * np.array([0, 0.6, 1.2, 1.8, 2.4, 3.0])  # slerp of a constant-rate turn is exact
    np.testing.assert_allclose(out.root_quat, yaw_quat(yaw), atol=1e-6)
    np.testing.assert_allclose(out.link_quat[:, 0], yaw_quat(-yaw), atol=1e-6)
    # nearest source frame of 0, 0.6, 1.2, 1.8, 2.4, 3.0 -> 0, 1, 1, 2, 2, 3
    np.testing.assert_array_equal(out.contacts["left_foot"], [False, True, True, False, False, True])
    np.testing.assert_array_equal(out.contacts["right_foot"], ~out.contacts["left_foot"])
    out.validate()


def test_downsample_and_same_rate():
    clip = _clip(np.arange(6.0), np.zeros(6), [True] * 3 + [False] * 3, 50.0)
    out = resample_clip(clip, 30.0)
    np.testing.assert_allclose(out.joints[:, 0], [0.0, 5 / 3, 10 / 3, 5.0], atol=1e-6)
    np.testing.assert_array_equal(out.contacts["left_foot"], [True, True, False, False])  # frames 0, 2, 3, 5
    assert resample_clip(clip, 50.0) is clip


def test_slerp_takes_the_short_way_across_sign_flips():
    q = yaw_quat(np.array([0.0, 0.2]))
    q[1] *= -1  # same rotation, other hemisphere
    clip = _clip([0.0, 1.0], [0.0, 0.2], [True, True], 10.0)
    clip.root_quat = q.astype(np.float32)
    out = resample_clip(clip, 20.0)
    ang = 2 * np.arccos(np.clip(np.abs(out.root_quat[1] @ yaw_quat(np.array([0.1]))[0]), 0, 1))
    assert ang < 1e-3


def test_bad_target_rate():
    clip = _clip([0.0, 1.0], [0.0, 0.0], [True, True], 30.0)
    for fps in (0.0, -50.0, 1e5):
        with pytest.raises(MotionFormatError, match="c.pkl.*'fps'"):
            resample_clip(clip, fps)
