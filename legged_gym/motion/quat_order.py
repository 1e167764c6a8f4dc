"""Detect a root-quaternion array stored in the other component order (wxyz vs xyzw).

Formats disagree on the order (seed pickle/h5 and Unitree CSV: xyzw; mjlab/BeyondMimic npz: wxyz), and a
36-column CSV or a 4-column array cannot say which it holds. Reading one order as the other is not always
visible: a near-identity xyzw quaternion (0, 0, 0, 1) read as wxyz is a 180-degree turn about z, still upright.

Heuristic (on the pelvis, which a motion clip keeps roughly upright most of the time). Per frame, read the four
columns both ways, as declared and as the other order, and compute the body z axis' world z component ("up")
for each reading. A frame votes:

* for the declared order when declared up > 0.7 and other up < 0.3 (one reading upright, the other lying or
  upside down); for the other order in the mirrored case;
* when both readings are upright (the pelvis is near a pure yaw of 0 or 180 degrees), by which column holds the
  component with |value| > 0.95: the declared order's w column votes declared, the other order's w column
  votes other (a near-identity pelvis is assumed more likely than one turned 180 degrees);
* otherwise it abstains (tilted, lying, or in between).

The array is refused as "looks like the other order" when at least half the frames vote and at least 80 % of
the votes go to the other order. Known blind spot: a wxyz clip whose pelvis stays turned about 180 degrees
(within about +-36 degrees) in nearly every frame is indistinguishable from a near-identity xyzw clip and is
refused; readers take ``check_quat_order=False`` for such files.
"""

from __future__ import annotations

import numpy as np

from legged_gym.motion.clip import MotionFormatError
from legged_gym.motion.rotations import up_z, xyzw_to_wxyz

UPRIGHT = 0.7
NOT_UPRIGHT = 0.3
DOMINANT = 0.95
MIN_VOTING_FRACTION = 0.5
SWAP_VOTE_FRACTION = 0.8
ORDERS = ("wxyz", "xyzw")


def _as_wxyz(raw: np.ndarray, order: str) -> np.ndarray:
    return raw if order == "wxyz" else xyzw_to_wxyz(raw)


def order_votes(raw: np.ndarray, declared: str) -> tuple[int, int, int]:
    """(votes for ``declared``, votes for the other order, frames) of (T, 4) root quaternions, as described above."""
    if declared not in ORDERS:
        raise ValueError(f"quaternion order must be one of {ORDERS}, got {declared!r}")
    other = ORDERS[1 - ORDERS.index(declared)]
    raw = np.asarray(raw, dtype=np.float64).reshape(-1, 4)
    up_d = up_z(_as_wxyz(raw, declared))
    up_o = up_z(_as_wxyz(raw, other))
    vote_d = (up_d > UPRIGHT) & (up_o < NOT_UPRIGHT)
    vote_o = (up_o > UPRIGHT) & (up_d < NOT_UPRIGHT)
    both = (up_d > UPRIGHT) & (up_o > UPRIGHT)
    big = np.abs(raw).max(axis=1) > DOMINANT
    col = np.abs(raw).argmax(axis=1)
    w_col = {"wxyz": 0, "xyzw": 3}
    vote_d |= both & big & (col == w_col[declared])
    vote_o |= both & big & (col == w_col[other])
    return int(vote_d.sum()), int(vote_o.sum()), int(raw.shape[0])


def looks_swapped(raw: np.ndarray, declared: str) -> bool:
    """True when the (T, 4) root quaternions look like the other component order than ``declared``."""
    n_d, n_o, t = order_votes(raw, declared)
    voting = n_d + n_o
    return voting >= MIN_VOTING_FRACTION * t and n_o >= SWAP_VOTE_FRACTION * voting


def root_quat_to_wxyz(source: str, field_name: str, raw: np.ndarray, declared: str, check: bool = True) -> np.ndarray:
    """Root quaternions (T, 4) stored in ``declared`` order, returned as wxyz.

    With ``check`` the array is first tested with :func:`looks_swapped`; a MotionFormatError naming the file and
    field is raised when it looks like the other order.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if check and looks_swapped(raw, declared):
        n_d, n_o, t = order_votes(raw, declared)
        other = ORDERS[1 - ORDERS.index(declared)]
        raise MotionFormatError(
            source, field_name, f"{declared} quaternions",
            f"an array that looks like {other}: {n_o} of {t} frames read upright/near-identity only as {other}, "
            f"{n_d} only as {declared} (pass check_quat_order=False to keep {declared})",
        )
    return _as_wxyz(raw, declared)
