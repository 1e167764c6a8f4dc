"""MotionClip.validate: every failure names the source, the field, what was expected and what came."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from legged_gym.motion import MotionFormatError
from tests.motion.helpers import simple_clip


def test_valid_clip_and_conversions():
    clip = simple_clip(5).validate()
    assert clip.joints.dtype == np.float32 and clip.contacts["left_foot"].dtype == bool
    assert clip.num_frames == 5 and clip.duration == pytest.approx(4 / 50)


@pytest.mark.parametrize(
    "change, field, expected",
    [
        (dict(joints=np.zeros((5, 3))), "joints", "shape (5, 2)"),
        (dict(root_quat=np.zeros((5, 3))), "root_quat", "shape (5, 4)"),
        (dict(link_pos=np.zeros((5, 2, 3))), "link_pos", "shape (5, 3, 3)"),
        (dict(root_pos=np.full((5, 3), np.nan)), "root_pos", "finite"),
        (dict(root_quat=np.tile([1.0, 0, 0, 0.1], (5, 1))), "root_quat", "unit quaternions"),
        (dict(link_quat=np.zeros((5, 3, 4))), "link_quat", "unit quaternions"),
        (dict(contacts={"left_foot": np.zeros(5, bool)}), "contacts", "keys"),
        (dict(contacts={"left_foot": np.zeros(5), "right_foot": np.zeros(4)}), "contacts/right_foot", "shape (5,)"),
        (dict(fps=0.0), "fps", "frame rate"),
        (dict(fps=2000.0), "fps", "frame rate"),
        (dict(joint_names=["j", "j"]), "joint_names", "unique"),
    ],
)
def test_validation_errors(change, field, expected):
    clip = dataclasses.replace(simple_clip(5), **change)
    with pytest.raises(MotionFormatError) as info:
        clip.validate()
    err = info.value
    assert err.source == "/synthetic/clip.pkl" and err.field_name == field and expected in err.expected
    assert str(err).startswith("/synthetic/clip.pkl: field ") and "got" in str(err)
    assert isinstance(err, ValueError)
