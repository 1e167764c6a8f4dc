"""Foot contacts derived from kinematics, for formats that store none (CSV, npz, h5 without an estimate).

Rule (motion_formats.md section 12, tuned on the LAFAN G1 dance clip at its native 30 fps):

* sole points: the four bottom corners of the robot's foot box, in the ankle-roll link frame
  (:data:`~legged_gym.motion.robot_kinematics.G1_SOLE_CORNERS`);
* sole height: the lowest of the four corners' world z, per frame;
* ground level: the median over frames of the lower foot's sole height (the clip is assumed to be on flat
  ground with at least one foot down in more than half of its frames);
* foot speed: the horizontal speed of the slowest sole corner (central differences at the clip's own rate), so
  a foot pivoting on its heel or toe still counts as planted;
* contact: sole height above ground < :data:`HEIGHT_THRESHOLD` (0.04 m) and foot speed < :data:`SPEED_THRESHOLD`
  (0.3 m/s).

ProtoMotions uses 0.10 m and 0.15 m/s on body origins; measured on soles, 0.04 m already covers every planted
frame of the dance clip (planted soles sit within about +-1.5 cm of the ground), and 0.3 m/s on the slowest
corner keeps pivots in contact while a swinging foot (median speed about 1-2 m/s) is out.
"""

from __future__ import annotations

import numpy as np

from legged_gym.motion.rotations import quat_rotate

HEIGHT_THRESHOLD = 0.04  # [m] sole height above the clip's ground level
SPEED_THRESHOLD = 0.3  # [m/s] horizontal speed of the slowest sole corner


def sole_points(link_pos: np.ndarray, link_quat: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """World positions (T, K, 3) of sole points ``corners`` (K, 3; foot link frame) at link poses (T, 3)/(T, 4 wxyz)."""
    t, k = link_pos.shape[0], corners.shape[0]
    q = np.broadcast_to(np.asarray(link_quat, np.float64)[:, None, :], (t, k, 4))
    return np.asarray(link_pos, np.float64)[:, None, :] + quat_rotate(q, np.broadcast_to(corners, (t, k, 3)))


def sole_height_and_speed(points: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Lowest sole-point z (T,) and horizontal speed of the slowest sole point (T,) of sole points (T, K, 3)."""
    height = points[..., 2].min(axis=1)
    if points.shape[0] < 2:
        return height, np.zeros_like(height)
    vel = np.gradient(points[..., :2], 1.0 / fps, axis=0)
    return height, np.linalg.norm(vel, axis=-1).min(axis=1)


def ground_level(heights: np.ndarray) -> float:
    """Ground height of a flat-ground clip: median over frames of the lowest foot's sole height; heights (F, T)."""
    return float(np.median(np.asarray(heights).min(axis=0)))


def derive_foot_contacts(
    feet: dict[str, tuple[np.ndarray, np.ndarray]],
    fps: float,
    corners: np.ndarray,
    height_threshold: float = HEIGHT_THRESHOLD,
    speed_threshold: float = SPEED_THRESHOLD,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float]:
    """Contact flags of feet on flat ground, by the rule in the module docstring.

    Args:
        feet: contact name -> (link_pos (T, 3), link_quat (T, 4) wxyz) of that foot's link.
        fps: the clip's frame rate [Hz] (apply at the native rate, before resampling).
        corners: (K, 3) sole points in the foot link frame.
        height_threshold: [m] above the ground level.
        speed_threshold: [m/s].

    Returns:
        (contacts name -> (T,) bool, sole heights name -> (T,) [m, world z], ground level [m]).
    """
    heights, speeds = {}, {}
    for name, (pos, quat) in feet.items():
        heights[name], speeds[name] = sole_height_and_speed(sole_points(pos, quat, corners), fps)
    ground = ground_level(np.stack(list(heights.values())))
    contacts = {
        name: (heights[name] - ground < height_threshold) & (speeds[name] < speed_threshold) for name in feet
    }
    return contacts, heights, ground
