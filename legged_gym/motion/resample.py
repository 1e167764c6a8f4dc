"""Change a clip's frame rate with exact timing.

Frame i of a clip at rate f is at time i / f. A clip of T frames covers [0, (T - 1) / f]; resampled to rate g it
has frames at j / g for every j with j / g <= (T - 1) / f, i.e. floor((T - 1) * g / f) + 1 frames (the last one
may fall up to one new period short of the end). Positions and joints are interpolated linearly, root and link
quaternions by SLERP (shorter arc), contacts take the nearest source frame (ties go to the later frame).
The seed's ``linspace(0, N / fps, N)`` grid, which stretches time by N / (N - 1), is deliberately not reproduced.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from legged_gym.motion.clip import MotionClip, check_fps
from legged_gym.motion.rotations import quat_slerp

_EPS = 1e-9


def resample_times(num_frames: int, fps: float, target_fps: float) -> np.ndarray:
    """Source-frame coordinates (float, in units of source frames) of the resampled frames."""
    n_out = int(np.floor((num_frames - 1) * target_fps / fps + _EPS)) + 1
    return np.arange(n_out, dtype=np.float64) * (fps / target_fps)


def _lerp(x: np.ndarray, i0: np.ndarray, i1: np.ndarray, a: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    shape = (-1,) + (1,) * (x.ndim - 1)
    return x[i0] * (1.0 - a.reshape(shape)) + x[i1] * a.reshape(shape)


def _slerp(q: np.ndarray, i0: np.ndarray, i1: np.ndarray, a: np.ndarray) -> np.ndarray:
    q = q.astype(np.float64)
    shape = (-1,) + (1,) * (q.ndim - 2)
    return quat_slerp(q[i0], q[i1], np.broadcast_to(a.reshape(shape), q[i0].shape[:-1]))


def resample_clip(clip: MotionClip, target_fps: float) -> MotionClip:
    """A copy of ``clip`` at ``target_fps`` (see the module docstring for the timing and interpolation rules).

    Returns the clip unchanged (not copied) when the rates are equal.
    """
    target = check_fps(clip.source or clip.name, target_fps)
    if abs(target - clip.fps) < 1e-9 * target:
        return clip
    t = clip.num_frames
    s = resample_times(t, clip.fps, target)
    i0 = np.minimum(np.floor(s + _EPS).astype(np.int64), t - 1)
    i1 = np.minimum(i0 + 1, t - 1)
    a = np.clip(s - i0, 0.0, 1.0)
    nearest = np.minimum(np.floor(s + 0.5 + _EPS).astype(np.int64), t - 1)
    return dataclasses.replace(
        clip,
        fps=target,
        joints=_lerp(clip.joints, i0, i1, a),
        root_pos=_lerp(clip.root_pos, i0, i1, a),
        root_quat=_slerp(clip.root_quat, i0, i1, a),
        link_pos=_lerp(clip.link_pos, i0, i1, a),
        link_quat=_slerp(clip.link_quat, i0, i1, a),
        contacts={k: v[nearest] for k, v in clip.contacts.items()},
    )
