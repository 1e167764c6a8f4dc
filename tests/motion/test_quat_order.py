"""The quaternion-order heuristic (legged_gym/motion/quat_order.py) on hand-made pelvis trajectories."""

from __future__ import annotations

import numpy as np
import pytest

from legged_gym.motion.quat_order import looks_swapped, order_evidence, root_quat_to_wxyz
from legged_gym.motion.clip import MotionFormatError
from legged_gym.motion.rotations import quat_mul, wxyz_to_xyzw
from tests.motion.helpers import yaw_quat


def _tilted(yaw: np.ndarray, pitch: float) -> np.ndarray:
    """wxyz: yaw about z, then a pitch about the body y axis."""
    p = np.stack([np.full_like(yaw, np.cos(pitch / 2)), 0 * yaw, np.full_like(yaw, np.sin(pitch / 2)), 0 * yaw], -1)
    return quat_mul(yaw_quat(yaw), p)


def test_single_frames_by_hand():
    identity_xyzw = np.array([[0.0, 0.0, 0.0, 1.0]])
    # as xyzw: identity; as wxyz: a 180-degree turn about z, upright too -> prior evidence only
    e = order_evidence(identity_xyzw, "xyzw")
    assert e == dict(geometric_declared=0, geometric_other=0, prior_declared=1, prior_other=0, frames=1)
    assert order_evidence(identity_xyzw, "wxyz")["prior_other"] == 1
    # yaw 90 degrees (wxyz): read as xyzw it is a 90-degree roll -> geometric evidence for wxyz
    q = yaw_quat(np.array([np.pi / 2]))
    e = order_evidence(q, "wxyz")
    assert e["geometric_declared"] == 1 and e["geometric_other"] == 0


@pytest.mark.parametrize("pitch", [0.0, 0.3])
def test_correct_order_passes_and_swapped_is_caught(pitch):
    rng = np.random.default_rng(0)
    for yaw in (np.zeros(50), np.full(50, 1.0), rng.uniform(-np.pi, np.pi, 50), np.linspace(-3, 3, 50)):
        q = _tilted(yaw, pitch)
        assert not looks_swapped(q, "wxyz")
        assert not looks_swapped(wxyz_to_xyzw(q), "xyzw")
        if np.abs(yaw).max() < 2.5:  # facing away from 180 degrees in some frames: the swap shows
            assert looks_swapped(wxyz_to_xyzw(q), "wxyz")
            assert looks_swapped(q, "xyzw")


def test_error_message_and_override():
    q = wxyz_to_xyzw(yaw_quat(np.linspace(0, 0.5, 20)))
    with pytest.raises(MotionFormatError, match="file.x.*root_quat.*expected wxyz.*looks like xyzw"):
        root_quat_to_wxyz("file.x", "root_quat", q, "wxyz")
    np.testing.assert_array_equal(root_quat_to_wxyz("file.x", "root_quat", q, "wxyz", check=False), q)
    np.testing.assert_allclose(root_quat_to_wxyz("file.x", "root_quat", q, "xyzw"), yaw_quat(np.linspace(0, 0.5, 20)))


def test_blind_spot_facing_backwards():
    """A wxyz clip facing 180 degrees throughout looks like near-identity xyzw (documented limitation)."""
    q = yaw_quat(np.full(20, np.pi))
    assert looks_swapped(q, "wxyz")
    assert not looks_swapped(q, "xyzw")
