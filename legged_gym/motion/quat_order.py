"""Detect a root-quaternion array stored in the other component order (wxyz vs xyzw).

Formats disagree on the order (seed pickle/h5 and Unitree CSV: xyzw; mjlab/BeyondMimic npz: wxyz), and a
36-column CSV or a 4-column array cannot say which it holds. Reading one order as the other is not always
visible: a near-identity xyzw quaternion (0, 0, 0, 1) read as wxyz is a 180-degree turn about z, still upright.

Heuristic (on the pelvis, which a motion clip keeps roughly upright most of the time). Per frame, read the four
columns both ways, as declared and as the other order, and compute the body z axis' world z component ("up")
for each reading.

* Geometric evidence: a frame supports a reading when that reading's up > 0.7 and exceeds the other reading's
  up by more than 0.4 (one reading upright, the other clearly tilted, lying or upside down).
* Prior evidence, for frames where both readings are upright (the pelvis is near a pure yaw of 0 or 180
  degrees, where the two readings differ by a 180-degree turn about z): the column holding the component with
  |value| > 0.95 supports the order whose w sits there (a near-identity pelvis is assumed more likely than one
  turned 180 degrees).

Decision: when at least 10 % of the frames carry geometric evidence, the array is refused as "looks like the
other order" if at least 80 % of that evidence supports the other order. Otherwise (a clip that only ever faces
about 0 or 180 degrees) the prior decides: refused when at least half the frames carry prior evidence and at
least 80 % of it supports the other order. Known blind spot: a wxyz clip whose pelvis stays turned about 180
degrees (within about +-36 degrees) in nearly every frame is indistinguishable from a near-identity xyzw clip
(and vice versa) and is refused or accepted by the prior; readers take ``check_quat_order=False`` for such files.
"""

from __future__ import annotations

import numpy as np

from legged_gym.motion.clip import MotionFormatError
from legged_gym.motion.rotations import up_z, xyzw_to_wxyz

UPRIGHT = 0.7
MARGIN = 0.4
DOMINANT = 0.95
MIN_GEOMETRIC_FRACTION = 0.1
MIN_PRIOR_FRACTION = 0.5
SWAP_FRACTION = 0.8
ORDERS = ("wxyz", "xyzw")


def _as_wxyz(raw: np.ndarray, order: str) -> np.ndarray:
    return raw if order == "wxyz" else xyzw_to_wxyz(raw)


def order_evidence(raw: np.ndarray, declared: str) -> dict[str, int]:
    """Frame counts of the evidence described in the module docstring, for (T, 4) root quaternions.

    Keys: ``geometric_declared``, ``geometric_other``, ``prior_declared``, ``prior_other``, ``frames``.
    """
    if declared not in ORDERS:
        raise ValueError(f"quaternion order must be one of {ORDERS}, got {declared!r}")
    other = ORDERS[1 - ORDERS.index(declared)]
    raw = np.asarray(raw, dtype=np.float64).reshape(-1, 4)
    up_d = up_z(_as_wxyz(raw, declared))
    up_o = up_z(_as_wxyz(raw, other))
    both = (up_d > UPRIGHT) & (up_o > UPRIGHT)
    big = np.abs(raw).max(axis=1) > DOMINANT
    col = np.abs(raw).argmax(axis=1)
    w_col = {"wxyz": 0, "xyzw": 3}
    return dict(
        geometric_declared=int(((up_d > UPRIGHT) & (up_d - up_o > MARGIN)).sum()),
        geometric_other=int(((up_o > UPRIGHT) & (up_o - up_d > MARGIN)).sum()),
        prior_declared=int((both & big & (col == w_col[declared])).sum()),
        prior_other=int((both & big & (col == w_col[other])).sum()),
        frames=int(raw.shape[0]),
    )


def looks_swapped(raw: np.ndarray, declared: str) -> bool:
    """True when the (T, 4) root quaternions look like the other component order than ``declared``."""
    e = order_evidence(raw, declared)
    geometric = e["geometric_declared"] + e["geometric_other"]
    if geometric >= MIN_GEOMETRIC_FRACTION * e["frames"]:
        return e["geometric_other"] >= SWAP_FRACTION * geometric
    prior = e["prior_declared"] + e["prior_other"]
    return prior >= MIN_PRIOR_FRACTION * e["frames"] and e["prior_other"] >= SWAP_FRACTION * prior


def root_quat_to_wxyz(source: str, field_name: str, raw: np.ndarray, declared: str, check: bool = True) -> np.ndarray:
    """Root quaternions (T, 4) stored in ``declared`` order, returned as wxyz.

    With ``check`` the array is first tested with :func:`looks_swapped`; a MotionFormatError naming the file and
    field is raised when it looks like the other order.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if check and looks_swapped(raw, declared):
        e = order_evidence(raw, declared)
        other = ORDERS[1 - ORDERS.index(declared)]
        raise MotionFormatError(
            source, field_name, f"{declared} quaternions",
            f"an array that looks like {other} (of {e['frames']} frames, {e['geometric_other']} are upright only "
            f"as {other} and {e['geometric_declared']} only as {declared}; {e['prior_other']} are near-identity "
            f"only as {other}, {e['prior_declared']} only as {declared}); pass check_quat_order=False to keep "
            f"{declared}",
        )
    return _as_wxyz(raw, declared)
