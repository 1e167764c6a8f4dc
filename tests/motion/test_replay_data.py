"""ReplayDataLoader: processing order, lengths, velocities, concatenation indices and per-frame access."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from legged_gym.motion import MotionClip, MotionFormatError, ReplayDataLoader
from tests.motion.helpers import simple_clip, yaw_quat

DT = 0.02


def _loader(clips, **kw) -> ReplayDataLoader:
    kw.setdefault("joint_names", ["j1", "j0_joint"])
    kw.setdefault("tracked_link_names", ["c", "a"])
    kw.setdefault("extra_link_names", ["b"])
    return ReplayDataLoader(clips, DT, **kw)


def test_selection_by_name_and_layout():
    r = _loader([simple_clip(10)])
    assert r.num_frames == 10 and r.num_clips == 1
    assert r.joints.dtype == torch.float32 and r.joints.shape == (10, 2)
    np.testing.assert_allclose(r.joints[:, 0].numpy(), 2 * np.arange(10))  # j1 first, as asked
    assert r.link_pos.shape == (10, 2, 3) and r.link_quat.shape == (10, 2, 4)
    assert r.extra_link_pos.shape == (10, 1, 3) and r.extra_link_quat.shape == (10, 1, 4)
    assert r.contacts.shape == (10, 2) and r.contacts.dtype == torch.float32
    np.testing.assert_array_equal(r.contacts[:, 0].numpy(), np.arange(10) % 2 == 0)


def test_lengths_after_cut_prepend_append():
    r = _loader([simple_clip(100)], cut_off_import_length=60, n_prepend=5, n_append=7)
    assert r.num_frames == 72
    j = r.joints[:, 1].numpy()
    np.testing.assert_allclose(j[:6], 0.0)  # five repeats of frame 0, then frame 0
    np.testing.assert_allclose(j[5:65], np.arange(60))
    np.testing.assert_allclose(j[64:], 59.0)  # frame 59 and its seven repeats
    c = r.contacts[:, 1].numpy()  # right_foot = i % 3 == 0
    np.testing.assert_array_equal(c[:6], 1.0)
    np.testing.assert_array_equal(c[64:], float(59 % 3 == 0))
    assert torch.all(r.root_lin_vel[:5] == 0) and torch.all(r.joint_vel[65:] == 0)  # held frames do not move
    assert _loader([simple_clip(100)], cut_off_import_length=500).num_frames == 100


def test_cut_off_counts_control_rate_frames():
    clip = simple_clip(31, fps=30.0)  # 1 s -> 51 frames at 50 Hz
    assert _loader([clip]).num_frames == 51
    assert _loader([clip], cut_off_import_length=20).num_frames == 20


def test_constant_velocity_clip():
    t = np.arange(40) * DT
    v, w, jd = np.array([0.5, -0.2, 0.1]), 1.5, 0.7
    yaw = w * t
    clip = MotionClip(
        name="const", source="const.pkl", fps=50.0, joint_names=["j0_joint", "j1_joint"],
        joints=np.stack([jd * t, -jd * t], -1), root_pos=v * t[:, None] + [0, 0, 0.8], root_quat=yaw_quat(yaw),
        link_names=["a", "b", "c"], link_pos=np.repeat((v * t[:, None])[:, None], 3, axis=1),
        link_quat=np.repeat(yaw_quat(-yaw)[:, None], 3, axis=1),
        contacts={"left_foot": np.ones(40, bool), "right_foot": np.zeros(40, bool)},
    )
    r = _loader([clip], height_direct_offset=0.25)
    np.testing.assert_allclose(r.root_lin_vel.numpy(), np.tile(v, (40, 1)), atol=1e-4)
    np.testing.assert_allclose(r.root_ang_vel.numpy(), np.tile([0, 0, w], (40, 1)), atol=1e-4)
    np.testing.assert_allclose(r.joint_vel.numpy(), np.tile([-jd, jd], (40, 1)), atol=1e-4)
    np.testing.assert_allclose(r.link_lin_vel.numpy(), np.tile(v, (40, 2, 1)), atol=1e-4)
    np.testing.assert_allclose(r.link_ang_vel.numpy(), np.tile([0, 0, -w], (40, 2, 1)), atol=1e-4)
    np.testing.assert_allclose(r.root_pos[:, 2].numpy(), 0.8 + v[2] * t + 0.25, atol=1e-5)
    np.testing.assert_allclose(r.link_pos[:, :, 2].numpy(), (v[2] * t + 0.25)[:, None].repeat(2, 1), atol=1e-5)
    np.testing.assert_allclose(r.extra_link_pos[:, 0, 2].numpy(), v[2] * t + 0.25, atol=1e-5)


def test_concatenation_indices_and_access():
    clips = [simple_clip(10, name="a"), simple_clip(20, name="b"), simple_clip(5, name="c")]
    r = _loader(clips)
    assert r.clip_names == ["a", "b", "c"] and r.num_frames == 35
    assert r.clip_start.tolist() == [0, 10, 30] and r.clip_length.tolist() == [10, 20, 5]
    assert r.clip_of_frame.tolist() == [0] * 10 + [1] * 20 + [2] * 5
    s = r.get_state(torch.tensor([0, 9, 10, 34]))
    assert s.clip_idx.tolist() == [0, 0, 1, 2] and s.frame_in_clip.tolist() == [0, 9, 0, 4]
    np.testing.assert_allclose(s.joints[:, 1].numpy(), [0, 9, 0, 4])
    assert s.link_pos.shape == (4, 2, 3) and s.contacts.shape == (4, 2)
    nxt = r.get_next(torch.tensor([7, 10]), 4)
    assert nxt.frame_idx.tolist() == [[8, 9, 9, 9], [11, 12, 13, 14]]
    assert nxt.joints.shape == (2, 4, 2) and nxt.link_quat.shape == (2, 4, 2, 4)
    assert r.frames_remaining(torch.tensor([0, 9, 10, 30, 34])).tolist() == [9, 0, 19, 4, 0]
    assert r.advance(torch.tensor([8, 28]), 3).tolist() == [9, 29]
    with pytest.raises(IndexError, match="35"):
        r.get_state(torch.tensor([35]))


def test_rates_and_errors_name_the_clip():
    clip = simple_clip(10, fps=30.0)
    with pytest.raises(MotionFormatError, match="clip.pkl.*'fps'.*upsample_data=False.*30"):
        _loader([clip], upsample_data=False)
    assert _loader([dataclasses.replace(clip, fps=50.0)], upsample_data=False).num_frames == 10
    with pytest.raises(MotionFormatError, match="clip.pkl.*'joint_names'.*j9_joint"):
        _loader([clip], joint_names=["j0", "j9"])
    with pytest.raises(MotionFormatError, match="clip.pkl.*'link_names'.*torso_link"):
        _loader([clip], extra_link_names=["torso_link"])
    with pytest.raises(MotionFormatError, match="clip.pkl.*'contacts'.*left_hand"):
        _loader([clip], contact_names=["left_foot", "left_hand"])
    for bad in (dict(cut_off_import_length=0), dict(n_append=-1)):
        with pytest.raises(ValueError):
            _loader([clip], **bad)
    with pytest.raises(ValueError):
        _loader([])


def test_single_frame_clip_has_zero_velocity():
    r = _loader([simple_clip(1), simple_clip(3)])
    assert r.num_frames == 4
    assert torch.all(r.root_lin_vel[0] == 0) and torch.all(r.link_ang_vel[0] == 0)
    np.testing.assert_allclose(r.root_lin_vel[1:].numpy(), np.tile([50.0, 100.0, 0.0], (3, 1)), atol=1e-3)
